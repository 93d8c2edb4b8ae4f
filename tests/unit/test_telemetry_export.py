"""Metric exporters against real loopback HTTP servers: OTLP payloads, batching, drops, non-blocking submit,
the Prometheus text file and the /metrics endpoint."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from elixir_coder.telemetry.export import (
    ExportError,
    Exporters,
    ExportSettings,
    OtlpExporter,
    PrometheusFileExporter,
    PrometheusHttpServer,
    metrics_url,
    parse_headers,
    write_prometheus_file,
)
from elixir_coder.telemetry.metrics import DEFAULT_BUCKETS_MS, Metrics


class Collector:
    """A real OTLP/HTTP receiver on loopback that records every POST.

    `statuses` are answered in turn (then 200); while `hang` is set, handlers block until `release`.
    """

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.hang = threading.Event()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if collector.hang.is_set():
                    collector.entered.set()
                    collector.release.wait(30)
                with collector.lock:
                    status = collector.statuses.pop(0) if collector.statuses else 200
                    collector.posts.append(
                        {"path": self.path, "headers": dict(self.headers), "body": json.loads(body), "status": status}
                    )
                payload = b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ok_posts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if p["status"] == 200]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.close()


def _metrics() -> Metrics:
    m = Metrics()
    m.observe_request("completion", 3.0)
    m.observe_request("completion", 40.0, ok=False)
    m.observe_request("hover", 0.7)
    m.observe_model_load(120.0, model="v3")
    m.cache_lookup("prompt", hit=True)
    m.completion_shown("v3", "phoenix")
    m.completion_accepted("v3", "phoenix")
    return m


def _metric(payload: dict[str, Any], name: str) -> dict[str, Any]:
    (metric,) = [m for m in payload["resourceMetrics"][0]["scopeMetrics"][0]["metrics"] if m["name"] == name]
    return metric


def _attrs(items: list[dict[str, Any]]) -> dict[str, str]:
    return {a["key"]: a["value"]["stringValue"] for a in items}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- OTLP ----------------------------------------------------------------------------------------


def test_otlp_payload_shape(collector: Collector) -> None:
    m = _metrics()
    exporter = OtlpExporter(collector.url, version="9.9.9", max_batch=1, metrics=m)
    exporter.submit(m.snapshot())
    assert exporter.flush(10)
    exporter.close()

    (post,) = collector.ok_posts()
    assert post["path"] == "/v1/metrics"
    assert post["headers"]["Content-Type"] == "application/json"
    body = post["body"]
    resource = _attrs(body["resourceMetrics"][0]["resource"]["attributes"])
    assert resource == {"service.name": "elixir-coder", "service.version": "9.9.9"}
    assert body["resourceMetrics"][0]["scopeMetrics"][0]["scope"]["name"] == "elixir_coder.telemetry"

    requests = _metric(body, "elixir_coder_requests_total")
    assert requests["sum"]["isMonotonic"] is True
    assert requests["sum"]["aggregationTemporality"] == 2
    points = {tuple(sorted(_attrs(p["attributes"]).items())): p for p in requests["sum"]["dataPoints"]}
    ok = points[(("feature", "completion"), ("outcome", "ok"))]
    assert ok["asInt"] == "1"
    assert int(ok["startTimeUnixNano"]) <= int(ok["timeUnixNano"])
    assert abs(int(ok["timeUnixNano"]) / 1e9 - time.time()) < 60

    latency = _metric(body, "elixir_coder_request_latency_ms")
    assert latency["unit"] == "ms" and latency["histogram"]["aggregationTemporality"] == 2
    (comp,) = [p for p in latency["histogram"]["dataPoints"] if _attrs(p["attributes"]) == {"feature": "completion"}]
    assert comp["explicitBounds"] == [float(b) for b in DEFAULT_BUCKETS_MS]
    assert len(comp["bucketCounts"]) == len(DEFAULT_BUCKETS_MS) + 1
    assert comp["count"] == "2" and comp["sum"] == 43.0
    # 3 ms falls in (2.5, 5], 40 ms in (25, 50]: bucket counts are per bucket, not cumulative.
    counts = [int(c) for c in comp["bucketCounts"]]
    assert counts[DEFAULT_BUCKETS_MS.index(5)] == 1 and counts[DEFAULT_BUCKETS_MS.index(50)] == 1
    assert sum(counts) == 2

    rss = _metric(body, "elixir_coder_resident_memory_bytes")
    assert rss["unit"] == "By"
    assert int(rss["gauge"]["dataPoints"][0]["asInt"]) > 1_000_000
    assert "startTimeUnixNano" not in rss["gauge"]["dataPoints"][0]
    assert _metric(body, "elixir_coder_model_load_ms")["histogram"]["dataPoints"][0]["count"] == "1"
    accepted = _metric(body, "elixir_coder_completions_total")["sum"]["dataPoints"]
    assert {"model_version": "v3", "adapter": "phoenix", "outcome": "accepted"} in [
        _attrs(p["attributes"]) for p in accepted
    ]
    assert exporter.stats.sent == 1 and exporter.stats.batches == 1 and not exporter.stats.dropped


def test_snapshots_are_batched(collector: Collector) -> None:
    m = _metrics()
    # A long interval: only a full batch (or close) triggers a send.
    exporter = OtlpExporter(collector.url, max_batch=5, flush_interval_s=60, max_queue=100)
    for i in range(12):
        m.observe_request("completion", float(i))
        exporter.submit(m.snapshot())
    exporter.close(timeout_s=10)

    posts = collector.ok_posts()
    assert sum(len(_metric(p["body"], "elixir_coder_requests_total")["sum"]["dataPoints"]) for p in posts) == 12 * 3
    per_post = [len(_metric(p["body"], "elixir_coder_request_latency_ms")["histogram"]["dataPoints"]) for p in posts]
    # three request series and two latency series (completion, hover) per snapshot, in batches of at most 5
    assert sum(per_post) == 24 and max(per_post) == 10 and len(posts) >= 3
    assert exporter.stats.sent == 12 and not exporter.stats.dropped
    # The last snapshot's count reached the collector.
    last = _metric(posts[-1]["body"], "elixir_coder_request_latency_ms")["histogram"]["dataPoints"]
    assert max(int(p["count"]) for p in last) == 2 + 12


def test_retryable_status_is_retried(collector: Collector) -> None:
    collector.statuses = [503, 429]
    exporter = OtlpExporter(collector.url, max_batch=1, backoff_s=0.01, max_retries=3)
    exporter.submit(_metrics().snapshot())
    assert exporter.flush(10)
    exporter.close()
    assert [p["status"] for p in collector.posts] == [503, 429, 200]
    assert exporter.stats.sent == 1 and exporter.stats.retries == 2 and not exporter.stats.dropped


def test_client_error_drops_batch_without_retry(collector: Collector) -> None:
    collector.statuses = [400]
    m = Metrics()
    exporter = OtlpExporter(collector.url, max_batch=1, backoff_s=0.01, metrics=m)
    exporter.submit(_metrics().snapshot())
    assert exporter.flush(10)
    exporter.close()
    assert len(collector.posts) == 1
    assert exporter.stats.dropped == {"rejected": 1}
    assert 'elixir_coder_export_dropped_total{reason="rejected"} 1' in m.render_prometheus()


def test_collector_down_drops_are_counted() -> None:
    m = Metrics()
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    exporter = OtlpExporter(url, max_batch=2, max_queue=4, backoff_s=0.01, max_retries=2, metrics=m)
    results = [exporter.submit(m.snapshot()) for _ in range(6)]
    exporter.close(timeout_s=10)
    dropped = exporter.stats.dropped
    # Every snapshot is accounted for: sent nowhere, dropped for a full queue or a failed send.
    assert exporter.stats.sent == 0
    assert sum(dropped.values()) == 6 and dropped["send_failed"] >= 2
    assert results.count(False) == dropped["queue_full"]
    text = m.render_prometheus()
    assert f'elixir_coder_export_dropped_total{{reason="send_failed"}} {dropped["send_failed"]}' in text


def test_submit_never_blocks_while_collector_hangs(collector: Collector) -> None:
    collector.hang.set()
    m = Metrics()
    exporter = OtlpExporter(collector.url, max_batch=1, max_queue=10, timeout_s=30, metrics=m)
    snap = _metrics().snapshot()
    exporter.submit(snap)
    assert collector.entered.wait(10), "the exporter never reached the collector"
    # The worker is now stuck inside a request the collector will not answer until released.
    for _ in range(1000):
        exporter.submit(snap)
    assert not collector.release.is_set() and collector.posts == []
    assert exporter.queued == 10
    assert exporter.stats.dropped["queue_full"] == 1000 - 10
    collector.release.set()
    exporter.close(timeout_s=10)
    assert exporter.stats.sent == 1 + 10


def test_close_gives_up_at_its_deadline_when_collector_hangs(collector: Collector) -> None:
    collector.hang.set()
    exporter = OtlpExporter(collector.url, max_batch=1, timeout_s=30)
    snap = _metrics().snapshot()
    exporter.submit(snap)
    assert collector.entered.wait(10)
    for _ in range(3):
        exporter.submit(snap)
    started = time.monotonic()
    exporter.close(timeout_s=0.3)
    assert time.monotonic() - started < 5
    assert exporter.stats.dropped["shutdown"] == 3
    assert exporter.submit(snap) is False and exporter.stats.dropped["shutdown"] == 4


def test_watch_sends_periodic_snapshots(collector: Collector) -> None:
    m = _metrics()
    exporter = OtlpExporter(collector.url, max_batch=1, flush_interval_s=0.05)
    exporter.watch(m, interval_s=0.05)
    deadline = time.monotonic() + 10
    while len(collector.ok_posts()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    exporter.close(timeout_s=10)
    assert len(collector.ok_posts()) >= 3  # at least two ticks and the final snapshot on close


def test_bad_settings_raise_clear_errors() -> None:
    with pytest.raises(ExportError, match="http"):
        OtlpExporter("ftp://collector:4318")
    with pytest.raises(ExportError, match="max_queue"):
        OtlpExporter("http://127.0.0.1:4318", max_queue=0)
    with pytest.raises(ExportError, match="loopback"):
        PrometheusHttpServer(Metrics(), host="0.0.0.0")
    with pytest.raises(ExportError, match="key=value"):
        parse_headers("api-key")
    with pytest.raises(ExportError, match="ELIXIR_CODER_METRICS_PORT"):
        ExportSettings.from_env({"ELIXIR_CODER_METRICS_PORT": "ninety"})
    assert metrics_url("http://otel:4318") == "http://otel:4318/v1/metrics"
    assert metrics_url("https://otel.example/custom/path") == "https://otel.example/custom/path"
    assert parse_headers("api-key=a%20b, x=1") == {"api-key": "a b", "x": "1"}


# --- Prometheus text -----------------------------------------------------------------------------

_SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? [-+0-9.eEInfa]+$')


def _parse_exposition(text: str) -> dict[str, float]:
    """A strict reading of the text format: every line is HELP, TYPE or a well-formed sample."""
    assert text.endswith("\n")
    samples: dict[str, float] = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"counter", "gauge", "histogram", "summary", "untyped"}
            types[name] = kind
            continue
        assert _SAMPLE.match(line), f"malformed sample line: {line!r}"
        key, value = line.rsplit(" ", 1)
        base = re.sub(r"(_bucket|_sum|_count)$", "", key.split("{")[0])
        assert base in types, f"sample before its TYPE: {line!r}"
        samples[key] = float(value)
    return samples


def test_prometheus_file_is_written_atomically_and_parses(tmp_path: Path) -> None:
    m = _metrics()
    path = tmp_path / "textfile" / "elixir_coder.prom"
    write_prometheus_file(m, path)
    samples = _parse_exposition(path.read_text(encoding="utf-8"))
    assert samples['elixir_coder_requests_total{feature="completion",outcome="error"}'] == 1
    assert samples['elixir_coder_cache_hits_total{cache="prompt",result="hit"}'] == 1
    assert samples["elixir_coder_resident_memory_bytes"] > 1e6
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["elixir_coder.prom"]  # no temp file left


def test_prometheus_file_exporter_rewrites_periodically(tmp_path: Path) -> None:
    m = _metrics()
    path = tmp_path / "m.prom"
    exporter = PrometheusFileExporter(m, path, interval_s=0.05)
    m.observe_request("completion", 1.0)
    key = 'elixir_coder_requests_total{feature="completion",outcome="ok"}'
    deadline = time.monotonic() + 10
    while _parse_exposition(path.read_text(encoding="utf-8"))[key] != 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _parse_exposition(path.read_text(encoding="utf-8"))[key] == 2
    m.observe_request("completion", 1.0)
    exporter.close()  # writes the final figures
    assert _parse_exposition(path.read_text(encoding="utf-8"))[key] == 3
    assert [p.name for p in tmp_path.iterdir()] == ["m.prom"]


def test_prometheus_file_unwritable_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write metrics file"):
        PrometheusFileExporter(Metrics(), blocker / "m.prom")


def test_http_endpoint_serves_metrics() -> None:
    m = _metrics()
    server = PrometheusHttpServer(m)
    try:
        response = httpx.get(server.url, timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        samples = _parse_exposition(response.text)
        assert samples['elixir_coder_request_latency_ms_count{feature="completion"}'] == 2
        m.observe_request("completion", 2.0)
        again = _parse_exposition(httpx.get(server.url, timeout=5).text)
        assert again['elixir_coder_request_latency_ms_count{feature="completion"}'] == 3
        assert httpx.get(server.url.replace("/metrics", "/other"), timeout=5).status_code == 404
        with pytest.raises(ExportError, match="cannot listen"):
            PrometheusHttpServer(m, port=server.port)
    finally:
        server.close()


def test_exporters_from_settings(tmp_path: Path, collector: Collector) -> None:
    env = {
        "ELIXIR_CODER_METRICS_FILE": str(tmp_path / "m.prom"),
        "ELIXIR_CODER_METRICS_PORT": "0",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=secret",
    }
    settings = ExportSettings.from_env(env)
    assert ExportSettings.from_env({}) == ExportSettings()
    m = _metrics()
    exporters = Exporters(m, settings)
    assert exporters.http is not None and exporters.otlp is not None
    assert httpx.get(exporters.http.url, timeout=5).status_code == 200
    exporters.close(timeout_s=10)
    assert (tmp_path / "m.prom").exists()
    (post,) = collector.ok_posts()  # the final snapshot, sent on close
    assert post["headers"]["x-api-key"] == "secret"
