"""The language server: pygls wiring of diagnostics, quick fixes, hover and settings onto the analyzer.

Handlers are thin: they read the document, hand the work to pure functions (`documents`,
`features.*`, `fixes`) and publish. Analysis runs on one worker thread so the server keeps
answering while a large file is checked; a result is published only if no newer analysis of
the same document started meanwhile. The whole-project analysis (diagnostics for files never
opened) runs on a second thread so open documents never wait for it. Unexpected errors are logged
and reported to the client as log messages; the server carries on.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial, wraps
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from elixir_coder.analysis.text_limits import lone_cr_as_newline
from elixir_coder.telemetry.events import Event, EventKind, new_request_id
from elixir_coder.telemetry.export import Exporters, ExportSettings
from elixir_coder.telemetry.metrics import Metrics
from elixir_coder.telemetry.recorder import Recorder
from elixir_coder.telemetry.store import FeedbackStore, RetentionPolicy

from .adapter_routing import adapter_for, project_deps
from .analysed import Analysed
from .api_index import ApiIndex, CursorApi
from .deps_index import DepsIndex
from .deps_progress import DepsProgress
from .diagnostic_feedback import diagnostic_changes, diagnostic_counts
from .documents import ExternalCache, Outcome, analyse_document, default_external_runner, uri_to_path
from .features import completion as completion_feature
from .features.code_actions import EXPLAIN_COMMAND, EXPLAIN_KIND, FixCache, explain_actions
from .features.completion import CompletionFeature, needs_header
from .features.completion_handlers import (
    on_action_taken,
    on_completion,
    on_completion_accepted,
    on_completion_rejected,
    on_inline_completion,
    on_rate_explanation,
)
from .features.diagnostics import Debouncer, client_diagnostics
from .features.explain_handlers import on_explain
from .features.generate_actions import (
    ANSWER_COMMAND,
    GENERATE_COMMAND,
    GENERATE_KIND,
    generate_actions,
    on_answer_clarification,
    on_generate_implementation,
)
from .features.hover import hover_for
from .features.project_diagnostics import ProjectDiagnostics
from .features.pull_diagnostics import PullSupport, diagnostic_options, pull_support
from .features.pull_handlers import on_document_diagnostic, on_workspace_diagnostic
from .feedback import FeedbackTracker
from .heap import HeapKeeper
from .jsonrpc_guard import GuardedProtocol, serve_stdio, serve_tcp
from .models import ModelService
from .oversize import OversizeDocuments
from .repo_context import RepoContext
from .settings import Settings, parse_settings
from .stdlib_api import cache_dir as stdlib_cache_dir
from .workspace import ProjectIndex, module_header, signature_context

log = logging.getLogger("elixir_coder.server")

SERVER_NAME = "elixir-coder"
SERVER_VERSION = "0.1.0"
CONFIG_SECTION = "elixirCoder"
STATUS_REQUEST = "elixirCoder/status"
STATUS_CHANGED = "elixirCoder/statusChanged"
RATE_EXPLANATION_COMMAND = "elixirCoder.rateExplanation"
ACTION_TAKEN_COMMAND = "elixirCoder.actionTaken"
PARAMLESS_REQUESTS = frozenset({STATUS_REQUEST})

T = TypeVar("T")


class ElixirCoderProtocol(GuardedProtocol):
    """The guarded protocol (see `jsonrpc_guard`), knowing which of our requests take no params."""

    paramless_requests = PARAMLESS_REQUESTS


class ElixirCoderServer(LanguageServer):
    """The LanguageServer with ElixirCoder's state: settings, published analyses, debouncer, worker."""

    def __init__(self) -> None:
        super().__init__(SERVER_NAME, SERVER_VERSION, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=ElixirCoderProtocol)
        self.base_settings = Settings()  # from initializationOptions; configuration changes apply on top
        self.settings = Settings()
        self.workspace_root: Path | None = None
        self.analysed: dict[str, Analysed] = {}
        self.oversize = OversizeDocuments()
        self.generations: dict[str, int] = {}
        self.debouncer = Debouncer()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elixir-coder-analysis")
        # Short per-request work (cursor context, routing, hover, quick fixes) off the event loop and
        # never queued behind a long analysis on `worker`.
        self.request_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="elixir-coder-request")
        # The whole-project analysis has its own thread, so an open document's diagnostics never
        # wait behind a project-wide run (each SourceFile has its own parser: no sharing between them).
        self.project_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elixir-coder-project")
        self.external_cache = ExternalCache()
        self.external = default_external_runner()
        self.metrics = Metrics()
        self.exporters: Exporters | None = None
        self.index = ProjectIndex(None)
        self.api_index = ApiIndex(self.index)
        self.repo_context: RepoContext | None = None
        self.deps: set[str] = set()
        self.recorder: Recorder | None = None
        self.recorder_path: str | None = None
        self.tracker = FeedbackTracker(None, in_background=True)  # answers never wait for recording
        self.models = ModelService(on_loaded=lambda adapter, ms: self.metrics.observe_model_load(ms, adapter))
        self.heap = HeapKeeper()  # long collector pauses moved out of the way of completions (server/heap.py)
        self.completions = CompletionFeature(self.models, self.tracker, on_progress=self.progress_from_thread,
                                             after_load=self.heap.settle)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._load_count = 0
        self._deps_count = 0
        self._progress_begun: asyncio.Task[str | None] | None = None
        self.project: ProjectDiagnostics | None = None
        self.pull = PullSupport()  # what the client pulls (LSP 3.17); the rest is published
        self._pull_missed: set[str] = set()  # open documents whose pull found no analysis yet

    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:  # type: ignore[override]
        """Serve over stdio through the guarded reader; the process ends with the LSP exit status."""
        raise SystemExit(serve_stdio(self.guard, stdin, stdout))

    @property
    def guard(self) -> GuardedProtocol:
        """The protocol, typed as the guard it is."""
        return self.protocol  # type: ignore[return-value]

    # --- helpers the handlers share ---------------------------------------------------------

    @property
    def encoding(self) -> str:
        """The negotiated position encoding (`utf-16` unless the client chose otherwise)."""
        try:
            enc = self.workspace.position_encoding
        except Exception:  # noqa: BLE001 - before initialize there is no workspace
            return "utf-16"
        return str(getattr(enc, "value", enc) or "utf-16")

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        """Log locally and as window/logMessage (never raises)."""
        log.log(logging.WARNING if kind <= lsp.MessageType.Warning else logging.INFO, message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=f"{SERVER_NAME}: {message}"))
        except Exception:  # noqa: BLE001 - logging must never fail a request
            pass

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls' error hook: a log message for the client instead of a pop-up per malformed message."""
        self.log_to_client(f"{type(error).__name__}: {error}", lsp.MessageType.Error)

    def document(self, uri: str) -> tuple[str, int | None] | None:
        """(text, version) of an open document (lone CRs read as line ends); None when it is not open."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        return lone_cr_as_newline(doc.source), doc.version

    async def in_worker(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking function on the analysis thread."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, partial(fn, *args, **kwargs))

    async def in_request_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run short blocking work for one request on a request thread."""
        return await asyncio.get_running_loop().run_in_executor(self.request_pool, partial(fn, *args, **kwargs))

    async def refresh(self, uri: str, allow_external: bool = False) -> None:
        """Analyse an open document's current text and publish its diagnostics with its version."""
        current = self.document(uri)
        if current is None:
            return
        if uri in self.oversize:
            if not self.pull.document:
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
            return
        text, version = current
        generation = self.generations.get(uri, 0) + 1
        self.generations[uri] = generation
        outcome: Outcome = await self.in_worker(
            analyse_document, uri, text, self.settings, self.workspace_root,
            allow_external=allow_external, external=self.external, external_cache=self.external_cache,
        )
        if self.generations.get(uri) != generation or uri not in self.workspace.text_documents:
            return  # a newer analysis (or a close) overtook this one
        for line in outcome.logs:
            self.log_to_client(line, lsp.MessageType.Info)
        if outcome.result is None:
            self.log_to_client(outcome.skipped or f"{outcome.name}: not analysed", lsp.MessageType.Warning)
            diagnostics: list[lsp.Diagnostic] = []
        else:
            diagnostics = client_diagnostics(outcome.result, outcome.name, text, self.settings.docs_base_url,
                                             self.encoding)
        previous = self.analysed.get(uri)
        self.analysed[uri] = Analysed(version, text, outcome.result, outcome.name, diagnostics)
        self.record_diagnostic_changes(uri, previous, self.analysed[uri])
        if uri in self._pull_missed:
            # A pull of this document was answered before any analysis of it could be kept (the
            # analyses kept overtaking one another): without a refresh the client would show
            # nothing until the next edit.
            self._pull_missed.discard(uri)
            if self.pull.refresh:
                self.workspace_diagnostic_refresh(None)
        if not self.pull.document:
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
            )

    def pull_missed(self, uri: str) -> None:
        """A pull of an open document was answered without an analysis: refresh when one lands."""
        self._pull_missed.add(uri)

    async def analysed_now(self, uri: str) -> Analysed | None:
        """The analysis of an open document's current text, analysing it when the last one is older
        (None when it is not open, set aside as oversize, or keeps changing under the analysis)."""
        for _ in range(3):
            current = self.document(uri)
            if current is None or uri in self.oversize:
                return None
            cached = self.analysed.get(uri)
            if cached is not None and cached.text == current[0]:
                return cached
            await self.refresh(uri, allow_external=False)
        return None

    async def current_analysis(self, uri: str) -> Analysed | None:
        """An analysis of the document's current text: the published one, or a fresh built-in run if stale."""
        current = self.document(uri)
        if current is None or uri in self.oversize:
            return None
        text, version = current
        cached = self.analysed.get(uri)
        if cached is not None and cached.text == text:
            return cached
        outcome = await self.in_worker(analyse_document, uri, text, self.settings, self.workspace_root,
                                       allow_external=False)
        return Analysed(version, text, outcome.result, outcome.name)

    def apply_settings(self, raw: Any, initial: bool = False) -> None:
        """Parse settings (initializationOptions when `initial`, else on top of them) and log warnings."""
        settings, warnings = parse_settings(raw, None if initial else self.base_settings)
        if initial:
            self.base_settings = settings
        self.settings = settings
        for warning in warnings:
            self.log_to_client(warning, lsp.MessageType.Warning)
        self.external_cache = ExternalCache()
        self.models.configure(settings)
        self.configure_telemetry(settings)

    def configure_telemetry(self, settings: Settings) -> None:
        """Open (or close) the feedback recorder as the `telemetry` settings say."""
        path = settings.telemetry_path if settings.telemetry else None
        wanted = settings.telemetry
        if self.recorder is not None and (not wanted or path != self.recorder_path):
            self.recorder.close()
            self.recorder = None
        if wanted and self.recorder is None:
            db_path = Path(path).expanduser() if path else None
            self.recorder = Recorder(lambda: FeedbackStore(db_path), retention=RetentionPolicy())
            self.recorder_path = path
        self.tracker.sink = self.recorder

    # --- whole-project diagnostics ----------------------------------------------------------

    def project_diagnostics(self) -> ProjectDiagnostics | None:
        """The workspace's project analysis (None without a root or with project diagnostics off)."""
        root = self.workspace_root
        if root is None or not self.settings.project_diagnostics:
            return None
        if self.project is None or self.project.root != root:
            self.project = ProjectDiagnostics(root)
        return self.project

    async def publish_project(self, changed: set[Path] | None = None) -> None:
        """Analyse the workspace's project (all of it, or after `changed` files) and publish every
        file's diagnostics except open documents', which `refresh` keeps current. A client that pulls
        the workspace's diagnostics is asked to pull again instead."""
        project = self.project_diagnostics()
        if project is None:
            return
        project.changed |= changed or set()
        # shielded: a cancelled pull that awaits this run leaves it to finish and fill the cache
        await asyncio.shield(self._run_project(project, changed))

    async def _run_project(self, project: ProjectDiagnostics, changed: set[Path] | None) -> None:
        """One run under the project's lock: whole (with progress) when `changed` is None or nothing ran
        yet, else after the saved files; skipped when a run meanwhile (a pull's) left nothing stale."""
        async with project.lock:
            if not project.stale(self.settings):
                return
            whole = changed is None or project.settings_run is None or project.settings_run != self.settings
            token = None
            if whole:
                token = await self._progress_begin(f"elixir-coder-project-{id(project)}", "Analysing project")
            pending, project.changed = project.changed, set()
            try:
                report = await asyncio.get_running_loop().run_in_executor(
                    self.project_worker,
                    partial(project.run, self.settings, None if whole else pending, self._progress_reporter(token)))
                for problem in report.problems:
                    self.log_to_client(f"{problem.filename}: {problem.message}", lsp.MessageType.Warning)
                if not self.pull.workspace:
                    self._publish_project_results(project)
                elif not whole and self.pull.refresh:
                    self.workspace_diagnostic_refresh(None)  # the saved file may change others' diagnostics
            except BaseException:
                project.changed |= pending
                raise
            finally:
                if token is not None:
                    self.work_done_progress.end(token, lsp.WorkDoneProgressEnd(
                        message=f"{len(project.results)} files"))

    def _publish_project_results(self, project: ProjectDiagnostics) -> None:
        """Publish the project files' diagnostics that changed since they were last published (open
        documents' aside: `refresh` publishes theirs), and clear files that left the project."""
        files = project.file_diagnostics(self.settings, self.encoding)
        opened = self.workspace.text_documents
        published: dict[str, str] = {}
        for file in files:
            if file.uri in opened:
                continue  # once closed, `on_close` publishes the project's diagnostics for it
            if project.published.get(file.uri) != file.result_id:
                self.text_document_publish_diagnostics(
                    lsp.PublishDiagnosticsParams(uri=file.uri, diagnostics=file.diagnostics))
            published[file.uri] = file.result_id
        for uri in set(project.published) - {f.uri for f in files}:
            if uri not in opened:
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        project.published = published

    async def pulled_project(self) -> ProjectDiagnostics | None:
        """The project analysis, brought up to date first when files were saved or settings changed."""
        project = self.project_diagnostics()
        if project is None:
            return None
        if project.stale(self.settings):
            await asyncio.shield(self._run_project(project, set(project.changed)))
        return project

    def _progress_reporter(self, token: str | None) -> Callable[[int, int, str], None] | None:
        """A thread-safe `$/progress` report callback (every 5%), or None without a token."""
        loop = self._loop
        if token is None or loop is None:
            return None
        last = [-1]

        def report(done: int, total: int, name: str) -> None:
            percentage = done * 100 // max(total, 1)
            if percentage // 5 == last[0] // 5 and done != total:
                return
            last[0] = percentage
            loop.call_soon_threadsafe(self.work_done_progress.report, token, lsp.WorkDoneProgressReport(
                message=f"{done}/{total} {name}", percentage=percentage))
        return report

    def project_diagnostics_for(self, uri: str) -> list[lsp.Diagnostic] | None:
        """The last project analysis's diagnostics for a file (None when it is not a project file)."""
        if self.project is None:
            return None
        return self.project.diagnostics(self.settings, self.encoding).get(uri)

    # --- model loading progress -------------------------------------------------------------

    def progress_from_thread(self, stage: str, message: str) -> None:
        """`$/progress` for a background model load; called from the generation thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._progress, stage, message)

    def _progress(self, stage: str, message: str) -> None:
        self.notify_status(loading=stage == "begin")
        if stage == "begin":
            self._load_count += 1
            self._progress_begun = asyncio.ensure_future(self._progress_begin(f"elixir-coder-load-{self._load_count}",
                                                                               message))
            return
        self.log_to_client(message)
        begun, self._progress_begun = self._progress_begun, None
        if begun is not None:
            asyncio.ensure_future(self._progress_end(begun, message))

    def notify_status(self, loading: bool) -> None:
        """`elixirCoder/statusChanged` with the status, so status bars follow a load without polling."""
        try:
            # At "begin" the load thread may not have flagged itself yet: the notification says so.
            self.protocol.notify(STATUS_CHANGED, {**self.status(), "loading": loading or self.models.loading})
        except Exception as exc:  # noqa: BLE001 - a courtesy; the status request still answers
            log.info("status notification not sent: %s", exc)

    def _supports_progress(self) -> bool:
        window = self.client_capabilities.window if self.client_capabilities else None
        return bool(window and window.work_done_progress)

    async def _progress_begin(self, token: str, title: str) -> str | None:
        """Create and begin a progress token; None when the client does not show progress."""
        if not self._supports_progress():
            return None
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 5)
            self.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=title, cancellable=False))
        except Exception as exc:  # noqa: BLE001 - progress is a courtesy; loading goes on
            log.info("progress not shown: %s", exc)
            return None
        return token

    async def _progress_end(self, begun: asyncio.Task[str | None], message: str) -> None:
        token = await begun
        if token is not None:
            self.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=message))

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the event loop after `delay` seconds (nothing happens before the loop runs)."""
        if self._loop is not None:
            self._loop.call_later(delay, fn)

    def adapter_for(self, path: Path | None, text: str = "") -> str:
        """The adapter for a document: the setting, or routed by file and project deps when `auto`."""
        return adapter_for(path, text, self.deps, self.settings.adapter, self.models.adapters())

    def prompt_context(self, path: Path | None, text: str, offset: int) -> str:
        """What the prompt carries before a cut prefix: the module head and related signatures."""
        prefix = text[:offset]
        if not needs_header(prefix, self.settings):
            return ""  # this short a prefix is kept (nearly) whole, module head included: skip the work
        signatures = signature_context(self.index, path, text, line=prefix.count("\n"))
        return "\n".join(part for part in (module_header(prefix), signatures) if part)

    def cursor_api(self, path: Path | None, text: str, offset: int) -> CursorApi:
        """What is callable at a cursor (for monitor-guided decoding), on the generation thread."""
        return self.api_index.at(path, text, offset)

    def repository_context(self, path: Path | None, text: str, offset: int, api: CursorApi) -> str:
        """Definitions and similar code from other project files for the prompt, on the generation thread."""
        if self.repo_context is None or self.repo_context.api_index is not self.api_index:
            self.repo_context = RepoContext(self.api_index, self.workspace_root)
        # ~4 characters per token; the prompt builder cuts to the token budget.
        return self.repo_context.build(path, text, offset, api, 4 * self.settings.repository_context_tokens)

    async def index_workspace(self) -> None:
        """Read the project's dependencies and index its modules (on the worker thread); `deps/`
        sources and the standard library are read on threads of their own."""
        self.api_index.preload()
        root = self.workspace_root
        if root is None:
            return
        progress = self.deps_progress(root)
        deps_index = DepsIndex(root, stdlib_cache_dir() / "deps", on_progress=progress.report,
                               on_finished=progress.finished)
        self.api_index.deps = deps_index
        deps_index.start(watch=True)
        self.deps = await self.in_worker(project_deps, root)
        report = await self.in_worker(self.index.scan)
        log.info("project index: %s", report)
        await self.in_request_thread(self.heap.settle)  # the index is long-lived: out of later collections

    def deps_progress(self, root: Path) -> DepsProgress:
        """`$/progress` for indexing `deps/` (when there is one and the client shows progress); the
        indexing does not wait for the client to accept the token."""
        begun = None
        if (root / "deps").is_dir() and self._supports_progress():
            self._deps_count += 1
            begun = asyncio.ensure_future(self._progress_begin(f"elixir-coder-deps-{self._deps_count}",
                                                               "Indexing dependencies"))
        return DepsProgress(asyncio.get_running_loop(), begun, self.work_done_progress.report,
                            self.work_done_progress.end)

    def record_diagnostic_changes(self, uri: str, previous: Analysed | None, current: Analysed) -> None:
        """Feedback events for findings that appeared, were fixed or were suppressed since the last publication."""
        if self.recorder is None:
            return
        before = diagnostic_counts(previous.diagnostics) if previous else Counter()
        path = uri_to_path(uri)
        for change in diagnostic_changes(before, diagnostic_counts(current.diagnostics),
                                         previous.text if previous else "", current.text):
            self.recorder.record(Event(kind=change.kind, request_id=new_request_id(), language_id="elixir",
                                       path=str(path) if path else None,
                                       detail={"source": change.source, "check": change.check, "count": change.count}))

    def status(self) -> dict[str, Any]:
        """`elixirCoder/status`: model state, memory, queue, feedback recording."""
        recorder = self.recorder
        return {
            **self.models.status(),
            "adapters": self.models.adapters(),
            "rssBytes": self.metrics.update_rss(),
            "queue": self.completions.queue,
            "completions": {"generations": self.completions.stats.generations,
                            "cancelled": self.completions.stats.cancelled_generations,
                            "cacheHits": self.completions.stats.cache_hits,
                            "syntaxCut": self.completions.stats.syntax_cut,
                            "syntaxDropped": self.completions.stats.syntax_dropped,
                            "timeouts": self.completions.stats.timeouts,
                            "errors": self.completions.stats.errors,
                            "findingsCut": self.completions.stats.findings_cut,
                            "findingsDropped": self.completions.stats.findings_dropped,
                            "guided": self.completions.stats.guided},
            # Median and 95th percentile per stage of the recent generated completions (ms).
            "completionStages": self.completions.timings.summary(),
            "heap": self.heap.status(),
            "apiIndex": self.api_index.status(),
            "completionsEnabled": self.settings.completions_enabled,
            "protocol": {**self.guard.stats.as_dict(), "open": self.guard.open_requests},
            "telemetry": {"enabled": recorder is not None, "written": recorder.written if recorder else 0,
                          "dropped": recorder.dropped if recorder else 0, "pending": recorder.pending if recorder else 0,
                          "running": recorder.alive() if recorder else False,
                          "restarts": recorder.restarts if recorder else 0},
        }


