"""Checked proposals: ghost text that would add an analyzer finding is cut back or dropped.

Before a proposal is shown, the enclosing unit (model/regions.py, the definition being written)
is analysed with and without it: the module's head (its `defmodule` line and directives, so
that `use MyAppWeb, :controller` still marks a controller), the unit, then the module's `end`s.
The checks are Credo's warning category (those on by default, plus `UnsafeToAtom`) and Sobelow's
call-site checks (`String.to_atom` on params, `raw/1`, interpolated SQL, `File` on user paths,
...). A proposal that raises the count of any check is cut back, longest first, to the longest
prefix that adds nothing (the cut points of the syntax check); when none does, it is dropped.

The analysis without the proposal is remembered per unit text, so typing through one unit pays
for it once.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from dataclasses import dataclass

from elixir_coder.analysis.checks import CheckContext, CredoCheck, load_checks
from elixir_coder.analysis.sobelow.base import file_meta
from elixir_coder.analysis.sobelow.callsite import scan_file
from elixir_coder.analysis.source import SourceFile, count_errors
from elixir_coder.model.regions import unit_around

from .completion_syntax import UNREADABLE_ERRORS, cut_points
from .workspace import module_header

log = logging.getLogger(__name__)

# Off by default in Credo, but exactly the warning a completion must not introduce.
EXTRA_CHECKS = frozenset({"Credo.Check.Warning.UnsafeToAtom"})
# A proposal cut after one of these continues into the next line's code.
_DANGLING = frozenset(".|,(=+-*/<>&[{:\\")
# What may follow a whole operand.
_FOLLOWERS = ("\n", "|>", "<>", "++", "--", "||", "&&", "and ", "or ", ",", ")", "]", "}", "->", "when ", "do", "=",
              "+", "-", "*", "/", "==", "!=", "<", ">")


@dataclass(frozen=True)
class FindingCheck:
    """A proposal after the analyzer check.

    Args:
        text: what to show ("" to show nothing).
        added: the findings the original proposal added (check or Sobelow type names).
        runs: analyses spent on it (the one without the proposal not counted when remembered).
        cut: the check shortened or dropped the proposal.
    """

    text: str
    added: tuple[str, ...] = ()
    runs: int = 0
    cut: bool = False


def _between_expressions(text: str, cut: int) -> bool:
    """Whether cutting `text` at `cut` ends a whole operand: `f(x)` before ` |> g()`, not `IO` before
    `.inspect` nor `x |>` (which would parse as a call on the next line's code)."""
    before, after = text[:cut].rstrip(), text[cut:].lstrip(" \t")
    if not before or before[-1] in _DANGLING:
        return False
    return not after or after.startswith(_FOLLOWERS)


def _warning_checks() -> list[CredoCheck]:
    checks = []
    for name, cls in sorted(load_checks().items()):
        if cls.category == "warning" and (cls.enabled_by_default or name in EXTRA_CHECKS):
            checks.append(cls())
    return checks


class FindingGuard:
    """Runs Credo's warning checks and Sobelow's call-site checks on a proposal's unit.

    Args:
        max_runs: analyses at most per proposal (each cut point costs one).
        filename: the name findings are reported under (Sobelow reads `.ex` files only).
    """

    def __init__(self, max_runs: int = 6, filename: str = "lib/proposal.ex") -> None:
        self.max_runs = max_runs
        self.filename = filename
        self.checks = _warning_checks()
        self._params = {id(c): c.params_with(None) for c in self.checks}
        self._base: OrderedDict[str, Counter[str]] = OrderedDict()

    def findings(self, text: str) -> Counter[str]:
        """Finding counts of an Elixir text, by check (Credo) or type (Sobelow); parse errors under "syntax"."""
        src = SourceFile(self.filename, text)
        counts: Counter[str] = Counter()
        if src.root is None or src.tree is None:
            return counts
        # A cut that breaks the parse hides findings rather than removing them: it counts as one.
        counts["syntax"] = count_errors(src.tree.root_node)
        for check in self.checks:
            try:
                for issue in check.run_project([CheckContext(src, check, self._params[id(check)])]):
                    counts[issue.check] += 1
            except Exception:  # noqa: BLE001 - one faulty check must not block completions
                log.exception("check %s failed on a proposal", check.name)
        for finding in scan_file(file_meta(src), frozenset(), True):
            counts[finding.type_name] += 1
        return counts

    def _baseline(self, text: str) -> tuple[Counter[str], int]:
        cached = self._base.get(text)
        if cached is not None:
            self._base.move_to_end(text)
            return cached, 0
        counts = self.findings(text)
        self._base[text] = counts
        while len(self._base) > 32:
            self._base.popitem(last=False)
        return counts, 1

    def check(self, prefix: str, suffix: str, text: str, multiline: bool) -> FindingCheck:
        """The longest prefix of `text` that adds no finding to its unit ("" when none does).

        Args:
            prefix / suffix: the document before and after the cursor.
            text: a proposal to insert at the cursor.
            multiline: a block proposal (cut at line ends first).
        """
        if not text.strip():
            return FindingCheck(text)
        unit = unit_around(prefix + suffix, len(prefix))
        header = module_header(prefix[: unit.start])
        modules = sum(1 for line in header.split("\n") if line.lstrip().startswith(("defmodule", "defprotocol")))
        before = (header + "\n" if header else "") + prefix[unit.start:]
        after = suffix[: max(0, unit.end - len(prefix))] + "\n" + "end\n" * modules
        base, runs = self._baseline(before + after)
        if base["syntax"] > UNREADABLE_ERRORS:
            return FindingCheck(text, (), runs)  # the checks cannot read the unit: nothing to compare
        added: tuple[str, ...] = ()
        for cut in [len(text), *cut_points(text, multiline)]:
            if runs >= self.max_runs:
                break
            candidate = text[:cut].rstrip()
            if not candidate.strip() or (cut != len(text) and not _between_expressions(text, cut)):
                continue
            counts = self.findings(before + candidate + after)
            runs += 1
            grew = tuple(sorted(k for k, n in counts.items() if n > base.get(k, 0)))
            if cut == len(text):
                added = grew
            if not grew:
                return FindingCheck(text if cut == len(text) else candidate, added, runs, cut != len(text))
        return FindingCheck("", added, runs, True)
