"""Metric exporters: Prometheus text to a file or a loopback `/metrics` endpoint, OTLP/HTTP JSON to a collector.

Every exporter works from a `Metrics` instance and runs in its own daemon thread, so the
language server's request path never waits on a disk, a scraper or a collector. The OTLP
exporter takes immutable snapshots through `submit()` (O(1): an append to a bounded queue),
sends them in batches through httpx with retries and backoff, and counts what it drops.
"""

from __future__ import annotations

import collections
import ipaddress
import json
import logging
import math
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from .metrics import Metrics, MetricsSnapshot, PointSnapshot, SeriesSnapshot

log = logging.getLogger(__name__)

SERVICE_NAME = "elixir-coder"
SCOPE_NAME = "elixir_coder.telemetry"
PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# OTLP's AggregationTemporality enum: our counters and histograms only ever grow from start_time.
AGGREGATION_TEMPORALITY_CUMULATIVE = 2
# Statuses the OTLP/HTTP specification calls retryable; any other 4xx/5xx drops the batch.
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})

ENV_METRICS_FILE = "ELIXIR_CODER_METRICS_FILE"
ENV_METRICS_PORT = "ELIXIR_CODER_METRICS_PORT"
ENV_OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
ENV_OTLP_METRICS_ENDPOINT = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
ENV_OTLP_HEADERS = "OTEL_EXPORTER_OTLP_HEADERS"


class ExportError(ValueError):
    """An exporter cannot be set up: a bad URL or address, a port in use, an unwritable file."""