AsyncHandler = Callable[[ElixirCoderServer, Any], Awaitable[Any]]


def guarded(fn: AsyncHandler) -> AsyncHandler:
    """Log and swallow unexpected errors of a notification handler: the server never dies of one document."""

    @wraps(fn)
    async def run(ls: ElixirCoderServer, params: Any) -> Any:
        try:
            return await fn(ls, params)
        except Exception as exc:  # noqa: BLE001 - the server outlives any handler failure
            log.exception("handler %s failed", fn.__name__)
            ls.log_to_client(f"{fn.__name__} failed: {type(exc).__name__}: {exc}", lsp.MessageType.Error)
            return None

    return run


# --- handlers ---------------------------------------------------------------------------------


async def on_initialize(ls: ElixirCoderServer, params: lsp.InitializeParams) -> None:
    """Read initializationOptions and the workspace root."""
    ls._loop = asyncio.get_running_loop()
    ls.apply_settings(params.initialization_options, initial=True)
    if params.root_uri:
        ls.workspace_root = uri_to_path(params.root_uri)
    elif params.workspace_folders:
        ls.workspace_root = uri_to_path(params.workspace_folders[0].uri)
    elif params.root_path:
        ls.workspace_root = Path(params.root_path)
    ls.index = ProjectIndex(ls.workspace_root)
    ls.api_index = ApiIndex(ls.index)
    register_pull_diagnostics(ls, params.capabilities)
    try:
        ls.exporters = Exporters(ls.metrics, ExportSettings.from_env())
    except Exception as exc:  # noqa: BLE001 - a bad exporter setting must not stop the editor's server
        ls.log_to_client(f"metrics exporters not started: {exc}", lsp.MessageType.Warning)


