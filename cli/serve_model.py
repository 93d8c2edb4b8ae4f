"""`elixir-coder serve-model` (the shared inference server) and `elixir-coder api-key` (make a key and its digest).

Imports of Starlette and uvicorn wait until the command runs, so the rest of the CLI works in
an install without the `serve` extra.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from elixir_coder.telemetry.export import is_loopback

from .main import CliError

log = logging.getLogger(__name__)


class _JsonFormatter(logging.Formatter):
    """One JSON object per line; access-log messages are already JSON and are merged in."""

    def format(self, record: logging.LogRecord) -> str:
        base = {"ts": round(record.created, 3), "level": record.levelname.lower(), "logger": record.name}
        msg = record.getMessage()
        try:
            parsed = json.loads(msg) if msg.startswith("{") else None
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            base.update(parsed)
        else:
            base["message"] = msg
        if record.exc_info:
            base["exception"] = self.formatException(record.exc_info)
        return json.dumps(base)


def default_workers(device: str) -> int:
    """Batches decoded at once by default: one per core on a CPU (up to 4), one on a GPU.

    A small int8 model decodes fastest on one thread, so extra cores serve best as extra
    replicas; past a few, the HTTP side (one event loop) is the limit.
    """
    return 1 if device == "cuda" else max(1, min(4, os.cpu_count() or 1))


def build_server(args: argparse.Namespace):  # noqa: ANN201 - (ServerState, Starlette); Starlette is optional
    """Load the models and build the app from parsed arguments (separate from `_cmd_serve` for tests)."""
    from elixir_coder.model.registry import Registry
    from elixir_coder.serving.app import ServerSettings, ServerState, create_app
    from elixir_coder.serving.auth import ApiKeyError, ApiKeys
    from elixir_coder.serving.batching import Batcher
    from elixir_coder.serving.instances import InstanceSpec, ModelInstance, ModelPool, parse_split

    try:
        keys = ApiKeys.load(Path(args.api_keys) if args.api_keys else None)
    except ApiKeyError as exc:
        raise CliError(str(exc)) from None
    if not keys.enabled and not is_loopback(args.host):
        raise CliError(
            f"refusing to listen on {args.host} without API keys: pass --api-keys FILE or set "
            "ELIXIR_CODER_API_KEYS, or bind to 127.0.0.1"
        )
    try:
        specs = [InstanceSpec.parse(m) for m in (args.model or ["current"])]
        splits = dict(parse_split(s) for s in (args.split or []))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    registry = Registry(Path(args.registry) if args.registry else None)

    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers must be at least 1, not {args.workers}")
    workers = args.workers or default_workers(args.device)

    def batcher(lease, name: str) -> Batcher:  # noqa: ANN001 - the lease's type lives in batching
        window = 0.0 if args.no_batching else args.batch_window_ms
        size = 1 if args.no_batching else args.max_batch_size
        return Batcher(lease, window_ms=window, max_batch_size=size, max_queue=args.max_queue, name=name,
                       workers=workers)

    instances = [ModelInstance(s, registry, args.device, args.compute_type, batcher) for s in specs]
    try:
        pool = ModelPool(instances, splits, registry)
    except ValueError as exc:
        for inst in instances:
            inst.close(1)
        raise CliError(str(exc)) from None
    errors = pool.load_all()
    if len(errors) == len(instances) and args.require_model:
        pool.close(1)
        raise CliError("no model could be loaded: " + "; ".join(errors))
    settings = ServerSettings(
        max_body_bytes=args.max_body_bytes, max_tokens_limit=args.max_tokens_limit, max_n=args.max_n,
        rate_per_key=args.rate_per_key, rate_per_ip=args.rate_per_ip,
        burst_per_key=args.burst, burst_per_ip=args.burst, max_rss_mb=args.max_rss_mb,
    )
    state = ServerState(pool, settings, keys)
    return state, create_app(state)


def _cmd_serve_model(args: argparse.Namespace) -> int:
    try:
        import starlette  # noqa: F401 - checked here so a missing extra is one clear line
        import uvicorn
    except ImportError:
        raise CliError("serve-model needs the serve extra: pip install 'elixir-coder[serve]'") from None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    for name in ("elixir_coder", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(logging.INFO)
        lg.propagate = False
    state, app = build_server(args)
    names = ", ".join(state.pool.names())
    log.info(json.dumps({"event": "start", "host": args.host, "port": args.port, "models": names,
                         "auth": state.keys.enabled}))
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_config=None, access_log=False,
        timeout_graceful_shutdown=int(args.graceful_timeout), limit_concurrency=args.max_connections,
    )
    try:
        uvicorn.Server(config).run()
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc}") from None
    return 0


def _cmd_api_key(args: argparse.Namespace) -> int:
    from elixir_coder.serving.auth import hash_key, new_key

    key = sys.stdin.readline().strip() if args.stdin else new_key()
    if args.stdin and not key:
        raise CliError("no key on standard input")
    if not args.stdin:
        print(f"key (give to the client, not stored): {key}", file=sys.stderr)
    print(hash_key(key))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `serve-model` and `api-key` to the CLI."""
    p = subparsers.add_parser("serve-model", help="run the shared OpenAI-compatible inference server")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (non-loopback needs API keys)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    p.add_argument(
        "--model", action="append", metavar="NAME=SOURCE",
        help="a model instance; SOURCE is current, registry:VERSION[/ADAPTER] or a model directory "
        "(repeatable; default: default=current, which hot-reloads on promote)",
    )
    p.add_argument("--split", action="append", metavar="NAME=A:W,B:W", help="weighted A/B route over instances")
    p.add_argument("--registry", help="model registry root (default: $ELIXIR_CODER_HOME/models)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="CTranslate2 device")
    p.add_argument("--compute-type", help="CTranslate2 compute type (default int8 on CPU, int8_float16 on CUDA)")
    p.add_argument("--batch-window-ms", type=float, default=2.0, help="wait this long to fill a batch (default 2)")
    p.add_argument("--max-batch-size", type=int, default=16, help="requests per batch at most (default 16)")
    p.add_argument("--no-batching", action="store_true", help="run requests one at a time (per worker)")
    p.add_argument("--workers", type=int, default=None,
                   help="batches decoded at once, each on its own CTranslate2 replica "
                        "(default: one per CPU core up to 4; 1 on CUDA)")
    p.add_argument("--max-queue", type=int, default=256, help="waiting requests per model before 503 (default 256)")
    p.add_argument("--api-keys", metavar="FILE", help="file of API key digests (see `elixir-coder api-key`)")
    p.add_argument("--rate-per-key", type=float, default=0.0, help="requests/s per API key (0: unlimited)")
    p.add_argument("--rate-per-ip", type=float, default=0.0, help="requests/s per client address (0: unlimited)")
    p.add_argument("--burst", type=float, default=None, help="token bucket size for the rate limits")
    p.add_argument("--max-body-bytes", type=int, default=1_000_000, help="largest request body (default 1 MB)")
    p.add_argument("--max-tokens-limit", type=int, default=512, help="largest max_tokens a request may ask")
    p.add_argument("--max-n", type=int, default=8, help="largest n a request may ask")
    p.add_argument("--max-rss-mb", type=float, default=0.0, help="/health degrades above this memory (0: off)")
    p.add_argument("--max-connections", type=int, default=None, help="concurrent connections before 503")
    p.add_argument("--graceful-timeout", type=float, default=30.0, help="seconds to finish requests on shutdown")
    p.add_argument(
        "--require-model", action="store_true", help="exit instead of serving 503 when no model loads"
    )
    p.set_defaults(func=_cmd_serve_model)

    k = subparsers.add_parser("api-key", help="make an API key and print its digest for --api-keys files")
    k.add_argument("--stdin", action="store_true", help="hash a key read from standard input instead")
    k.set_defaults(func=_cmd_api_key)
