"""Hover on a diagnostic: its explanation (`explain.py`), or the check's summary and page sections as a fallback."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types as lsp

from elixir_coder.analysis.check_pages import check_page_path
from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.runner import AnalysisResult
from elixir_coder.assist.explain import explain

from .code_actions import finding_for, issue_for

# Page sections a hover quotes (Credo pages: What it finds / Why it matters / How to fix;
# Sobelow pages: What it finds / The attack / How to fix).
_QUOTED = ("what", "why", "how", "the attack")
_HEADING = re.compile(r"^## +(.+?)\s*$", re.M)


@functools.lru_cache(maxsize=256)
def page_sections(source: str, code: str) -> tuple[tuple[str, str], ...]:
    """(heading, body) of the quoted sections of a check's page; empty when there is no page."""
    path = check_page_path(source, code)
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    heads = list(_HEADING.finditer(text))
    out = []
    for n, m in enumerate(heads):
        heading = m.group(1)
        if not heading.lower().startswith(_QUOTED):
            continue
        end = heads[n + 1].start() if n + 1 < len(heads) else len(text)
        body = text[m.end() : end].strip()
        if body:
            out.append((heading, body))
    return tuple(out)


@functools.lru_cache(maxsize=256)
def check_summary(source: str, code: str) -> str:
    """The check's one-line summary (Credo check class) or title (Sobelow finding type); '' when unknown."""
    try:
        if source == "credo":
            from elixir_coder.analysis.checks import find_check

            cls = find_check(code)
            return cls.summary if cls is not None else ""
        if source == "sobelow":
            from elixir_coder.analysis.sobelow.base import FINDING_TYPES

            return next((t.title for t in FINDING_TYPES if code in (t.name, t.module)), "")
    except Exception:  # noqa: BLE001 - a check module still being written must not break hover
        return ""
    return ""


def hover_markdown(source: str, code: str, message: str, url: str | None = None) -> str:
    """Markdown for one diagnostic: name, message, summary, the page's sections and a link to it."""
    title = f"[{code}]({url})" if url else code
    parts = [f"**{title}** ({source})", message]
    summary = check_summary(source, code)
    if summary and summary.strip() != message.strip():
        parts.append(f"_{summary}_")
    for heading, body in page_sections(source, code):
        parts.append(f"**{heading}**\n\n{body}")
    return "\n\n".join(parts)


def _contains(rng: lsp.Range, pos: lsp.Position) -> bool:
    start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    return start <= (pos.line, pos.character) <= end


def explained_markdown(diag: lsp.Diagnostic, text: str, result: AnalysisResult, filename: str,
                       root: Path | None = None) -> str | None:
    """The full explanation (`explain.py`) of the finding behind a diagnostic, None when it cannot be matched."""
    target: Issue | Finding | None = (issue_for(diag, result, filename) if diag.source == "credo"
                                      else finding_for(diag, result))
    if target is None:
        return None
    return explain(target, text, result, filename=filename, root=root).to_markdown()


def hover_for(diagnostics: Sequence[lsp.Diagnostic], position: lsp.Position, text: str | None = None,
              result: AnalysisResult | None = None, filename: str = "", root: Path | None = None) -> lsp.Hover | None:
    """Hover for the published diagnostics whose range holds the position (None when none does).

    With the document's `text` and its analysis `result`, each diagnostic gets its full explanation
    (What, Why, How to fix, an example from the user's code; for Sobelow the weakness, attack and
    data flow); otherwise the page's sections are quoted.
    """
    hits = [d for d in diagnostics if d.source in ("credo", "sobelow") and _contains(d.range, position)]
    if not hits:
        return None
    parts = []
    for d in hits:
        full = explained_markdown(d, text, result, filename, root) if text is not None and result is not None else None
        parts.append(full or hover_markdown(str(d.source), str(d.code), d.message,
                                            d.code_description.href if d.code_description else None))
    start = min((d.range.start for d in hits), key=lambda p: (p.line, p.character))
    end = max((d.range.end for d in hits), key=lambda p: (p.line, p.character))
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=lsp.Range(start, end),
    )