def register_pull_diagnostics(ls: ElixirCoderServer, capabilities: lsp.ClientCapabilities | None) -> None:
    """Answer pulls from clients that pull (pygls builds the capabilities after this handler, from the
    features registered by then, so only those clients see `diagnosticProvider`)."""
    ls.pull = pull_support(capabilities)
    if ls.pull.document:
        ls.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC, diagnostic_options())(on_document_diagnostic)
    if ls.pull.workspace:
        ls.feature(lsp.WORKSPACE_DIAGNOSTIC)(on_workspace_diagnostic)


def _supports_configuration(ls: ElixirCoderServer) -> bool:
    workspace = ls.client_capabilities.workspace if ls.client_capabilities else None
    return bool(workspace and workspace.configuration)


async def pull_configuration(ls: ElixirCoderServer) -> Any:
    """The client's `elixirCoder` section through workspace/configuration (None when unsupported or failing)."""
    if not _supports_configuration(ls):
        return None
    try:
        items = await asyncio.wait_for(ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=CONFIG_SECTION)])), 5)
    except Exception as exc:  # noqa: BLE001 - a client that fails this request keeps the current settings
        ls.log_to_client(f"workspace/configuration failed: {exc}", lsp.MessageType.Warning)
        return None
    return items[0] if items else None