def service_version() -> str:
    """The installed elixir-coder version (the OTLP `service.version` attribute)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("elixir-coder")
    except PackageNotFoundError:
        return "0+unknown"


class _Ticker:
    """Calls `fn` every `interval_s` seconds in a daemon thread until stopped; errors are logged, not raised."""

    def __init__(self, name: str, interval_s: float, fn: Callable[[], None]) -> None:
        if not interval_s > 0:
            raise ExportError(f"{name}: interval must be positive, got {interval_s!r}")
        self._fn = fn
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._fn()
            except Exception:  # a failing exporter must not kill its thread or the server
                log.warning("%s failed", self._thread.name, exc_info=True)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)


# --- Prometheus text: file -----------------------------------------------------------------------


def write_prometheus_file(metrics: Metrics, path: Path) -> None:
    """Write the exposition text to `path` atomically (temp file, fsync, `os.replace`).

    A scraper (node_exporter's textfile collector, a sidecar) never sees a half-written file; the
    temp name does not end in `.prom`, so the textfile collector ignores it.

    Args:
        metrics: the metric set to render.
        path: destination file; its folder is created when missing.
    """
    path = Path(path)
    text = metrics.render_prometheus()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"cannot write metrics file {path}: {exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a scraper running as another user must read it
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write metrics file {path}: {exc}") from exc


class PrometheusFileExporter:
    """Rewrites a Prometheus text file every `interval_s` seconds, and once more on `close()`.

    Args:
        metrics: the metric set to render.
        path: the `.prom` file to keep up to date.
        interval_s: seconds between rewrites.
    """

    def __init__(self, metrics: Metrics, path: Path, interval_s: float = 15.0) -> None:
        self.metrics = metrics
        self.path = Path(path)
        write_prometheus_file(metrics, self.path)  # fail early, in the caller, on an unwritable path
        self._ticker = _Ticker(
            "prometheus-file", interval_s, lambda: write_prometheus_file(metrics, self.path)
        )

    def close(self) -> None:
        """Stop the thread and write the final figures."""
        self._ticker.stop()
        try:
            write_prometheus_file(self.metrics, self.path)
        except ExportError as exc:
            log.warning("%s", exc)


# --- Prometheus text: HTTP endpoint --------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PrometheusHttpServer:
    """Serves `GET /metrics` on a loopback port from a daemon thread.

    Args:
        metrics: the metric set to render on each scrape.
        port: TCP port; 0 picks a free one (read it back from `.port`).
        host: a loopback address; the endpoint is for a local scraper or agent, never the network.
    """

    def __init__(self, metrics: Metrics, port: int = 0, host: str = "127.0.0.1") -> None:
        if not is_loopback(host):
            raise ExportError(f"metrics endpoint must listen on a loopback address, not {host!r}")
        if not 0 <= port <= 65535:
            raise ExportError(f"metrics port must be 0-65535, got {port}")
        self.metrics = metrics
        render = metrics.render_prometheus

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
                if self.path.split("?", 1)[0] != "/metrics":
                    self.send_error(404, "only /metrics is served here")
                    return
                try:
                    body = render().encode("utf-8")
                except Exception as exc:  # answer the scrape with an error instead of dropping it
                    log.warning("rendering metrics failed", exc_info=True)
                    self.send_error(500, f"rendering metrics failed: {exc}")
                    return
                self.send_response(200)
                self.send_header("Content-Type", PROMETHEUS_CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
                # stderr belongs to the LSP transport's logs; a scrape every few seconds is noise there.
                log.debug("metrics endpoint: " + format, *args)

        try:
            self._server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            raise ExportError(f"cannot listen for metrics on {host}:{port}: {exc}") from exc
        self._server.daemon_threads = True
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="prometheus-http", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The scrape URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5.0)


# --- OTLP/HTTP JSON ------------------------------------------------------------------------------


def _nanos(t: float) -> str:
    # 64-bit integers are decimal strings in the protobuf JSON mapping that OTLP/JSON uses.
    return str(int(t * 1e9))


def _attributes(items: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": str(v)}} for k, v in items]


def _unit(name: str) -> str:
    if name.endswith("_ms"):
        return "ms"
    if name.endswith("_bytes"):
        return "By"
    return "1"


def _number_point(point: PointSnapshot, snap: MetricsSnapshot, cumulative: bool) -> dict[str, Any]:
    dp: dict[str, Any] = {"attributes": _attributes(point.labels), "timeUnixNano": _nanos(snap.time)}
    if cumulative:
        dp["startTimeUnixNano"] = _nanos(snap.start_time)
    if float(point.value).is_integer():
        dp["asInt"] = str(int(point.value))
    else:
        dp["asDouble"] = point.value
    return dp


def _histogram_point(point: PointSnapshot, bounds: Sequence[float], snap: MetricsSnapshot) -> dict[str, Any]:
    return {
        "attributes": _attributes(point.labels),
        "startTimeUnixNano": _nanos(snap.start_time),
        "timeUnixNano": _nanos(snap.time),
        "count": str(point.count),
        "sum": point.sum,
        "bucketCounts": [str(c) for c in point.bucket_counts],
        "explicitBounds": [float(b) for b in bounds],
    }


def otlp_payload(
    snapshots: Sequence[MetricsSnapshot],
    version: str | None = None,
    resource_attributes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An OTLP `ExportMetricsServiceRequest` in JSON form for one or more snapshots.

    Counters become monotonic cumulative sums, gauges gauges, histograms cumulative histograms
    with explicit bounds; several snapshots of one metric become several data points of it.

    Args:
        snapshots: copies taken by `Metrics.snapshot()`, oldest first.
        version: the `service.version` resource attribute (default: the installed version).
        resource_attributes: extra resource attributes (host, deployment), string-valued.
    """
    metrics: dict[str, dict[str, Any]] = {}
    for snap in snapshots:
        for series in snap.series:
            if not series.points:
                continue
            metric = metrics.get(series.name)
            if metric is None:
                metric = {"name": series.name, "description": series.help, "unit": _unit(series.name)}
                if series.kind == "counter":
                    metric["sum"] = {
                        "aggregationTemporality": AGGREGATION_TEMPORALITY_CUMULATIVE,
                        "isMonotonic": True,
                        "dataPoints": [],
                    }
                elif series.kind == "histogram":
                    metric["histogram"] = {
                        "aggregationTemporality": AGGREGATION_TEMPORALITY_CUMULATIVE,
                        "dataPoints": [],
                    }
                else:
                    metric["gauge"] = {"dataPoints": []}
                metrics[series.name] = metric
            points = _series_points(series, snap)
            for data in ("sum", "histogram", "gauge"):
                if data in metric:
                    metric[data]["dataPoints"].extend(points)
    resource = {"service.name": SERVICE_NAME, "service.version": version or service_version()}
    resource.update(resource_attributes or {})
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": _attributes(resource.items())},
                "scopeMetrics": [
                    {
                        "scope": {"name": SCOPE_NAME, "version": resource["service.version"]},
                        "metrics": list(metrics.values()),
                    }
                ],
            }
        ]
    }


def _series_points(series: SeriesSnapshot, snap: MetricsSnapshot) -> list[dict[str, Any]]:
    if series.kind == "histogram":
        return [_histogram_point(p, series.bounds, snap) for p in series.points]
    return [_number_point(p, snap, cumulative=series.kind == "counter") for p in series.points]


