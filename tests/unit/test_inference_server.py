"""The shared inference server against the real shipped model, over real HTTP on loopback."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from elixir_coder.cli.main import main as cli_main  # noqa: E402
from elixir_coder.model.engine import Engine, GenerationRequest  # noqa: E402
from elixir_coder.model.registry import Registry  # noqa: E402
from elixir_coder.serving.app import (  # noqa: E402
    ApiError,
    ServerSettings,
    ServerState,
    create_app,
    parse_completion_request,
)
from elixir_coder.serving.auth import ApiKeys, RateLimiter, hash_key  # noqa: E402
from elixir_coder.serving.batching import Batcher, BatchJob  # noqa: E402
from elixir_coder.serving.instances import InstanceSpec, ModelInstance, ModelPool, SwapGuard  # noqa: E402
from elixir_coder.serving.runner import ServerThread  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "model" / "default"
BASE = DEFAULT / "base"
KEY = "test-key-0123456789abcdef"
PROMPTS = [
    "defmodule Foo do\n  def bar(x) do",
    "Enum.map(list, fn x ->",
    "defmodule Greeter do\n  use GenServer\n\n  def init(state) do\n    ",
    "case File.read(path) do\n  {:ok, data} ->",
    "  @spec add(integer, integer) ::",
    "  def handle_call(:get, _from, state) do\n    {:reply,",
]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    eng = Engine(BASE)
    yield eng
    eng.close()


def make_state(
    tmp_path: Path, models: tuple[str, ...] = (f"default={BASE}",), splits: dict | None = None,
    settings: ServerSettings | None = None, keys: ApiKeys | None = None, window_ms: float = 5.0,
    max_batch: int = 16, max_queue: int = 256, workers: int = 1,
) -> ServerState:
    registry = Registry(tmp_path / "registry", shipped=DEFAULT)

    def batcher(lease, name: str) -> Batcher:  # noqa: ANN001
        return Batcher(lease, window_ms=window_ms, max_batch_size=max_batch, max_queue=max_queue, name=name,
                       workers=workers)

    instances = [ModelInstance(InstanceSpec.parse(m), registry, "cpu", None, batcher) for m in models]
    pool = ModelPool(instances, splits, registry)
    assert pool.load_all() == []
    return ServerState(pool, settings or ServerSettings(), keys or ApiKeys())


def serve(state: ServerState) -> ServerThread:
    return ServerThread(create_app(state), graceful_timeout=10)


def complete(client: httpx.Client, url: str, **body: object) -> httpx.Response:
    return client.post(f"{url}/v1/completions", json=body, timeout=30)


def local(engine: Engine, prompt: str, **kw: object) -> str:
    return engine.generate(GenerationRequest(prompt, **kw))[0].text  # type: ignore[arg-type]


def test_greedy_completions_match_local_engine(tmp_path: Path, engine: Engine) -> None:
    with serve(make_state(tmp_path)) as srv, httpx.Client() as client:
        for prompt in PROMPTS:
            r = complete(client, srv.url, prompt=prompt, max_tokens=24, temperature=0)
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["object"] == "text_completion" and body["model"] == "default"
            assert body["choices"][0]["text"] == local(engine, prompt, max_tokens=24)
            assert body["usage"]["prompt_tokens"] == len(engine.prompt_tokens(GenerationRequest(prompt)))
            assert r.headers["x-request-id"]
        # Stop strings and a fill-in-the-middle suffix behave as in the local engine.
        r = complete(client, srv.url, prompt=PROMPTS[2], suffix="\n  end\nend\n", max_tokens=20, temperature=0,
                     stop=["\n"])
        expected = local(engine, PROMPTS[2], suffix="\n  end\nend\n", max_tokens=20, stop=("\n",))
        assert r.json()["choices"][0]["text"] == expected


def test_streaming_equals_non_streaming_and_logprobs(tmp_path: Path, engine: Engine) -> None:
    with serve(make_state(tmp_path)) as srv, httpx.Client() as client:
        prompt = PROMPTS[0]
        plain = complete(client, srv.url, prompt=prompt, max_tokens=24, temperature=0, logprobs=1).json()
        choice = plain["choices"][0]
        lp = choice["logprobs"]
        assert "".join(lp["tokens"]) == choice["text"] and choice["text"]
        assert all(isinstance(v, float) and v <= 0 for v in lp["token_logprobs"])
        assert lp["text_offset"][0] == 0
        pieces, finish, done = [], None, False
        with client.stream("POST", f"{srv.url}/v1/completions",
                           json={"prompt": prompt, "max_tokens": 24, "temperature": 0, "stream": True}) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line == "data: [DONE]":
                    done = True
                elif line.startswith("data: "):
                    event = json.loads(line[6:])
                    pieces.append(event["choices"][0]["text"])
                    finish = event["choices"][0]["finish_reason"] or finish
        assert done and len(pieces) > 2
        assert "".join(pieces) == choice["text"] == local(engine, prompt, max_tokens=24)
        assert finish == choice["finish_reason"]


@pytest.mark.parametrize("workers", [1, 2])
def test_32_concurrent_clients_each_get_their_own_result(tmp_path: Path, engine: Engine, workers: int) -> None:
    cases = [(PROMPTS[i % len(PROMPTS)], 4 + (i % 5) * 5) for i in range(32)]
    expected = [local(engine, p, max_tokens=m) for p, m in cases]
    state = make_state(tmp_path, window_ms=20, workers=workers)
    assert state.pool.instances["default"].engine.inter_threads == workers  # one replica per worker
    with serve(state) as srv, httpx.Client(limits=httpx.Limits(max_connections=64)) as client:
        barrier = threading.Barrier(32)

        def one(i: int) -> str:
            barrier.wait()
            prompt, max_tokens = cases[i]
            r = complete(client, srv.url, prompt=prompt, max_tokens=max_tokens, temperature=0, user=str(i))
            assert r.status_code == 200, r.text
            return r.json()["choices"][0]["text"]

        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            got = list(pool.map(one, range(32)))
        metrics = client.get(f"{srv.url}/metrics").text
    assert got == expected
    # The requests really were batched: fewer batches than requests.
    batches = next(float(ln.split()[-1]) for ln in metrics.splitlines()
                   if ln.startswith("elixir_coder_batch_size_count"))
    assert batches < 32
    assert 'elixir_coder_requests_total{feature="completions",outcome="ok"} 32' in metrics


def test_api_keys_401_and_rate_limits_429(tmp_path: Path) -> None:
    keys = ApiKeys(frozenset({hash_key(KEY)}))
    settings = ServerSettings(rate_per_key=0.5, burst_per_key=3)
    with serve(make_state(tmp_path, keys=keys, settings=settings)) as srv, httpx.Client() as client:
        body = {"prompt": "def", "max_tokens": 2}
        assert client.post(f"{srv.url}/v1/completions", json=body).status_code == 401
        bad = client.post(f"{srv.url}/v1/completions", json=body, headers={"Authorization": "Bearer wrong-key-xxxxxxxx"})
        assert bad.status_code == 401 and bad.json()["error"]["type"] == "authentication_error"
        assert bad.headers["www-authenticate"] == "Bearer"
        assert client.get(f"{srv.url}/v1/models").status_code == 401
        assert client.get(f"{srv.url}/health").status_code == 200  # probes need no key
        auth = {"Authorization": f"Bearer {KEY}"}
        statuses = [client.post(f"{srv.url}/v1/completions", json=body, headers=auth) for _ in range(4)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        assert int(statuses[-1].headers["retry-after"]) >= 1
        assert 'elixir_coder_rejected_total{reason="auth"} 3' in client.get(f"{srv.url}/metrics").text


def test_rate_limit_per_ip(tmp_path: Path) -> None:
    with serve(make_state(tmp_path, settings=ServerSettings(rate_per_ip=1, burst_per_ip=2))) as srv:
        with httpx.Client() as client:
            codes = [complete(client, srv.url, prompt="x", max_tokens=1).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_token_bucket_refills() -> None:
    limiter = RateLimiter(rate=2, burst=1)
    assert limiter.check("a", now=100.0) == 0
    assert limiter.check("a", now=100.1) == 1
    assert limiter.check("b", now=100.1) == 0  # identities are independent
    assert limiter.check("a", now=100.6) == 0


def test_queue_full_answers_503_with_retry_after(tmp_path: Path) -> None:
    state = make_state(tmp_path, max_batch=1, max_queue=1, window_ms=0)
    inst = state.pool.instances["default"]
    with serve(state) as srv, httpx.Client() as client:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            with inst.paused():  # the worker blocks on the lease with one job taken
                first = pool.submit(complete, client, srv.url, prompt="def", max_tokens=2)
                time.sleep(0.4)  # the worker takes the first job and waits for the lease
                deadline = time.monotonic() + 5
                second = pool.submit(complete, client, srv.url, prompt="def", max_tokens=2)
                while inst.batcher.depth < 1 and time.monotonic() < deadline:
                    time.sleep(0.01)
                third = complete(client, srv.url, prompt="def", max_tokens=2)
            assert third.status_code == 503
            assert int(third.headers["retry-after"]) >= 1
            assert "queue full" in third.json()["error"]["message"]
            assert first.result().status_code == 200 and second.result().status_code == 200


def test_health_flips_to_503_when_model_unloaded(tmp_path: Path) -> None:
    state = make_state(tmp_path)
    inst = state.pool.instances["default"]
    with serve(state) as srv, httpx.Client() as client:
        ok = client.get(f"{srv.url}/health")
        assert ok.status_code == 200 and ok.json()["status"] == "ok"
        inst.unload("operator request")
        down = client.get(f"{srv.url}/health")
        assert down.status_code == 503
        assert down.json()["reasons"] == ["model 'default' not loaded: operator request"]
        r = complete(client, srv.url, prompt="def", max_tokens=2)
        assert r.status_code == 503 and "not loaded" in r.json()["error"]["message"]
        inst.load()
        assert client.get(f"{srv.url}/health").status_code == 200
        assert complete(client, srv.url, prompt="def", max_tokens=2).status_code == 200


def test_health_reports_memory_over_limit(tmp_path: Path) -> None:
    state = make_state(tmp_path, settings=ServerSettings(max_rss_mb=1))
    ok, reasons = state.health()
    state.pool.close(5)
    assert not ok and "resident memory" in reasons[0]


def test_bad_requests_are_clear_errors(tmp_path: Path) -> None:
    settings = ServerSettings(max_body_bytes=2000, max_tokens_limit=64)
    with serve(make_state(tmp_path, settings=settings)) as srv, httpx.Client() as client:
        url = f"{srv.url}/v1/completions"
        r = client.post(url, content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
        r = client.post(url, json={"prompt": "x", "max_tokens": 65})
        assert r.status_code == 400 and r.json()["error"]["param"] == "max_tokens"
        r = client.post(url, json={"prompt": "x", "model": "nope"})
        assert r.status_code == 404 and "available: default" in r.json()["error"]["message"]
        r = client.post(url, json={"prompt": "x" * 5000})
        assert r.status_code == 413
        assert client.get(url).status_code == 405


def test_parse_completion_request_validates_fields() -> None:
    s = ServerSettings()
    params = parse_completion_request({"prompt": ["a", "b"], "n": 2, "stop": "\n", "temperature": 0.5}, s)
    assert [r.prefix for r in params.requests] == ["a", "b"] and params.requests[0].stop == ("\n",)
    assert params.requests[0].num_hypotheses == 2
    for bad in ({"prompt": 3}, {"prompt": "a", "n": 0}, {"prompt": "a", "stop": ["1", "2", "3", "4", "5"]},
                {"prompt": "a", "temperature": "hot"}, {"prompt": "a", "echo": True}, [1, 2]):
        with pytest.raises(ApiError) as err:
            parse_completion_request(bad, s)
        assert err.value.status == 400


def test_named_instances_and_weighted_split(tmp_path: Path) -> None:
    # any shipped adapter directory serves as the second instance (a build ships only adapters that earn it)
    adapter_dir = next(DEFAULT / n for n in ("phoenix", "nerves", "exunit") if (DEFAULT / n).is_dir())
    state = make_state(tmp_path, models=(f"base={BASE}", f"phoenix={adapter_dir}"),
                       splits={"ab": {"base": 1.0, "phoenix": 1.0}})
    with serve(state) as srv, httpx.Client() as client:
        ids = [m["id"] for m in client.get(f"{srv.url}/v1/models").json()["data"]]
        assert ids == ["base", "phoenix", "ab"]
        assert complete(client, srv.url, prompt="def", max_tokens=2, model="phoenix").json()["model"] == "phoenix"
        assert complete(client, srv.url, prompt="def", max_tokens=2).json()["model"] == "base"
        # One caller always lands on the same arm.
        arms = {complete(client, srv.url, prompt="def", max_tokens=2, model="ab").json()["model"] for _ in range(3)}
        assert len(arms) == 1
    # Across callers both arms are used.
    routes = {state.pool.route("ab", f"ip:10.0.0.{i}").name for i in range(40)}
    assert routes == {"base", "phoenix"}


def test_two_workers_decode_two_batches_at_once() -> None:
    """With two workers (and two CTranslate2 replicas) a second batch runs while the first decodes."""
    eng = Engine(BASE, inter_threads=2)
    active, most = [0], [0]
    guard = threading.Lock()

    @contextlib.contextmanager
    def lease() -> Iterator[Engine]:
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
        try:
            yield eng
        finally:
            with guard:
                active[0] -= 1

    batcher = Batcher(lease, window_ms=0, max_batch_size=4, workers=2)
    try:
        jobs = [BatchJob(GenerationRequest(PROMPTS[i % len(PROMPTS)], max_tokens=48)) for i in range(24)]
        futures = [batcher.submit(job) for job in jobs]
        texts = [f.result(timeout=60)[0].text for f in futures]
    finally:
        batcher.close()
    assert most[0] == 2
    assert texts == [local(eng, job.req.prefix, max_tokens=48) for job in jobs]
    eng.close()


def test_swap_guard_waits_for_batches_and_holds_new_ones_back() -> None:
    guard = SwapGuard()
    events: list[str] = []
    finish_swap = threading.Event()

    def swap() -> None:
        with guard.exclusive():
            events.append("swapped")
            finish_swap.wait(5)

    def late_batch() -> None:
        with guard.shared():
            events.append("late batch")

    swapper = threading.Thread(target=swap)
    with guard.shared(), guard.shared():  # two batches at once
        swapper.start()
        time.sleep(0.1)
        assert events == []  # the swap waits for both
    time.sleep(0.1)
    assert events == ["swapped"]
    late = threading.Thread(target=late_batch)
    late.start()
    time.sleep(0.1)
    assert events == ["swapped"]  # a new batch waits for the swap
    finish_swap.set()
    swapper.join(5)
    late.join(5)
    assert events == ["swapped", "late batch"]


def test_hot_reload_follows_registry_promote(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "registry", shipped=DEFAULT)
    registry.register(BASE, version="v1")
    registry.register(next(DEFAULT / n for n in ("phoenix", "nerves", "exunit") if (DEFAULT / n).is_dir()),
                      version="v2", adapter="base")
    registry.promote("v1")
    state = make_state(tmp_path, models=("default=current",))
    inst = state.pool.instances["default"]
    with serve(state) as srv, httpx.Client() as client:
        assert inst.engine is not None and inst.engine.model_dir.parent.name == "v1"
        time.sleep(0.3)  # let the watcher start
        registry.promote("v2")
        deadline = time.monotonic() + 10
        while inst.engine is None or inst.engine.model_dir.parent.name != "v2":
            assert time.monotonic() < deadline, "model was not reloaded"
            time.sleep(0.05)
        assert complete(client, srv.url, prompt="def", max_tokens=2).status_code == 200


def test_graceful_shutdown_finishes_in_flight_requests(tmp_path: Path) -> None:
    state = make_state(tmp_path)
    inst = state.pool.instances["default"]
    srv = serve(state).start()
    client = httpx.Client()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        with inst.paused():  # keep the request in flight while shutdown begins
            pending = pool.submit(complete, client, srv.url, prompt=PROMPTS[0], max_tokens=8)
            time.sleep(0.3)
            stopper = threading.Thread(target=srv.stop)
            stopper.start()
            time.sleep(0.3)
        stopper.join(20)
        assert pending.result().status_code == 200
    client.close()
    assert state.closing and inst.engine is None


def test_cli_refuses_public_bind_without_keys(capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("ELIXIR_CODER_API_KEYS", raising=False)
    assert cli_main(["serve-model", "--host", "0.0.0.0", "--port", "1"]) == 128
    assert "without API keys" in capsys.readouterr().err


def test_cli_refuses_zero_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve-model", "--workers", "0", "--port", "1"]) == 128
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_cli_api_key_prints_digest(capsys: pytest.CaptureFixture[str], monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    assert cli_main(["api-key", "--stdin"]) == 0
    digest = capsys.readouterr().out.strip()
    assert digest == hash_key(KEY)
    keyfile = tmp_path / "keys"
    keyfile.write_text(f"# team keys\n{digest}\n")
    loaded = ApiKeys.load(keyfile, env={"ELIXIR_CODER_API_KEYS": "other-key-0123456789"})
    assert loaded.check(KEY) == digest and loaded.check("other-key-0123456789") and not loaded.check("nope")


def test_dockerfile_and_compose_are_valid() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = [ln.split() for ln in dockerfile.splitlines() if ln.upper().startswith("FROM ")]
    assert len(stages) >= 3 and all(len(s) == 4 and s[2].upper() == "AS" for s in stages)
    names = [s[3] for s in stages]
    assert names[-1] == "runtime" and "runtime-cuda" in names  # CPU image is the default target
    for copy in (ln for ln in dockerfile.splitlines() if ln.startswith("COPY --from=")):
        assert copy.split()[1].split("=")[1] in names
    users = [ln.split()[1] for ln in dockerfile.splitlines() if ln.startswith("USER ")]
    assert users and all(u not in ("root", "0") for u in users)
    assert "HEALTHCHECK" in dockerfile and "serve-model" in dockerfile and "EXPOSE 8000" in dockerfile
    instructions = {ln.split()[0] for ln in dockerfile.splitlines() if ln and not ln.startswith((" ", "#"))}
    assert instructions <= {"ARG", "FROM", "RUN", "COPY", "WORKDIR", "ENV", "USER", "EXPOSE", "HEALTHCHECK",
                            "ENTRYPOINT", "CMD", "LABEL"}
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "[serve]" in dockerfile and {"starlette", "uvicorn"} <= {d.split(">")[0].split("[")[0] for d in extras["serve"]}

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"server", "prometheus"} <= set(services)
    server = services["server"]
    assert server["build"]["target"] == "runtime"
    assert "--host" in server["command"] and "--api-keys" in server["command"]
    assert any(str(p).endswith(":8000") for p in server["ports"])
    prometheus = services["prometheus"]
    mounted = [v.split(":")[0] for v in prometheus["volumes"]]
    prom_file = ROOT / next(m for m in mounted if m.endswith(".yml"))
    scrape = yaml.safe_load(prom_file.read_text())["scrape_configs"][0]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["static_configs"][0]["targets"] == ["server:8000"]