async def on_initialized(ls: ElixirCoderServer, params: lsp.InitializedParams) -> None:
    """Pull the configuration from clients that serve it; start loading the completion model."""
    raw = await pull_configuration(ls)
    if raw:
        ls.apply_settings(raw)
        await _refresh_all(ls)
    await ls.index_workspace()
    if ls.settings.project_diagnostics:
        asyncio.ensure_future(guarded(_publish_project)(ls, None))
    if ls.settings.completions_enabled:
        ls.completions.start_loading(ls.adapter_for(None))
        ls.models.watch_registry()
    asyncio.ensure_future(keep_heap(ls))


HEAP_TICK_S = 1.0


async def keep_heap(ls: ElixirCoderServer) -> None:
    """Let the heap keeper settle the heap whenever the editor is quiet, until the server stops."""
    while not ls.guard._shutdown:
        await asyncio.sleep(HEAP_TICK_S)
        try:
            ls.heap.tick(ls.completions.quiet_for(), busy=ls.completions.queue > 0)
        except Exception:  # noqa: BLE001 - never fatal: the collector simply runs as usual
            log.exception("heap keeper failed")


async def _publish_project(ls: ElixirCoderServer, params: Any) -> None:
    await ls.publish_project()


async def _refresh_all(ls: ElixirCoderServer) -> None:
    for uri in list(ls.workspace.text_documents):
        await ls.refresh(uri, allow_external=True)


