# The shared inference server (`elixir-coder serve-model`).
#
#   CPU (default target):  docker build -t elixir-coder-serve .
#   CUDA:                  docker build --target runtime-cuda -t elixir-coder-serve:cuda .
#                          docker run --gpus all ... elixir-coder-serve:cuda --device cuda
#
# The CUDA image runs on hosts with an NVIDIA driver for CUDA 12 and the NVIDIA container
# toolkit; CTranslate2's wheels need CUDA 12 with cuDNN 9, which the base image provides.
# Both images run as an unprivileged user and keep the model registry in /data (a volume).

ARG PYTHON_IMAGE=python:3.11-slim
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

# --- build: a wheel of the project (the shipped default model travels inside it) ---------------
FROM ${PYTHON_IMAGE} AS builder
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip wheel
COPY pyproject.toml README.md ./
COPY analysis ./analysis
COPY assist ./assist
COPY cli ./cli
COPY server ./server
COPY serving ./serving
COPY model ./model
COPY telemetry ./telemetry
COPY training ./training
COPY benchmarks ./benchmarks
COPY docs/checks ./docs/checks
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- CUDA runtime: build with --target runtime-cuda -----------------------------------------
FROM ${CUDA_IMAGE} AS runtime-cuda
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin coder \
    && mkdir -p /data && chown coder /data
COPY --from=builder /wheels /wheels
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir "$(ls /wheels/*.whl)[serve]" \
    && rm -rf /wheels
ENV PATH=/opt/venv/bin:$PATH ELIXIR_CODER_HOME=/data PYTHONUNBUFFERED=1
USER coder
WORKDIR /home/coder
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
ENTRYPOINT ["elixir-coder", "serve-model", "--host", "0.0.0.0", "--port", "8000"]
CMD ["--device", "cuda", "--api-keys", "/run/secrets/api_keys"]

# --- CPU runtime (the default target) --------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin coder \
    && mkdir -p /data && chown coder /data
COPY --from=builder /wheels /wheels
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir "$(ls /wheels/*.whl)[serve]" \
    && rm -rf /wheels
ENV PATH=/opt/venv/bin:$PATH ELIXIR_CODER_HOME=/data PYTHONUNBUFFERED=1
USER coder
WORKDIR /home/coder
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"
ENTRYPOINT ["elixir-coder", "serve-model", "--host", "0.0.0.0", "--port", "8000"]
CMD ["--api-keys", "/run/secrets/api_keys"]
