"""The language server: pygls wiring of diagnostics, quick fixes and hover onto the analyzer.

Handlers are thin: they fetch the document, call pure functions (analysis runner,
`features.diagnostics`, `fixes`) and publish. Any unexpected error in a handler is logged
and reported to the client; the server carries on.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from .analysis.issues import Issue
from .analysis.runner import AnalysisOptions, AnalysisResult, analyze_sources
from .analysis.source import SourceDecodeError, SourceFile
from .features.diagnostics import DOCS_DIR, Debouncer, to_diagnostics
from .fixes import TITLES, fixes_for
from .settings import Settings, parse_settings

log = logging.getLogger("elixir_coder.server")

ELIXIR_LANGUAGES = ("elixir", "eex", "heex")


def uri_to_path(uri: str) -> Path | None:
    """Filesystem path of a file:// URI (None for other schemes)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def project_root_for(path: Path | None, workspace_root: Path | None) -> Path:
    """Nearest directory holding mix.exs above the file, else the workspace root, else the file's folder."""
    if path is not None:
        for candidate in path.parents:
            if (candidate / "mix.exs").is_file():
                return candidate
    if workspace_root is not None:
        return workspace_root
    return path.parent if path is not None else Path.cwd()


def display_name(path: Path | None, root: Path, uri: str) -> str:
    """The file name as analysis results carry it: relative to the project root when possible."""
    if path is None:
        return uri
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)


class ElixirCoderServer(LanguageServer):
    """The LanguageServer with ElixirCoder's state: settings, last results, debouncer."""

    def __init__(self) -> None:
        super().__init__("elixir-coder", "0.1.0", text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.workspace_root: Path | None = None
        self.results: dict[str, tuple[int | None, AnalysisResult, str]] = {}
        self.debouncer = Debouncer()

    # --- pure-ish helpers used by the handlers ---------------------------------------------

    def options(self) -> AnalysisOptions:
        """Analysis options from the settings."""
        return AnalysisOptions(strict=self.settings.strict, enable=self.settings.enabled_checks,
                               credo=self.settings.credo, sobelow=self.settings.sobelow)

    def analyse(self, uri: str, text: str) -> tuple[AnalysisResult, str] | None:
        """Analyse one document; None when it must be skipped (too large or binary), with a log line."""
        path = uri_to_path(uri)
        root = project_root_for(path, self.workspace_root)
        name = display_name(path, root, uri)
        size = len(text.encode("utf-8", errors="replace"))
        if size > self.settings.max_file_bytes:
            self.log_to_client(f"{name}: {size} bytes is over max_file_bytes ({self.settings.max_file_bytes}); "
                               "not analysed", lsp.MessageType.Warning)
            return None
        if "\x00" in text:
            self.log_to_client(f"{name}: binary content, not analysed", lsp.MessageType.Warning)
            return None
        result = None
        if self.settings.analyzer in ("auto", "mix"):
            result = self._external(root)
        if result is None:
            try:
                src = SourceFile.from_bytes(text.encode("utf-8"), name)
            except SourceDecodeError as exc:
                self.log_to_client(str(exc), lsp.MessageType.Warning)
                return None
            result = analyze_sources([src], root, self.options())
        disabled = set(self.settings.disabled_checks)
        if disabled:
            result.issues = [i for i in result.issues if not ({i.check, i.short_name} & disabled)]
            result.findings = [f for f in result.findings if f.type_name not in disabled]
        return result, name

    def _external(self, root: Path) -> AnalysisResult | None:
        try:
            from .analysis.external import run_external
        except ImportError:
            return None
        return run_external(root, strict=bool(self.settings.strict))

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        """Log locally and as window/logMessage."""
        log.info(message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 - logging must never fail a request
            pass

    def publish(self, uri: str) -> None:
        """Analyse the current text of a document and publish its diagnostics with its version."""
        doc = self.workspace.get_text_document(uri)
        analysed = self.analyse(uri, doc.source)
        if analysed is None:
            self.results.pop(uri, None)
            diagnostics: list[lsp.Diagnostic] = []
        else:
            result, name = analysed
            self.results[uri] = (doc.version, result, name)
            diagnostics = to_diagnostics(result, name, doc.source, self.settings.docs_base_url)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, version=doc.version, diagnostics=diagnostics)
        )


server = ElixirCoderServer()


def _guarded(fn):  # noqa: ANN001, ANN202
    """Log and swallow unexpected errors in notification handlers (requests get pygls' error reply)."""

    def run(ls: ElixirCoderServer, params):  # noqa: ANN001, ANN202
        try:
            return fn(ls, params)
        except Exception as exc:  # noqa: BLE001 - the server never dies of one document
            log.exception("handler %s failed", fn.__name__)
            ls.log_to_client(f"elixir-coder: {fn.__name__} failed: {exc}", lsp.MessageType.Error)
            return None

    run.__name__ = fn.__name__
    return run