async def on_change_configuration(ls: ElixirCoderServer, params: lsp.DidChangeConfigurationParams) -> None:
    """New settings (pushed, or pulled when the notification carries none); re-analyse open documents."""
    raw = params.settings
    if not raw:
        raw = await pull_configuration(ls)
    ls.apply_settings(raw or {})
    await _refresh_all(ls)
    if ls.pull.refresh:
        ls.workspace_diagnostic_refresh(None)  # pulled diagnostics follow the new settings on the next pull


async def on_open(ls: ElixirCoderServer, params: lsp.DidOpenTextDocumentParams) -> None:
    """Diagnostics on open; the document joins the project index (a document over the size limit is set aside)."""
    doc = ls.workspace.text_documents.get(params.text_document.uri)
    if doc is not None:
        _set_aside(ls, params.text_document.uri, ls.oversize.release(doc, ls.settings.max_file_bytes))
    uri = params.text_document.uri
    if ls.pull.document and not ls.pull.workspace and ls.project is not None and uri in ls.project.published:
        # the client pulls this document now: the project analysis's publication would show beside it
        del ls.project.published[uri]
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
    await _index_document(ls, uri)
    await ls.refresh(uri, allow_external=True)


def _set_aside(ls: ElixirCoderServer, uri: str, size: int | None) -> None:
    if size is not None:
        ls.analysed.pop(uri, None)
        ls.log_to_client(f"{uri}: {size} characters is over maxFileBytes ({ls.settings.max_file_bytes}); "
                         "not kept, analysed or completed", lsp.MessageType.Warning)