def metrics_url(endpoint: str) -> str:
    """The `/v1/metrics` URL for an OTLP/HTTP endpoint: a bare base URL gets the path appended.

    Raises:
        ExportError: not an http(s) URL with a host.
    """
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"OTLP endpoint must be an http:// or https:// URL, got {endpoint!r}")
    path = parts.path if parts.path not in ("", "/") else "/v1/metrics"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


@dataclass
class ExporterStats:
    """What the OTLP exporter has done so far (snapshots, not requests, unless named so)."""

    sent: int = 0
    batches: int = 0
    retries: int = 0
    dropped: collections.Counter[str] = field(default_factory=collections.Counter)


class OtlpExporter:
    """Sends metric snapshots to an OTLP/HTTP collector as JSON, off the caller's thread.

    `submit()` appends to a bounded queue and returns at once; when the queue is full the oldest
    snapshot is dropped (counters are cumulative, so a newer snapshot carries everything an older
    one did) and the drop is counted. A daemon thread sends a batch when `max_batch` snapshots
    wait or every `flush_interval_s`, retrying connection errors, timeouts and 429/502/503/504
    with exponential backoff; other HTTP errors drop the batch. `close()` flushes within a deadline.

    Args:
        endpoint: collector URL; a bare `http://host:4318` gets `/v1/metrics` appended.
        version: the `service.version` resource attribute (default: the installed version).
        headers: extra request headers (an API key for a hosted collector).
        max_queue: snapshots kept waiting at most.
        max_batch: snapshots per request.
        flush_interval_s: longest a submitted snapshot waits before a send is attempted.
        timeout_s: per-request timeout (connect, read, write).
        max_retries: attempts after the first for a retryable failure.
        backoff_s: first retry delay; doubles each retry, with jitter, capped at `max_backoff_s`.
        max_backoff_s: cap on one retry delay (and on a server's Retry-After).
        metrics: where to count drops (`elixir_coder_export_dropped_total`) and queue length.
        resource_attributes: extra resource attributes.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        version: str | None = None,
        headers: Mapping[str, str] | None = None,
        max_queue: int = 64,
        max_batch: int = 8,
        flush_interval_s: float = 10.0,
        timeout_s: float = 5.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        metrics: Metrics | None = None,
        resource_attributes: Mapping[str, str] | None = None,
    ) -> None:
        self.url = metrics_url(endpoint)
        for name, value in (("max_queue", max_queue), ("max_batch", max_batch)):
            if not isinstance(value, int) or value < 1:
                raise ExportError(f"{name} must be a positive integer, got {value!r}")
        for name, fvalue in (("flush_interval_s", flush_interval_s), ("timeout_s", timeout_s)):
            if not fvalue > 0:
                raise ExportError(f"{name} must be positive, got {fvalue!r}")
        if max_retries < 0 or backoff_s < 0 or max_backoff_s < 0:
            raise ExportError("max_retries, backoff_s and max_backoff_s must not be negative")
        self.version = version or service_version()
        self.max_queue = max_queue
        self.max_batch = max_batch
        self.flush_interval_s = flush_interval_s
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.metrics = metrics
        self.resource_attributes = dict(resource_attributes or {})
        self.stats = ExporterStats()

        self._queue: collections.deque[MetricsSnapshot] = collections.deque()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._abort = threading.Event()
        self._deadline = math.inf
        self._failing = False
        self._ticker: _Ticker | None = None
        self._watched: Metrics | None = None
        self._client = httpx.Client(
            headers={"Content-Type": "application/json", **dict(headers or {})}, timeout=timeout_s
        )
        self._thread = threading.Thread(target=self._run, name="otlp-exporter", daemon=True)
        self._thread.start()

    # --- the caller's side (the editor's thread): never waits on the network ----------------------

    def submit(self, snapshot: MetricsSnapshot) -> bool:
        """Queue one snapshot for sending; O(1), never blocks on the collector.

        Returns False when something was dropped to make room, or when the exporter is closed.
        """
        if self._closing.is_set():
            self._drop("shutdown", 1)
            return False
        with self._lock:
            full = len(self._queue) >= self.max_queue
            if full:
                self._queue.popleft()
                self.stats.dropped["queue_full"] += 1
            self._queue.append(snapshot)
            waiting = len(self._queue)
        if waiting >= self.max_batch:
            self._wake.set()
        if full and self.metrics is not None:
            self.metrics.count_export_drop("queue_full")
        return not full

    def watch(self, metrics: Metrics, interval_s: float = 30.0) -> None:
        """Submit `metrics.snapshot()` every `interval_s` seconds from a daemon thread (and once on close)."""
        if self._ticker is not None:
            raise ExportError("this exporter already watches a metric set")
        self._watched = metrics

        def tick() -> None:
            self.submit(metrics.snapshot())

        self._ticker = _Ticker("otlp-snapshots", interval_s, tick)

    @property
    def queued(self) -> int:
        """Snapshots waiting to be sent."""
        return len(self._queue)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Send everything queued now; wait up to `timeout_s` for it. Returns True when the queue drained."""
        self._wake.set()
        with self._idle:
            return self._idle.wait_for(lambda: not self._queue and not self._in_flight, timeout_s)

    def close(self, timeout_s: float = 5.0) -> None:
        """Flush what is queued, then stop; gives up after `timeout_s` and counts the rest as dropped."""
        ticker, self._ticker = self._ticker, None
        if ticker is not None and self._watched is not None:
            ticker.stop(timeout_s)
            self.submit(self._watched.snapshot())  # the final figures
        if self._closing.is_set():
            return
        self._deadline = time.monotonic() + timeout_s
        self._closing.set()
        self._wake.set()
        self._thread.join(max(0.0, self._deadline - time.monotonic()))
        if self._thread.is_alive():
            # The collector hangs: stop retrying; an in-flight request ends at its own timeout.
            self._abort.set()
        with self._lock:
            left = len(self._queue)
            self._queue.clear()
        if left:
            self._drop("shutdown", left)

    # --- the worker thread ------------------------------------------------------------------------

    def _drop(self, reason: str, n: int) -> None:
        with self._lock:
            self.stats.dropped[reason] += n
        if self.metrics is not None:
            self.metrics.count_export_drop(reason, n)
        log.debug("OTLP exporter dropped %d snapshot(s): %s", n, reason)

    def _take(self) -> list[MetricsSnapshot]:
        with self._lock:
            n = min(self.max_batch, len(self._queue))
            batch = [self._queue.popleft() for _ in range(n)]
            self._in_flight = n
            return batch

    def _done(self) -> None:
        with self._idle:
            self._in_flight = 0
            self._idle.notify_all()

    def _run(self) -> None:
        try:
            while not self._abort.is_set():
                closing = self._closing.is_set()
                if not closing:
                    self._wake.wait(self.flush_interval_s)
                    self._wake.clear()
                while not self._abort.is_set():
                    batch = self._take()
                    if not batch:
                        break
                    try:
                        self._send(batch)
                    finally:
                        self._done()
                if self.metrics is not None:
                    self.metrics.set_queue_length("otlp_export", len(self._queue))
                self._done()
                if closing:
                    return
        finally:
            self._client.close()

    def _send(self, batch: list[MetricsSnapshot]) -> None:
        try:
            body = json.dumps(otlp_payload(batch, self.version, self.resource_attributes)).encode("utf-8")
        except (TypeError, ValueError):
            log.warning("cannot encode metric snapshots for OTLP", exc_info=True)
            self._drop("rejected", len(batch))
            return
        error = ""
        for attempt in range(self.max_retries + 1):
            timeout = self.timeout_s
            if self._closing.is_set():
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    self._drop("shutdown", len(batch))
                    return
                timeout = min(timeout, remaining)
            retry_after: float | None = None
            try:
                response = self._client.post(self.url, content=body, timeout=timeout)
            except httpx.HTTPError as exc:  # refused, reset, timed out: worth another try
                error = f"{type(exc).__name__}: {exc}"
            else:
                if 200 <= response.status_code < 300:
                    with self._lock:
                        self.stats.sent += len(batch)
                        self.stats.batches += 1
                    if self._failing:
                        self._failing = False
                        log.info("OTLP export to %s works again", self.url)
                    return
                error = f"HTTP {response.status_code}"
                if response.status_code not in RETRYABLE_STATUS:
                    log.warning("OTLP collector %s rejected %d snapshot(s): %s", self.url, len(batch), error)
                    self._drop("rejected", len(batch))
                    return
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt == self.max_retries:
                break
            delay = min(self.max_backoff_s, self.backoff_s * 2**attempt) * random.uniform(0.5, 1.0)
            if retry_after is not None:
                delay = min(self.max_backoff_s, retry_after)
            if self._closing.is_set() and time.monotonic() + delay > self._deadline:
                break
            with self._lock:
                self.stats.retries += 1
            if self._abort.wait(delay):
                break
        # Warn once per outage, not once per batch: a collector that is down stays down for a while.
        level = logging.DEBUG if self._failing else logging.WARNING
        self._failing = True
        log.log(level, "OTLP export to %s failed; dropped %d snapshot(s): %s", self.url, len(batch), error)
        self._drop("send_failed", len(batch))


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: fall back to our own backoff
        return None


