"""The ASGI app: OpenAI-compatible `/v1/completions` and `/v1/models`, `/health`, `/metrics`.

Handlers stay thin: they authenticate, rate-limit, read a bounded body, turn the JSON into
`GenerationRequest`s (`parse_completion_request`, a pure function), hand them to the routed
instance's batcher, and shape the answer in the OpenAI text-completion format, or as
server-sent events when `stream` is set. Every response carries an `X-Request-Id`, and one
JSON log line per request records it with the outcome and latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from elixir_coder.model.engine import Completion, GenerationRequest
from elixir_coder.telemetry.metrics import Counter, Gauge, Histogram, Metrics, resident_memory_bytes

from .auth import ApiKeys, RateLimiter, bearer_token
from .batching import BatchJob, ModelUnavailableError, QueueFullError
from .instances import ModelInstance, ModelPool, UnknownModelError

access_log = logging.getLogger("elixir_coder.serving.access")

MAX_STOPS = 4
MAX_PROMPTS = 16
MAX_LOGPROBS = 5


@dataclass
class ServerSettings:
    """Limits and policies of the inference server (all defaulted).

    Args:
        max_body_bytes: request bodies larger than this get 413.
        max_prompt_chars: prompt plus suffix characters at most per prompt.
        max_tokens_limit: the largest `max_tokens` a request may ask for.
        max_n: the largest `n`.
        rate_per_key / burst_per_key: token bucket per API key (requests per second; 0: off).
        rate_per_ip / burst_per_ip: token bucket per client address (0: off).
        max_rss_mb: /health reports degraded above this resident memory (0: no limit).
        request_timeout_s: a generation waiting longer than this answers 504.
    """

    max_body_bytes: int = 1_000_000
    max_prompt_chars: int = 100_000
    max_tokens_limit: int = 512
    max_n: int = 8
    rate_per_key: float = 0.0
    burst_per_key: float | None = None
    rate_per_ip: float = 0.0
    burst_per_ip: float | None = None
    max_rss_mb: float = 0.0
    request_timeout_s: float = 300.0


class ApiError(Exception):
    """An error answered in OpenAI's error format with an HTTP status."""

    def __init__(
        self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.param = param
        self.headers = headers or {}

    def response(self, request_id: str) -> JSONResponse:
        """The JSON error response."""
        body = {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.status}}
        return JSONResponse(body, status_code=self.status, headers={**self.headers, "X-Request-Id": request_id})


@dataclass(frozen=True)
class CompletionParams:
    """A validated `/v1/completions` body."""

    model: str | None
    requests: list[GenerationRequest]
    n: int
    stream: bool
    logprobs: int | None


