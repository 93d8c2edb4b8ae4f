"""Turn analysis results into LSP diagnostics (pure functions), and the per-document debounce."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence

from lsprotocol import types as lsp

# the check pages moved to the analyzer; the names stay importable from here for older callers
from elixir_coder.analysis.check_pages import DOCS_DIR as DOCS_DIR
from elixir_coder.analysis.check_pages import check_page_path as check_page_path
from elixir_coder.analysis.check_pages import check_page_url
from elixir_coder.analysis.check_pages import page_name as page_name
from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.runner import AnalysisResult, FileProblem


def credo_severity(issue: Issue) -> lsp.DiagnosticSeverity:
    """Warnings stay warnings; other categories by priority: high -> warning, normal -> info, low -> hint."""
    if issue.category == "warning" or issue.priority >= 10:
        return lsp.DiagnosticSeverity.Warning
    if issue.priority >= 0:
        return lsp.DiagnosticSeverity.Information
    return lsp.DiagnosticSeverity.Hint


def sobelow_severity(finding: Finding) -> lsp.DiagnosticSeverity:
    """High confidence is an error, medium a warning, low information."""
    return {
        "high": lsp.DiagnosticSeverity.Error,
        "medium": lsp.DiagnosticSeverity.Warning,
    }.get(finding.confidence, lsp.DiagnosticSeverity.Information)


def _line_range(lines: list[str], line_no: int, column: int | None, column_end: int | None) -> lsp.Range:
    row = max(0, min(line_no - 1, len(lines) - 1)) if lines else 0
    text = lines[row] if lines else ""
    if column:
        start = column - 1
        end = column_end - 1 if column_end and column_end > column else len(text)
    else:
        start = len(text) - len(text.lstrip())
        end = len(text)
    return lsp.Range(lsp.Position(row, max(0, start)), lsp.Position(row, max(start, end)))


def issue_diagnostic(issue: Issue, lines: list[str], docs_base: str | None = None) -> lsp.Diagnostic:
    """One Credo issue as a diagnostic; `data` keeps what quick fixes need."""
    url = check_page_url("credo", issue.short_name, docs_base)
    return lsp.Diagnostic(
        range=_line_range(lines, issue.line_no or 1, issue.column, issue.column_end),
        message=issue.message,
        severity=credo_severity(issue),
        code=issue.short_name,
        code_description=lsp.CodeDescription(href=url) if url else None,
        source="credo",
        data={"check": issue.check, "line": issue.line_no, "column": issue.column, "trigger": issue.trigger,
              "category": issue.category, "priority": issue.priority},
    )


def finding_diagnostic(finding: Finding, lines: list[str], docs_base: str | None = None) -> lsp.Diagnostic:
    """One Sobelow finding as a diagnostic (whole-config findings at line 0 go to the first line)."""
    url = check_page_url("sobelow", finding.type_name, docs_base)
    detail = ", ".join(f"{k}: {v}" for k, v in finding.details.items() if isinstance(v, str | int))
    return lsp.Diagnostic(
        range=_line_range(lines, max(1, finding.line), finding.column, finding.column_end),
        message=f"{finding.type} ({finding.confidence} confidence{'; ' + detail if detail else ''})",
        severity=sobelow_severity(finding),
        code=finding.type_name,
        code_description=lsp.CodeDescription(href=url) if url else None,
        source="sobelow",
        data={"type": finding.type_name, "id": finding.type_id, "confidence": finding.confidence},
    )


def problem_diagnostic(problem: FileProblem, lines: list[str]) -> lsp.Diagnostic:
    """A syntax error or unreadable file as an error diagnostic."""
    return lsp.Diagnostic(
        range=_line_range(lines, problem.line, problem.column, None),
        message=problem.message,
        severity=lsp.DiagnosticSeverity.Error,
        code=problem.kind,
        source="elixir-coder",
    )


def to_diagnostics(result: AnalysisResult, filename: str, text: str, docs_base: str | None = None) -> list[lsp.Diagnostic]:
    """Every diagnostic for one document from an analysis result (character columns, not yet client units)."""
    lines = text.split("\n")
    name = os.path.normpath(filename)

    def mine(other: str) -> bool:
        return other == filename or os.path.normpath(other) == name

    out = [problem_diagnostic(p, lines) for p in result.problems if mine(p.filename)]
    out += [issue_diagnostic(i, lines, docs_base) for i in result.issues if mine(i.filename)]
    out += [finding_diagnostic(f, lines, docs_base) for f in result.findings if mine(f.file)]
    return out


def utf16_column(line: str, column: int) -> int:
    """UTF-16 code units before character `column` of a line (LSP's default position encoding)."""
    prefix = line[:column]
    return column if prefix.isascii() else len(prefix.encode("utf-16-le", errors="surrogatepass")) // 2


def encode_range(rng: lsp.Range, lines: Sequence[str], encoding: str = "utf-16") -> lsp.Range:
    """A character-column range in the client's position encoding (`utf-16`, `utf-8` or `utf-32`)."""

    def conv(pos: lsp.Position) -> lsp.Position:
        if encoding == "utf-32" or not (0 <= pos.line < len(lines)):
            return pos
        line = lines[pos.line]
        if encoding == "utf-8":
            return lsp.Position(pos.line, len(line[: pos.character].encode("utf-8", errors="surrogatepass")))
        return lsp.Position(pos.line, utf16_column(line, pos.character))

    return lsp.Range(conv(rng.start), conv(rng.end))


def client_diagnostics(
    result: AnalysisResult, filename: str, text: str, docs_base: str | None = None, encoding: str = "utf-16"
) -> list[lsp.Diagnostic]:
    """`to_diagnostics` with ranges in the client's position encoding, ready to publish."""
    diags = to_diagnostics(result, filename, text, docs_base)
    if encoding == "utf-32" or text.isascii():
        return diags
    lines = text.split("\n")
    for d in diags:
        d.range = encode_range(d.range, lines, encoding)
    return diags


class Debouncer:
    """Runs the latest callback per key after a quiet period; earlier pending calls are dropped."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def schedule(self, key: str, delay_s: float, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` after `delay_s` unless another call for `key` arrives first."""
        old = self._tasks.pop(key, None)
        if old is not None:
            old.cancel()

        async def later() -> None:
            await asyncio.sleep(delay_s)
            self._tasks.pop(key, None)
            await action()

        self._tasks[key] = asyncio.ensure_future(later())

    def cancel(self, key: str) -> None:
        """Drop the pending call for `key`, if any."""
        old = self._tasks.pop(key, None)
        if old is not None:
            old.cancel()

    def pending(self, key: str) -> bool:
        """Whether a call for `key` is waiting."""
        return key in self._tasks
