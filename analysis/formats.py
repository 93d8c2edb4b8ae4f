"""Output formats for analysis results: text, our JSON, and the exact JSON of `mix credo` / `mix sobelow`."""

from __future__ import annotations

import json
from typing import Any

from .issues import Finding, Issue
from .runner import AnalysisResult

SOBELOW_VERSION = "0.13.0"

# `mix credo` exits with a bit per category that has issues.
CATEGORY_EXIT_BITS = {"consistency": 1, "design": 2, "readability": 4, "refactor": 8, "warning": 16}
SOBELOW_EXIT_BIT = 32

_CATEGORY_LETTER = {"consistency": "C", "design": "D", "readability": "R", "refactor": "F", "warning": "W"}


def credo_json(issues: list[Issue]) -> dict[str, Any]:
    """The document `mix credo --format json` prints."""
    return {"issues": [i.to_credo_json() for i in issues]}


def sobelow_json(findings: list[Finding], version: str = SOBELOW_VERSION) -> dict[str, Any]:
    """The document `mix sobelow --format json` prints (key order and grouping as Sobelow's)."""
    from .sobelow.runner import to_sobelow_json

    return to_sobelow_json(findings, version)


def combined_json(result: AnalysisResult) -> dict[str, Any]:
    """ElixirCoder's own JSON: Credo issues, Sobelow findings and per-file problems together."""
    return {
        "engine": result.engine,
        "files": len(result.files),
        "issues": [i.to_credo_json() for i in result.issues],
        "findings": [{**f.to_sobelow_json(), "confidence": f.confidence, "id": f.type_id} for f in result.findings],
        "problems": [
            {"filename": p.filename, "line": p.line, "column": p.column, "kind": p.kind, "message": p.message}
            for p in result.problems
        ],
    }


def text_report(result: AnalysisResult) -> str:
    """One line per issue, finding and problem (`file:line:col: [R] Check: message`), then a summary."""
    lines: list[str] = []
    for p in result.problems:
        lines.append(f"{p.filename}:{p.line}:{p.column}: [E] {p.kind}: {p.message}")
    for i in result.issues:
        col = f":{i.column}" if i.column else ""
        letter = _CATEGORY_LETTER.get(i.category, "?")
        lines.append(f"{i.filename}:{i.line_no}{col}: [{letter}] {i.short_name}: {i.message}")
    for f in result.findings:
        lines.append(f"{f.file}:{f.line}: [S] {f.type} ({f.confidence} confidence)")
    lines.append(
        f"Analysed {len(result.files)} files: {len(result.issues)} Credo issues, "
        f"{len(result.findings)} Sobelow findings, {len(result.problems)} files with problems."
    )
    return "\n".join(lines) + "\n"


def render(result: AnalysisResult, fmt: str) -> str:
    """Render a result in one of: text, json, credo-json, sobelow-json."""
    if fmt == "text":
        return text_report(result)
    if fmt == "json":
        doc = combined_json(result)
    elif fmt == "credo-json":
        doc = credo_json(result.issues)
    elif fmt == "sobelow-json":
        doc = sobelow_json(result.findings)
    else:
        raise ValueError(f"unknown format {fmt!r} (text, json, credo-json, sobelow-json)")
    return json.dumps(doc, indent=2) + "\n"


def exit_status(result: AnalysisResult) -> int:
    """Exit status like `mix credo`: a bit per Credo category with issues, plus 32 for Sobelow findings."""
    status = 0
    for issue in result.issues:
        status |= CATEGORY_EXIT_BITS.get(issue.category, 0)
    if result.findings:
        status |= SOBELOW_EXIT_BIT
    return status