# --- settings and wiring -------------------------------------------------------------------------


def parse_headers(text: str) -> dict[str, str]:
    """`OTEL_EXPORTER_OTLP_HEADERS`-style `key=value,key2=value2` into a dict.

    Raises:
        ExportError: an item without `=` or with an empty key.
    """
    from urllib.parse import unquote

    headers: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ExportError(f"bad OTLP header {item!r}: expected key=value")
        headers[key.strip()] = unquote(value.strip())
    return headers


@dataclass(frozen=True)
class ExportSettings:
    """Which exporters run; everything off by default (metrics stay in process).

    Args:
        prometheus_file: rewrite this Prometheus text file periodically.
        prometheus_file_interval_s: seconds between rewrites.
        prometheus_port: serve `/metrics` on this loopback port (0: any free port).
        otlp_endpoint: send OTLP/HTTP JSON to this collector.
        otlp_headers: extra headers for the collector.
        otlp_interval_s: seconds between snapshots sent to the collector.
        otlp_timeout_s: per-request timeout.
        otlp_max_queue: snapshots kept waiting at most.
        otlp_max_batch: snapshots per request.
    """

    prometheus_file: Path | None = None
    prometheus_file_interval_s: float = 15.0
    prometheus_port: int | None = None
    otlp_endpoint: str | None = None
    otlp_headers: Mapping[str, str] = field(default_factory=dict)
    otlp_interval_s: float = 30.0
    otlp_timeout_s: float = 5.0
    otlp_max_queue: int = 64
    otlp_max_batch: int = 8

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ExportSettings:
        """Settings from `ELIXIR_CODER_METRICS_FILE`, `ELIXIR_CODER_METRICS_PORT` and the standard
        `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_HEADERS`.

        Raises:
            ExportError: a port that is not a number.
        """
        env = os.environ if environ is None else environ
        port_text = env.get(ENV_METRICS_PORT, "").strip()
        try:
            port = int(port_text) if port_text else None
        except ValueError:
            raise ExportError(f"{ENV_METRICS_PORT} must be a port number, got {port_text!r}") from None
        file_text = env.get(ENV_METRICS_FILE, "").strip()
        endpoint = env.get(ENV_OTLP_METRICS_ENDPOINT, "").strip() or env.get(ENV_OTLP_ENDPOINT, "").strip()
        return cls(
            prometheus_file=Path(file_text).expanduser() if file_text else None,
            prometheus_port=port,
            otlp_endpoint=endpoint or None,
            otlp_headers=parse_headers(env.get(ENV_OTLP_HEADERS, "")),
        )