async def _index_document(ls: ElixirCoderServer, uri: str) -> None:
    current = ls.document(uri)
    path = uri_to_path(uri)
    if current is not None and path is not None and len(current[0]) <= ls.settings.max_file_bytes:
        await ls.in_worker(ls.index.update, path, current[0])


async def on_save(ls: ElixirCoderServer, params: lsp.DidSaveTextDocumentParams) -> None:
    """Diagnostics on save (a save makes the real tools' cached project results stale)."""
    uri = params.text_document.uri
    path = uri_to_path(uri)
    if path is not None:
        for root in (p for p in path.parents):
            ls.external_cache.invalidate(root)
    ls.debouncer.cancel(uri)
    await _index_document(ls, uri)
    await ls.refresh(uri, allow_external=True)
    if path is not None:
        await ls.publish_project(changed={path})


async def on_change(ls: ElixirCoderServer, params: lsp.DidChangeTextDocumentParams) -> None:
    """Diagnostics while typing, debounced per document, when `diagnosticsOnChange` is on."""
    uri = params.text_document.uri
    ls.completions.document_changed(uri)
    doc = ls.workspace.text_documents.get(uri)
    if doc is not None:
        was_aside = uri in ls.oversize
        size = ls.oversize.after_change(doc, params.content_changes, ls.settings.max_file_bytes)
        if size is not None and not was_aside:
            _set_aside(ls, uri, size)
    if not ls.settings.diagnostics_on_change:
        return
    ls.debouncer.schedule(uri, ls.settings.debounce_ms / 1000, lambda: guarded(_refresh_changed)(ls, uri))


