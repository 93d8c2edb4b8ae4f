"""Design.DuplicatedCode: the same AST subtree (above a size threshold) in more than one place.

Credo hashes every subtree of every file's AST whose mass (number of tuples) reaches
`mass_threshold`, keeps hashes seen more than once, drops those that are only parts of a
larger duplicate, and reports each file's first occurrence, naming the other places.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...quoted import Atom, Q, quoted, structural_key

# Credo prunes sub-duplicates with its default threshold, whatever the configured one is.
_PRUNE_THRESHOLD = 40


def _collect(term: Any, threshold: int, out: list[tuple[Any, Any]]) -> int:
    """Append (key, term) for every subterm of at least `threshold` mass, in prewalk order; return the mass.

    A triple's argument list is not a node of its own in Macro.prewalk (only its elements are).
    """
    slot = len(out)
    out.append((None, None))  # reserve this term's place so the order stays prewalk order
    if isinstance(term, Q):
        total = 1 + (_collect(term.form, threshold, out) if isinstance(term.form, Q) else 0)
        if isinstance(term.args, list):
            total += sum(_collect(a, threshold, out) for a in term.args)
    elif isinstance(term, tuple):
        total = 1 + sum(_collect(t, threshold, out) for t in term)
    elif isinstance(term, list):
        total = sum(_collect(t, threshold, out) for t in term)
    else:
        total = 0
    out[slot] = (structural_key(term), term) if total >= threshold else (None, total)
    return total


def subtree_hashes(term: Any, threshold: int) -> list[tuple[Any, Any]]:
    """(key, subterm) of every subterm with at least `threshold` mass, in prewalk order."""
    found: list[tuple[Any, Any]] = []
    _collect(term, threshold, found)
    return [(k, t) for k, t in found if k is not None]


def _file_hashes(ctx: CheckContext, threshold: int) -> list[tuple[Any, Any]]:
    """A file's subtree hashes, kept on its SourceFile: the editor's project analysis reruns this
    check after every save from cached files, so only changed files are hashed again."""
    memo = ctx.src.__dict__.setdefault("_duplicated_code_hashes", {})
    if threshold not in memo:
        memo[threshold] = subtree_hashes(quoted(ctx.src), threshold)
    return memo[threshold]


def _mass(term: Any) -> int:
    return _collect(term, 1 << 30, [])


def line_no_for(term: Any) -> int | None:
    """Where Credo reports a duplicated subtree (its `line_no_for/1`)."""
    if isinstance(term, Q):
        if term.form == "__block__":
            return line_no_for(term.args or [])
        if isinstance(term.form, str):
            return term.line
        return line_no_for(_do_block(term.args))
    if isinstance(term, tuple) and len(term) == 2 and term[0] == Atom("do"):
        return line_no_for(term[1])
    if isinstance(term, list):
        for item in term:
            line = line_no_for(item)
            if line is not None:
                return line
    return None


def _do_block(args: Any) -> Any:
    if isinstance(args, list):
        for arg in args:
            if isinstance(arg, list):
                for pair in arg:
                    if isinstance(pair, tuple) and len(pair) == 2 and pair[0] == Atom("do"):
                        return pair[1]
    return None


def _create_issue(term: Any, excluded: set[str]) -> bool:
    if isinstance(term, Q) and term.form == "@":
        return False  # similar module attributes are not reported
    if (isinstance(term, list) and len(term) == 1 and isinstance(term[0], tuple)
            and term[0][0] == Atom("do") and isinstance(term[0][1], Q)):
        term = term[0][1]
    if isinstance(term, Q) and isinstance(term.form, str) and isinstance(term.args, list):
        return term.form not in excluded
    return True


@register
class DuplicatedCode(CredoCheck):
    """Identical code (by AST, at least `mass_threshold` big) in `nodes_threshold` or more places."""

    name = "Credo.Check.Design.DuplicatedCode"
    category = "design"
    base_priority = "higher"
    default_params = {"mass_threshold": 40, "nodes_threshold": 2, "excluded_macros": []}
    enabled_by_default = False
    summary = "Code is duplicated; extract the shared part."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        yield from self.run_project([ctx])

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        if not contexts:
            return
        params = contexts[0].params
        threshold = int(params.get("mass_threshold", 40))
        nodes_threshold = int(params.get("nodes_threshold", 2))
        excluded = {str(m).lstrip(":") for m in params.get("excluded_macros") or []}
        groups: dict[Any, list[tuple[CheckContext, Any]]] = {}
        for ctx in contexts:
            for key, term in _file_hashes(ctx, threshold):
                groups.setdefault(key, []).append((ctx, term))
        dupes = {k: v for k, v in groups.items() if len(v) > 1}
        pruned: set[Any] = set()
        for key, items in dupes.items():
            first = items[0][1]
            pruned.update(k for k, _ in subtree_hashes(first, _PRUNE_THRESHOLD) if k != key)
        for key, items in dupes.items():
            if key in pruned:
                continue
            yield from self._issues_for(items, nodes_threshold, excluded)

    def _issues_for(self, items: list[tuple[CheckContext, Any]], nodes_threshold: int,
                    excluded: set[str]) -> Iterator[Issue]:
        seen_files: set[str] = set()
        for index, (ctx, term) in enumerate(items):
            if ctx.src.filename in seen_files:
                continue
            seen_files.add(ctx.src.filename)
            others = items[:index] + items[index + 1 :]
            if len(others) < nodes_threshold - 1 or not _create_issue(term, excluded):
                continue
            places = ", ".join(f"{c.src.filename}:{_fmt_line(line_no_for(t))}" for c, t in others)
            yield ctx.issue(f"Duplicate code found in {places} (mass: {_mass(term)}).", line_no_for(term))


def _fmt_line(line: int | None) -> str:
    return "" if line is None else str(line)