class Exporters:
    """The exporters `ExportSettings` asked for, started together and closed together."""

    def __init__(self, metrics: Metrics, settings: ExportSettings) -> None:
        self.file: PrometheusFileExporter | None = None
        self.http: PrometheusHttpServer | None = None
        self.otlp: OtlpExporter | None = None
        try:
            if settings.prometheus_file is not None:
                self.file = PrometheusFileExporter(
                    metrics, settings.prometheus_file, settings.prometheus_file_interval_s
                )
            if settings.prometheus_port is not None:
                self.http = PrometheusHttpServer(metrics, settings.prometheus_port)
            if settings.otlp_endpoint:
                self.otlp = OtlpExporter(
                    settings.otlp_endpoint,
                    headers=settings.otlp_headers,
                    timeout_s=settings.otlp_timeout_s,
                    max_queue=settings.otlp_max_queue,
                    max_batch=settings.otlp_max_batch,
                    flush_interval_s=settings.otlp_interval_s,
                    metrics=metrics,
                )
                self.otlp.watch(metrics, settings.otlp_interval_s)
        except Exception:
            self.close(timeout_s=0.5)
            raise

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop every exporter; the OTLP one flushes within `timeout_s`."""
        if self.otlp is not None:
            self.otlp.close(timeout_s)
        if self.http is not None:
            self.http.close()
        if self.file is not None:
            self.file.close()
