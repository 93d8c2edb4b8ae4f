"""Feedback about diagnostics: which findings appeared, and which later went away, fixed or suppressed.

Between two publications for the same document, a finding whose count dropped was either
fixed or silenced: when the new text gained a `credo:disable-*` directive or a
`sobelow_skip` naming that check, it counts as suppressed, else as fixed. Line numbers move
as the user types, so findings are compared by (source, check) counts, not by position.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from lsprotocol import types as lsp

from elixir_coder.telemetry.events import EventKind

DiagnosticKey = tuple[str, str]  # (source, check)

_CREDO_DISABLE = re.compile(r"credo:disable-(?:for-this-file|for-next-line|for-lines:\S+|for-previous-line)"
                            r"(?:\s+([\w.]+))?")
_SOBELOW_SKIP = re.compile(r"sobelow_skip\s*\[([^\]]*)\]")


@dataclass(frozen=True)
class DiagnosticChange:
    """One change to report: `count` findings of a check appeared, were fixed, or were suppressed."""

    kind: EventKind
    source: str
    check: str
    count: int


def diagnostic_counts(diagnostics: Iterable[lsp.Diagnostic]) -> Counter[DiagnosticKey]:
    """How many findings of each (source, check) a publication holds."""
    return Counter((d.source or "", str(d.code or "")) for d in diagnostics)


def suppressions(text: str) -> Counter[str]:
    """Check names (short or full) silenced in a text; `*` for a directive that names no check."""
    marks: Counter[str] = Counter()
    for match in _CREDO_DISABLE.finditer(text):
        marks[(match.group(1) or "*").removeprefix("Credo.Check.")] += 1
    for match in _SOBELOW_SKIP.finditer(text):
        for name in re.findall(r'"([^"]+)"', match.group(1)):
            marks[name] += 1
    return marks


def _newly_suppressed(check: str, before: Counter[str], after: Counter[str]) -> bool:
    short = check.removeprefix("Credo.Check.")
    return any(after[name] > before[name] for name in (short, check, "*"))


def diagnostic_changes(
    before: Counter[DiagnosticKey], after: Counter[DiagnosticKey], before_text: str, after_text: str
) -> list[DiagnosticChange]:
    """What changed between two publications of one document."""
    out: list[DiagnosticChange] = []
    marks_before, marks_after = suppressions(before_text), suppressions(after_text)
    for key in sorted(set(before) | set(after)):
        source, check = key
        delta = after[key] - before[key]
        if delta > 0:
            out.append(DiagnosticChange(EventKind.DIAGNOSTIC_PUBLISHED, source, check, delta))
        elif delta < 0:
            kind = (EventKind.DIAGNOSTIC_SUPPRESSED if _newly_suppressed(check, marks_before, marks_after)
                    else EventKind.DIAGNOSTIC_FIXED)
            out.append(DiagnosticChange(kind, source, check, -delta))
    return out