def _number(body: dict, name: str, default: float, low: float, high: float, integer: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        raise ApiError(400, f"'{name}' must be {'an integer' if integer else 'a number'}", param=name)
    if not low <= value <= high:
        raise ApiError(400, f"'{name}' must be between {low:g} and {high:g}", param=name)
    return value


def parse_completion_request(body: Any, settings: ServerSettings) -> CompletionParams:
    """Validate an OpenAI completions body and build one `GenerationRequest` per prompt.

    Accepts the standard fields (model, prompt, suffix, max_tokens, temperature, top_p, n,
    stop, stream, logprobs, echo false, best_of equal to n, seed and user, which are ignored)
    plus `top_k`, an extension vLLM also accepts. Unknown fields are ignored.

    Args:
        body: the decoded JSON.
        settings: the limits to enforce.

    Raises:
        ApiError: 400 with the offending parameter.
    """
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise ApiError(400, "'model' must be a string", param="model")
    prompt = body.get("prompt", "")
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
        raise ApiError(400, "'prompt' must be a string or a non-empty list of strings", param="prompt")
    if len(prompts) > MAX_PROMPTS:
        raise ApiError(400, f"at most {MAX_PROMPTS} prompts per request", param="prompt")
    suffix = body.get("suffix") or ""
    if not isinstance(suffix, str):
        raise ApiError(400, "'suffix' must be a string", param="suffix")
    if any(len(p) + len(suffix) > settings.max_prompt_chars for p in prompts):
        raise ApiError(400, f"prompt and suffix exceed {settings.max_prompt_chars} characters", param="prompt")
    max_tokens = _number(body, "max_tokens", 16, 1, settings.max_tokens_limit, integer=True)
    temperature = float(_number(body, "temperature", 1.0, 0.0, 2.0))
    top_p = float(_number(body, "top_p", 1.0, 0.0, 1.0))
    if top_p <= 0:
        raise ApiError(400, "'top_p' must be greater than 0", param="top_p")
    top_k = _number(body, "top_k", 0, -1, 10_000, integer=True)
    n = _number(body, "n", 1, 1, settings.max_n, integer=True)
    stop = body.get("stop")
    stops = [] if stop is None else [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops) or len(stops) > MAX_STOPS:
        raise ApiError(400, f"'stop' must be a non-empty string or a list of at most {MAX_STOPS}", param="stop")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ApiError(400, "'stream' must be a boolean", param="stream")
    logprobs = body.get("logprobs")
    if logprobs is not None:
        logprobs = _number(body, "logprobs", 0, 0, MAX_LOGPROBS, integer=True)
    if body.get("echo"):
        raise ApiError(400, "'echo' is not supported", param="echo")
    best_of = body.get("best_of")
    if best_of is not None and best_of != n:
        raise ApiError(400, "'best_of' other than n is not supported", param="best_of")
    requests = [
        GenerationRequest(
            prefix=p, suffix=suffix, max_tokens=max_tokens, temperature=temperature, top_p=top_p,
            top_k=max(0, top_k), num_hypotheses=n, stop=tuple(stops),
        )
        for p in prompts
    ]
    return CompletionParams(model, requests, n, stream, logprobs)


class ServerMetrics:
    """The telemetry metric set plus the server's own series (batches, queue, rejections)."""

    def __init__(self) -> None:
        self.base = Metrics()
        self._lock = threading.Lock()
        self.batch_size = Histogram(
            "elixir_coder_batch_size", "Requests per CTranslate2 batch.", (1, 2, 4, 8, 16, 32, 64)
        )
        self.batch_ms = Histogram("elixir_coder_batch_latency_ms", "Time per batch in milliseconds, by model.")
        self.rejected = Counter("elixir_coder_rejected_total", "Requests refused, by reason.")
        self.tokens = Counter("elixir_coder_generated_tokens_total", "Tokens generated, by model.")
        self.queue = Gauge("elixir_coder_queue_depth", "Requests waiting for a batch, by model.")
        self.loaded = Gauge("elixir_coder_model_loaded", "1 when the instance has a model loaded, by model.")

    def observe_batch(self, model: str, size: int, ms: float) -> None:
        """Record one batch."""
        with self._lock:
            self.batch_size.observe(size, model=model)
            self.batch_ms.observe(ms, model=model)

    def reject(self, reason: str) -> None:
        """Count a refused request."""
        with self._lock:
            self.rejected.inc(reason=reason)

    def add_tokens(self, model: str, count: int) -> None:
        """Count generated tokens."""
        with self._lock:
            self.tokens.inc(count, model=model)

    def render(self, pool: ModelPool) -> str:
        """Prometheus text for everything."""
        with self._lock:
            for inst in pool.instances.values():
                self.queue.set(inst.batcher.depth, model=inst.name)
                self.loaded.set(1.0 if inst.engine is not None else 0.0, model=inst.name)
            lines: list[str] = []
            for metric in (self.batch_size, self.batch_ms, self.rejected, self.tokens, self.queue, self.loaded):
                lines += metric.render()
        return self.base.render_prometheus() + "\n".join(lines) + "\n"


@dataclass
class ServerState:
    """What the handlers share."""

    pool: ModelPool
    settings: ServerSettings = field(default_factory=ServerSettings)
    keys: ApiKeys = field(default_factory=ApiKeys)
    metrics: ServerMetrics = field(default_factory=ServerMetrics)
    closing: bool = False

    def __post_init__(self) -> None:
        self.key_limits = RateLimiter(self.settings.rate_per_key, self.settings.burst_per_key)
        self.ip_limits = RateLimiter(self.settings.rate_per_ip, self.settings.burst_per_ip)

    def health(self) -> tuple[bool, list[str]]:
        """(healthy, reasons for being degraded)."""
        reasons = []
        if self.closing:
            reasons.append("shutting down")
        for inst in self.pool.instances.values():
            if inst.engine is None:
                reasons.append(f"model {inst.name!r} not loaded" + (f": {inst.error}" if inst.error else ""))
        if self.settings.max_rss_mb > 0:
            rss_mb = resident_memory_bytes() / 2**20
            if rss_mb > self.settings.max_rss_mb:
                reasons.append(f"resident memory {rss_mb:.0f} MiB over the limit of {self.settings.max_rss_mb:g} MiB")
        return not reasons, reasons


def _finish_reason(c: Completion) -> str:
    # OpenAI knows "stop" and "length"; an end-of-text token or a cancellation is a stop.
    return "length" if c.finish_reason == "length" else "stop"


def _logprobs_block(inst_tokenizer: Any, c: Completion, token_lps: list[float | None]) -> dict:
    """OpenAI's logprobs object for the tokens that make up the returned text."""
    tokens: list[str] = []
    offsets: list[int] = []
    lps: list[float | None] = []
    done = ""
    for k, _ in enumerate(c.token_ids):
        if len(done) >= len(c.text):
            break
        text = inst_tokenizer.decode(c.token_ids[: k + 1])
        offsets.append(len(done))
        tokens.append(text[len(done) :])
        lps.append(token_lps[k] if k < len(token_lps) else None)
        done = text
    return {"tokens": tokens, "token_logprobs": lps, "top_logprobs": None, "text_offset": offsets}


def _chunk(cid: str, created: int, model: str, index: int, text: str, finish: str | None) -> bytes:
    body = {
        "id": cid, "object": "text_completion", "created": created, "model": model,
        "choices": [{"text": text, "index": index, "logprobs": None, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def create_app(state: ServerState) -> Starlette:
    """The ASGI application over a loaded model pool.

    Args:
        state: pool, settings, keys and metrics shared by the handlers.
    """

    def identify(request: Request, request_id: str) -> str:
        """Authenticate and rate-limit; returns the caller identity used for A/B stickiness."""
        ip = request.client.host if request.client else "unknown"
        identity = f"ip:{ip}"
        if state.keys.enabled:
            token = bearer_token(request.headers.get("authorization"))
            digest = state.keys.check(token)
            if digest is None:
                state.metrics.reject("auth")
                raise ApiError(
                    401, "missing or invalid API key (send Authorization: Bearer <key>)",
                    kind="authentication_error", headers={"WWW-Authenticate": "Bearer"},
                )
            identity = f"key:{digest[7:23]}"
            wait = state.key_limits.check(digest)
            if wait:
                state.metrics.reject("rate_limit_key")
                raise ApiError(429, "rate limit for this API key exceeded", "rate_limit_error",
                               headers={"Retry-After": str(wait)})
        wait = state.ip_limits.check(ip)
        if wait:
            state.metrics.reject("rate_limit_ip")
            raise ApiError(429, "rate limit for this address exceeded", "rate_limit_error",
                           headers={"Retry-After": str(wait)})
        return identity

    async def read_json(request: Request) -> Any:
        limit = state.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            state.metrics.reject("too_large")
            raise ApiError(413, f"request body over {limit} bytes")
        data = bytearray()
        try:
            async for chunk in request.stream():
                data += chunk
                if len(data) > limit:
                    state.metrics.reject("too_large")
                    raise ApiError(413, f"request body over {limit} bytes")
        except ClientDisconnect:
            raise ApiError(400, "client disconnected while sending the body") from None
        try:
            return json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"the request body is not valid JSON: {exc}") from None

    def logged(
        feature: str, handler: Callable[[Request, str], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
            started = time.perf_counter()
            try:
                response = await handler(request, request_id)
            except ApiError as exc:
                response = exc.response(request_id)
            except Exception:  # noqa: BLE001 - one request's failure must not take the server down
                access_log.exception("request %s failed", request_id)
                response = ApiError(500, "internal error", "server_error").response(request_id)
            response.headers.setdefault("X-Request-Id", request_id)
            ms = (time.perf_counter() - started) * 1000
            if feature != "metrics":
                state.metrics.base.observe_request(feature, ms, ok=response.status_code < 400)
            access_log.info(json.dumps({
                "event": "request", "request_id": request_id, "method": request.method, "path": request.url.path,
                "status": response.status_code, "latency_ms": round(ms, 2),
                "client": request.client.host if request.client else None,
                "model": request.scope.get("state", {}).get("model"),
            }))
            return response

        return endpoint

    async def completions(request: Request, request_id: str) -> Response:
        if state.closing:
            raise ApiError(503, "server is shutting down", "server_error", headers={"Retry-After": "5"})
        identity = identify(request, request_id)
        params = parse_completion_request(await read_json(request), state.settings)
        try:
            inst = state.pool.route(params.model, identity)
        except UnknownModelError as exc:
            raise ApiError(404, str(exc), param="model") from None
        request.scope.setdefault("state", {})["model"] = inst.name
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[int, int, int] | None] = asyncio.Queue()

        def sink_for(p: int) -> Callable[[int, int, float | None], None] | None:
            if not params.stream:
                return None

            def sink(c: int, token: int, _lp: float | None) -> None:
                # Called on the batch worker's thread: hand the token to the event loop.
                loop.call_soon_threadsafe(queue.put_nowait, (p, c, token))

            return sink

        jobs = [
            BatchJob(req, on_token=sink_for(p), want_log_probs=params.logprobs is not None)
            for p, req in enumerate(params.requests)
        ]
        futures = []
        try:
            for job in jobs:
                futures.append(inst.batcher.submit(job))
        except QueueFullError as exc:
            for job in jobs:
                job.cancelled.set()
            state.metrics.reject("queue_full")
            raise ApiError(503, str(exc), "server_error", headers={"Retry-After": str(exc.retry_after)}) from None
        except ModelUnavailableError as exc:
            state.metrics.reject("unavailable")
            raise ApiError(503, str(exc), "server_error", headers={"Retry-After": "5"}) from None
        cid = "cmpl-" + request_id[:24]
        created = int(time.time())
        if params.stream:
            for f in futures:
                f.add_done_callback(lambda _f: loop.call_soon_threadsafe(queue.put_nowait, None))
            return StreamingResponse(
                stream_events(inst, params, jobs, queue, cid, created),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Request-Id": request_id},
            )
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*(asyncio.wrap_future(f) for f in futures)), state.settings.request_timeout_s
            )
        except TimeoutError:
            for job in jobs:
                job.cancelled.set()
            raise ApiError(504, "generation timed out", "server_error") from None
        except ModelUnavailableError as exc:
            raise ApiError(503, str(exc), "server_error", headers={"Retry-After": "5"}) from None
        choices = []
        tokenizer = inst.engine.tokenizer if inst.engine is not None else None
        generated = 0
        for p, (job, completions) in enumerate(zip(jobs, results, strict=True)):
            for c, comp in enumerate(completions):
                generated += len(comp.token_ids)
                lp = None
                if params.logprobs is not None and tokenizer is not None:
                    token_lps = job.token_log_probs[c] if c < len(job.token_log_probs) else []
                    lp = _logprobs_block(tokenizer, comp, token_lps)
                choices.append({
                    "text": comp.text, "index": p * params.n + c, "logprobs": lp, "finish_reason": _finish_reason(comp),
                })
        state.metrics.add_tokens(inst.name, generated)
        prompt_tokens = sum(job.prompt_tokens for job in jobs)
        return JSONResponse({
            "id": cid, "object": "text_completion", "created": created, "model": inst.name,
            "system_fingerprint": inst.version,
            "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": generated,
                      "total_tokens": prompt_tokens + generated},
        }, headers={"X-Request-Id": request_id})

    async def stream_events(
        inst: ModelInstance, params: CompletionParams, jobs: list[BatchJob],
        queue: asyncio.Queue[tuple[int, int, int] | None], cid: str, created: int,
    ) -> AsyncIterator[bytes]:
        """Server-sent events: one chunk per text delta, a last chunk per choice, then [DONE]."""
        engine = inst.engine
        ids: dict[tuple[int, int], list[int]] = {}
        sent: dict[tuple[int, int], str] = {}
        finished = 0
        try:
            while finished < len(jobs):
                item = await queue.get()
                if item is None:
                    finished += 1
                    continue
                p, c, token = item
                key = (p, c)
                if engine is None:
                    continue
                ids.setdefault(key, []).append(token)
                text = engine.tokenizer.decode(ids[key])
                req = jobs[p].req
                cut = len(text)
                for s in req.stop:
                    pos = text.find(s)
                    if 0 <= pos < cut:
                        cut = pos
                text = text[:cut]
                done = sent.get(key, "")
                # Hold back a trailing replacement character: a multi-byte character may be half-decoded.
                if len(text) > len(done) and not text.endswith("\ufffd"):
                    yield _chunk(cid, created, inst.name, p * params.n + c, text[len(done) :], None)
                    sent[key] = text
            generated = 0
            for p, job in enumerate(jobs):
                try:
                    completions = job.future.result()
                except Exception as exc:  # noqa: BLE001 - reported in the stream, the status is already sent
                    body = {"error": {"message": str(exc), "type": "server_error", "param": None, "code": 500}}
                    yield f"data: {json.dumps(body)}\n\n".encode()
                    continue
                for c, comp in enumerate(completions):
                    generated += len(comp.token_ids)
                    done = sent.get((p, c), "")
                    rest = comp.text[len(done) :] if comp.text.startswith(done) else ""
                    yield _chunk(cid, created, inst.name, p * params.n + c, rest, _finish_reason(comp))
            state.metrics.add_tokens(inst.name, generated)
            yield b"data: [DONE]\n\n"
        finally:
            # The client went away (or the stream ended): stop decoding what nobody will read.
            for job in jobs:
                job.cancelled.set()

    async def models(request: Request, request_id: str) -> Response:
        identify(request, request_id)
        data: list[dict[str, Any]] = []
        for inst in state.pool.instances.values():
            engine = inst.engine
            data.append({
                "id": inst.name, "object": "model", "created": int(inst.loaded_at or 0), "owned_by": "elixir-coder",
                "version": inst.version, "ready": engine is not None,
                "context_length": engine.context_length if engine is not None else None,
                "source": inst.spec.source,
            })
        for name, weights in state.pool.splits.items():
            data.append({"id": name, "object": "model", "created": 0, "owned_by": "elixir-coder", "split": weights})
        return JSONResponse({"object": "list", "data": data})

    async def health(request: Request, request_id: str) -> Response:
        ok, reasons = state.health()
        models = {i.name: {"loaded": i.engine is not None, "version": i.version, "queue": i.batcher.depth}
                  for i in state.pool.instances.values()}
        return JSONResponse(
            {"status": "ok" if ok else "degraded", "reasons": reasons, "models": models}, status_code=200 if ok else 503
        )

    async def metrics(request: Request, request_id: str) -> Response:
        return PlainTextResponse(state.metrics.render(state.pool), media_type="text/plain; version=0.0.4")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.pool.watch()
        try:
            yield
        finally:
            # uvicorn has already let in-flight requests finish; queued batches drain here.
            state.closing = True
            await asyncio.to_thread(state.pool.close)

    for inst in state.pool.instances.values():
        inst.batcher.on_batch = (lambda name: lambda size, ms: state.metrics.observe_batch(name, size, ms))(inst.name)

    routes = [
        Route("/v1/completions", logged("completions", completions), methods=["POST"]),
        Route("/v1/models", logged("models", models), methods=["GET"]),
        Route("/health", logged("health", health), methods=["GET"]),
        Route("/metrics", logged("metrics", metrics), methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