async def _refresh_changed(ls: ElixirCoderServer, uri: str) -> None:
    await ls.refresh(uri, allow_external=False)


async def on_close(ls: ElixirCoderServer, params: lsp.DidCloseTextDocumentParams) -> None:
    """Forget the document and clear its diagnostics."""
    uri = params.text_document.uri
    ls.debouncer.cancel(uri)
    ls.oversize.forget(uri)
    ls.analysed.pop(uri, None)
    ls.generations.pop(uri, None)
    if ls.pull.workspace:
        return  # the client drops a closed document's pulled diagnostics; a workspace pull reports it again
    # a project file keeps the project analysis's diagnostics once closed (published: the client pulls
    # open documents only, or nothing)
    diagnostics = ls.project_diagnostics_for(uri) or []
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))


QUICK_FIX_BUDGET_S = 2.0  # per request; what is not computed in time is computed by the next request
ANALYSIS_WAIT_S = 2.5  # how long a code action waits for an analysis of text changed since the last one


async def on_code_action(ls: ElixirCoderServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    """Quick fixes for the diagnostics the client sends (computed on a request thread, cached per analysis)."""
    uri = params.text_document.uri
    generated: list[lsp.CodeAction] = []
    current = ls.document(uri)
    if current is not None and (not params.context.only or any(k.startswith("refactor") for k in params.context.only)):
        generated = await ls.in_request_thread(generate_actions, ls, uri, current[1], current[0], params.range)
    try:
        async with asyncio.timeout(ANALYSIS_WAIT_S):
            analysed = await ls.current_analysis(uri)
    except TimeoutError:
        log.warning("code actions for %s: the analysis takes over %.1f s; quick fixes left out", uri, ANALYSIS_WAIT_S)
        analysed = None
    if analysed is None or analysed.result is None:
        if not params.context.only or EXPLAIN_KIND in params.context.only:
            generated += explain_actions(uri, params.context.diagnostics)
        return track_actions(ls, uri, generated)
    if analysed.fixes is None:
        analysed.fixes = FixCache(analysed.text)
    actions = generated + await ls.in_request_thread(
        analysed.fixes.actions, uri, analysed.version, analysed.result, analysed.name, params.context.diagnostics,
        ls.encoding, time.monotonic() + QUICK_FIX_BUDGET_S)
    if not params.context.only or EXPLAIN_KIND in params.context.only:
        actions += explain_actions(uri, params.context.diagnostics)
    return track_actions(ls, uri, actions)


def track_actions(ls: ElixirCoderServer, uri: str, actions: list[lsp.CodeAction]) -> list[lsp.CodeAction]:
    """Record the actions offered, and attach a command so that taking one is recorded too."""
    if ls.recorder is None or not actions:
        return actions
    request_id = new_request_id()
    path = uri_to_path(uri)
    ls.recorder.record(Event(kind=EventKind.ACTION_OFFERED, request_id=request_id, language_id="elixir",
                             path=str(path) if path else None,
                             detail={"titles": [a.title for a in actions][:20], "count": len(actions)}))
    for index, action in enumerate(actions):
        if action.command is None:
            action.command = lsp.Command(title=action.title, command=ACTION_TAKEN_COMMAND, arguments=[
                {"requestId": request_id, "index": index, "title": action.title, "kind": action.kind or ""}])
    return actions


HOVER_BUDGET_S = 3.0


async def on_hover(ls: ElixirCoderServer, params: lsp.HoverParams) -> lsp.Hover | None:
    """Explain the diagnostics under the cursor (on a request thread: explanations read the code)."""
    analysed = ls.analysed.get(params.text_document.uri)
    if analysed is None:
        return None
    try:
        async with asyncio.timeout(HOVER_BUDGET_S):
            return await ls.in_request_thread(hover_for, analysed.diagnostics, params.position, analysed.text,
                                              analysed.result, analysed.name, ls.workspace_root)
    except TimeoutError:
        log.warning("hover at %s:%d: over %.1f s; answered empty", params.text_document.uri, params.position.line,
                    HOVER_BUDGET_S)
        return None


def on_status(ls: ElixirCoderServer, params: Any) -> dict[str, Any]:
    """`elixirCoder/status`: health for clients' status bars."""
    return ls.status()


def on_shutdown(ls: ElixirCoderServer, params: Any) -> None:
    """Stop the workers (queued work is dropped) and write pending feedback."""
    ls.worker.shutdown(wait=False, cancel_futures=True)
    ls.request_pool.shutdown(wait=False, cancel_futures=True)
    ls.project_worker.shutdown(wait=False, cancel_futures=True)
    ls.completions.close()
    if ls.api_index.deps is not None:
        ls.api_index.deps.stop()
    ls.tracker.close()  # its queued events go to the recorder before that closes
    if ls.recorder is not None:
        ls.recorder.close()
    if ls.exporters is not None:
        ls.exporters.close()


def build_server() -> ElixirCoderServer:
    """A fresh server with every feature registered."""
    ls = ElixirCoderServer()
    ls.feature(lsp.INITIALIZE)(guarded(on_initialize))
    ls.feature(lsp.INITIALIZED)(guarded(on_initialized))
    ls.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(guarded(on_change_configuration))
    ls.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(guarded(on_open))
    ls.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))(guarded(on_save))
    ls.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(guarded(on_change))
    ls.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(guarded(on_close))
    ls.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
               lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, EXPLAIN_KIND,
                                                         GENERATE_KIND]))(on_code_action)
    ls.feature(lsp.TEXT_DOCUMENT_HOVER)(on_hover)
    ls.feature(lsp.TEXT_DOCUMENT_INLINE_COMPLETION, lsp.InlineCompletionOptions())(on_inline_completion)
    ls.feature(lsp.TEXT_DOCUMENT_COMPLETION,
               lsp.CompletionOptions(trigger_characters=[".", "@"], resolve_provider=False))(on_completion)
    ls.feature(STATUS_REQUEST)(on_status)
    ls.command(completion_feature.ACCEPT_COMMAND)(on_completion_accepted)
    ls.command(completion_feature.REJECT_COMMAND)(on_completion_rejected)
    ls.command(RATE_EXPLANATION_COMMAND)(on_rate_explanation)
    ls.command(EXPLAIN_COMMAND)(on_explain)
    ls.command(ACTION_TAKEN_COMMAND)(on_action_taken)
    ls.command(GENERATE_COMMAND)(on_generate_implementation)
    ls.command(ANSWER_COMMAND)(on_answer_clarification)
    ls.feature(lsp.SHUTDOWN)(on_shutdown)
    return ls


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    # pygls logs every message body at INFO: megabytes per opened file, and text users did not ask to log.
    logging.getLogger("pygls").setLevel(logging.WARNING)