@server.feature(lsp.INITIALIZE)
@_guarded
def initialize(ls: ElixirCoderServer, params: lsp.InitializeParams) -> None:
    settings, warnings = parse_settings(params.initialization_options)
    ls.settings = settings
    if params.root_uri:
        ls.workspace_root = uri_to_path(params.root_uri)
    elif params.workspace_folders:
        ls.workspace_root = uri_to_path(params.workspace_folders[0].uri)
    for w in warnings:
        log.warning(w)


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
@_guarded
def did_change_configuration(ls: ElixirCoderServer, params: lsp.DidChangeConfigurationParams) -> None:
    ls.settings, warnings = parse_settings(params.settings, ls.settings)
    for w in warnings:
        ls.log_to_client(w, lsp.MessageType.Warning)
    for uri in list(ls.workspace.text_documents):
        ls.publish(uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
@_guarded
def did_open(ls: ElixirCoderServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
@_guarded
def did_save(ls: ElixirCoderServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
@_guarded
def did_change(ls: ElixirCoderServer, params: lsp.DidChangeTextDocumentParams) -> None:
    if not ls.settings.diagnostics_on_change:
        return
    uri = params.text_document.uri

    async def run() -> None:
        _guarded(lambda s, _p: s.publish(uri))(ls, None)

    ls.debouncer.schedule(uri, ls.settings.debounce_ms / 1000, run)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
@_guarded
def did_close(ls: ElixirCoderServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.results.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def _offset_to_position(text: str, offset: int) -> lsp.Position:
    before = text[:offset]
    line = before.count("\n")
    col = len(before) - (before.rfind("\n") + 1)
    # LSP columns count UTF-16 code units
    col16 = len(before[before.rfind("\n") + 1 :].encode("utf-16-le")) // 2 if not before.isascii() else col
    return lsp.Position(line, col16)


def _issue_from_diagnostic(diag: lsp.Diagnostic, result: AnalysisResult) -> Issue | None:
    data = diag.data if isinstance(diag.data, dict) else {}
    check, line = data.get("check"), data.get("line")
    for issue in result.issues:
        if issue.check == check and issue.line_no == line and issue.column == data.get("column"):
            return issue
    return None


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_action(ls: ElixirCoderServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    cached = ls.results.get(uri)
    if cached is None:
        return []
    doc = ls.workspace.get_text_document(uri)
    _version, result, _name = cached
    actions = []
    for diag in params.context.diagnostics:
        if diag.source != "credo":
            continue
        issue = _issue_from_diagnostic(diag, result)
        edits = fixes_for(doc.source, issue) if issue else None
        if not edits or issue is None:
            continue
        text_edits = [
            lsp.TextEdit(range=lsp.Range(_offset_to_position(doc.source, e.start),
                                         _offset_to_position(doc.source, e.end)), new_text=e.new_text)
            for e in edits
        ]
        actions.append(lsp.CodeAction(
            title=f"{TITLES.get(issue.check, 'Fix')} ({issue.short_name})",
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diag],
            is_preferred=True,
            edit=lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                edits=text_edits)]),
        ))
    return actions


def hover_text(check_source: str, code: str, message: str) -> str:
    """Markdown for a diagnostic: the message and the check page's What/Why/How sections when present."""
    page = DOCS_DIR / check_source / f"{code}.md"
    body = f"**{code}** ({check_source})\n\n{message}"
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return body
    sections = [s for s in text.split("\n## ") if s.lower().startswith(("what", "why", "how"))]
    if sections:
        body += "\n\n" + "\n\n".join("### " + s.strip() for s in sections)
    return body


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: ElixirCoderServer, params: lsp.HoverParams) -> lsp.Hover | None:
    cached = ls.results.get(params.text_document.uri)
    if cached is None:
        return None
    _v, result, name = cached
    doc = ls.workspace.get_text_document(params.text_document.uri)
    line = params.position.line
    parts = []
    for diag in to_diagnostics(result, name, doc.source, ls.settings.docs_base_url):
        if diag.range.start.line <= line <= diag.range.end.line and diag.source in ("credo", "sobelow"):
            parts.append(hover_text(diag.source, str(diag.code), diag.message))
    if not parts:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))


def run_stdio() -> None:
    """Serve over stdin/stdout."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    server.start_io()


def run_tcp(host: str, port: int) -> None:
    """Serve over TCP."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    server.start_tcp(host, port)


if __name__ == "__main__":
    run_stdio()
