"""Turn analysis results into LSP diagnostics (pure functions), and the per-document debounce."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from lsprotocol import types as lsp

from ..analysis.issues import Finding, Issue
from ..analysis.runner import AnalysisResult, FileProblem

# In a checkout the pages are docs/checks/; an installed package carries them as elixir_coder/checks_docs/.
_HERE = Path(__file__).resolve().parents[2]
DOCS_DIR = next((p for p in (_HERE / "docs" / "checks", _HERE / "checks_docs") if p.is_dir()), _HERE / "docs" / "checks")


def check_page_url(source: str, name: str, base_url: str | None = None) -> str | None:
    """URL of a check's documentation page (`docs/checks/credo/Readability.LargeNumbers.md`)."""
    page = f"{source}/{name}.md"
    if base_url:
        return base_url.rstrip("/") + "/" + page
    path = DOCS_DIR / page
    return path.as_uri() if path.is_file() else None


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
    """Every diagnostic for one document from an analysis result."""
    lines = text.split("\n")
    out = [problem_diagnostic(p, lines) for p in result.problems if p.filename == filename]
    out += [issue_diagnostic(i, lines, docs_base) for i in result.issues if i.filename == filename]
    out += [finding_diagnostic(f, lines, docs_base) for f in result.findings if f.file == filename]
    return out


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
