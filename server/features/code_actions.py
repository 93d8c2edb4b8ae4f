"""Quick fixes as LSP code actions: match the client's diagnostics to analysis results, turn fixer edits into TextEdits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types as lsp

from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.runner import AnalysisResult
from elixir_coder.assist.fixes import (
    FINDING_TITLES,
    TITLES,
    Edit,
    fixes_for,
    fixes_for_finding,
    keeps_parsing,
)

from .diagnostics import encode_range


def offset_to_position(text: str, offset: int) -> lsp.Position:
    """Line and character column (code points) of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    return lsp.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


def to_text_edits(text: str, edits: Sequence[Edit], encoding: str = "utf-16") -> list[lsp.TextEdit]:
    """Fixer edits (character offsets) as LSP TextEdits in the client's position encoding."""
    lines = text.split("\n")
    out = []
    for e in sorted(edits, key=lambda e: e.start):
        rng = lsp.Range(offset_to_position(text, e.start), offset_to_position(text, e.end))
        out.append(lsp.TextEdit(range=encode_range(rng, lines, encoding), new_text=e.new_text))
    return out


def _data(diag: lsp.Diagnostic) -> dict[str, Any]:
    return diag.data if isinstance(diag.data, dict) else {}


def issue_for(diag: lsp.Diagnostic, result: AnalysisResult, filename: str) -> Issue | None:
    """The Credo issue behind a diagnostic: by the `data` the server attached, else by code and line."""
    data = _data(diag)
    line = diag.range.start.line + 1
    candidates = [i for i in result.issues if i.filename == filename or filename == ""]
    if data.get("check"):
        for issue in candidates:
            if issue.check == data["check"] and issue.line_no == data.get("line") and issue.column == data.get("column"):
                return issue
    for issue in candidates:
        if issue.short_name == str(diag.code) and issue.line_no == line:
            return issue
    return None


def finding_for(diag: lsp.Diagnostic, result: AnalysisResult) -> Finding | None:
    """The Sobelow finding behind a diagnostic (by type and line)."""
    line = diag.range.start.line + 1
    for finding in result.findings:
        if finding.type_name == str(diag.code) and max(1, finding.line) == line:
            return finding
    return None


def _action(title: str, uri: str, version: int | None, text_edits: list[lsp.TextEdit],
            diag: lsp.Diagnostic) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diag],
        is_preferred=True,
        edit=lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
            text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=list(text_edits),
        )]),
    )


def code_actions(
    uri: str,
    version: int | None,
    text: str,
    result: AnalysisResult,
    filename: str,
    diagnostics: Sequence[lsp.Diagnostic],
    encoding: str = "utf-16",
) -> list[lsp.CodeAction]:
    """One quick fix per diagnostic that has a safe fix; `result` must be an analysis of `text`."""
    actions: list[lsp.CodeAction] = []
    seen: set[tuple[tuple[int, int, str], ...]] = set()
    for diag in diagnostics:
        edits: list[Edit] | None = None
        title = ""
        if diag.source == "credo":
            issue = issue_for(diag, result, filename)
            if issue is not None:
                edits = fixes_for(text, issue)
                title = f"{TITLES.get(issue.check, 'Fix')} ({issue.short_name})"
        elif diag.source == "sobelow":
            finding = finding_for(diag, result)
            if finding is not None:
                edits = fixes_for_finding(text, finding)
                title = f"{FINDING_TITLES.get(finding.type_name, 'Fix')} ({finding.type_name})"
        if not edits:
            continue
        key = tuple((e.start, e.end, e.new_text) for e in edits)
        if key in seen or not keeps_parsing(text, edits):
            continue
        seen.add(key)
        actions.append(_action(title, uri, version, to_text_edits(text, edits, encoding), diag))
    return actions


EXPLAIN_COMMAND = "elixirCoder.explain"
# Not `quickfix`: explaining changes nothing. An action without a kind is listed by VS Code's light-bulb
# menu and by Neovim's `vim.lsp.buf.code_action()` alike, next to the quick fixes.
EXPLAIN_KIND = lsp.CodeActionKind.Empty


def explain_actions(uri: str, diagnostics: Sequence[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """One "Explain: <check>" action per Credo or Sobelow diagnostic; its command returns the explanation."""
    actions: list[lsp.CodeAction] = []
    seen: set[tuple[str, int]] = set()
    for diag in diagnostics:
        if diag.source not in ("credo", "sobelow") or diag.code is None:
            continue
        key = (str(diag.code), diag.range.start.line)
        if key in seen:
            continue
        seen.add(key)
        title = f"Explain: {diag.code}"
        actions.append(lsp.CodeAction(
            title=title,
            kind=EXPLAIN_KIND,
            diagnostics=[diag],
            command=lsp.Command(title=title, command=EXPLAIN_COMMAND,
                                arguments=[{"uri": uri, "line": diag.range.start.line, "check": str(diag.code)}]),
        ))
    return actions