def _tokenize_on_the_calling_thread() -> None:
    """Keep the tokenizer's batch encoding on the thread that asks (unless the user chose otherwise).

    The prompt builder encodes a few dozen short lines per request; the tokenizers library would
    hand them to a pool of one thread per core, which on a busy 2-core machine waits for a core
    behind CTranslate2 and the event loop: sequential encoding measured 1.1 ms at the median
    against 2.7-7.5 ms pooled under load (docs/reports/context.md).
    """
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def run_stdio() -> None:
    """Serve over stdin/stdout; exits 0 after shutdown and exit, 1 when the client exits or leaves without shutdown."""
    _configure_logging()
    _tokenize_on_the_calling_thread()
    ls = build_server()
    _finish(ls, serve_stdio(ls.guard))


def _finish(ls: ElixirCoderServer, code: int) -> None:
    """End the process with the LSP exit status once the session is over."""
    if not ls.guard._shutdown:
        on_shutdown(ls, None)  # exit without shutdown: still write pending feedback
    logging.shutdown()
    try:
        sys.stdout.flush()
    except OSError:
        pass
    # Worker threads may be busy with a long analysis; the LSP exit must not wait for them.
    os._exit(code)


def run_tcp(host: str, port: int) -> None:
    """Serve the first client to connect on host:port, through the same guarded reader as stdio."""
    _configure_logging()
    _tokenize_on_the_calling_thread()
    ls = build_server()
    _finish(ls, serve_tcp(ls.guard, host, port))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--tcp":
        run_tcp("127.0.0.1", int(sys.argv[2]))
    else:
        run_stdio()
