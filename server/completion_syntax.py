"""Keep ghost text from breaking the file: tree-sitter on the completion spliced into its unit.

The lexical constraints of decoding (model/constrained.py) keep strings, sigils and delimiters
well formed, but they cannot see grammar: an expression cut after an operator or a comma, a
`case` without its `do`, a call left open when the token budget ran out. Here each proposal is
inserted into the unit around the cursor (model/regions.py: the definition or test being
written, with the lines that enclose it) and parsed with tree-sitter, incrementally from the parse of the unit without it. A
proposal that adds ERROR or MISSING nodes is cut back to the longest prefix with the fewest
(block proposals at line ends first, then at lexeme boundaries of their first line), and
dropped when every prefix is worse than proposing nothing.

Counting errors rather than asking "any error?" matters: the user is mid-edit, so the unit
often has an error already (`x = Enum.` before anything follows), and a proposal that fixes it
is welcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Tree

from elixir_coder.analysis.source import count_errors, thread_parser
from elixir_coder.model.regions import unit_around

# A word (identifiers, atoms, attributes, `foo?`, `bar!`), a run of blanks, or one other character.
_LEXEME = re.compile(r"[\w?!@:]+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Checked:
    """A proposal after the syntax check.

    Args:
        text: what to show ("" to show nothing).
        errors_before: error nodes in the unit without the proposal.
        errors_after: error nodes with `text` inserted.
        parses: incremental parses spent on it.
        cut: the check shortened or dropped the proposal.
    """

    text: str
    errors_before: int
    errors_after: int
    parses: int
    cut: bool = False


def cut_points(text: str, multiline: bool) -> list[int]:
    """Where a proposal may be cut, longest first: line ends (block proposals), then lexeme ends.

    Lexeme ends are taken in the first line that has code, so a block proposal whose first line
    is already broken can still keep its start.
    """
    points: set[int] = set()
    if multiline:
        pos = text.find("\n", 1)
        while pos > 0:
            points.add(pos)
            pos = text.find("\n", pos + 1)
    lead = len(text) - len(text.lstrip())
    first_end = text.find("\n", lead)
    first_end = len(text) if first_end < 0 else first_end
    for m in _LEXEME.finditer(text, lead, first_end):
        if not m.group().isspace():
            points.add(m.end())
    return sorted((p for p in points if 0 < p < len(text)), reverse=True)


def _point_after(start: tuple[int, int], inserted: bytes) -> tuple[int, int]:
    """The tree-sitter point (row, byte column) at the end of `inserted` placed at `start`."""
    newlines = inserted.count(b"\n")
    if not newlines:
        return start[0], start[1] + len(inserted)
    return start[0] + newlines, len(inserted) - inserted.rfind(b"\n") - 1


# A unit with more parse errors than this is not Elixir the parser reads (an .eex template opened
# as Elixir: 90 errors; an unfinished rewrite): no cut of a proposal can be judged against it, and
# trying every cut cost 24 parses (~40-57 ms) for one proposal. Such proposals are kept as the
# lexical constraint left them.
UNREADABLE_ERRORS = 10


class SyntaxGuard:
    """Checks proposals against the document's grammar (with this thread's parser).

    Args:
        max_parses: incremental parses at most per proposal; past it the best prefix found so
            far is kept (a bound on latency for long proposals full of broken prefixes).
    """

    def __init__(self, max_parses: int = 24) -> None:
        self.max_parses = max_parses

    def check(self, prefix: str, suffix: str, text: str, multiline: bool) -> Checked:
        """The longest prefix of `text` that adds the fewest syntax errors to the unit around the cursor.

        Args:
            prefix / suffix: the document before and after the cursor.
            text: a proposal to insert at the cursor.
            multiline: a block proposal (cut at line ends first).
        """
        if not text.strip():
            return Checked("", 0, 0, 0, cut=bool(text))
        unit = unit_around(prefix + suffix, len(prefix))
        opener = unit.opener + "\n" if unit.opener else ""
        before = (opener + prefix[unit.start:]).encode("utf-8", "surrogatepass")
        after = (suffix[: max(0, unit.end - len(prefix))] + unit.closer).encode("utf-8", "surrogatepass")
        parser = thread_parser()
        base = parser.parse(before + after)
        base_errors = count_errors(base.root_node)
        if base_errors > UNREADABLE_ERRORS:
            return Checked(text, base_errors, base_errors, 0)  # not Elixir this parser reads: kept as generated
        row = before.count(b"\n")
        at = (row, len(before) - before.rfind(b"\n") - 1)

        def errors_with(candidate: str) -> int:
            inserted = candidate.encode("utf-8", "surrogatepass")
            edited: Tree = base.copy()
            edited.edit(start_byte=len(before), old_end_byte=len(before), new_end_byte=len(before) + len(inserted),
                        start_point=at, old_end_point=at, new_end_point=_point_after(at, inserted))
            return count_errors(parser.parse(before + inserted + after, edited).root_node)

        # Nothing proposed leaves the unit as it is; a candidate must do at least as well, and a
        # shorter one replaces a longer only with strictly fewer errors.
        best, best_errors, parses = "", base_errors, 0
        for cut in [len(text), *cut_points(text, multiline)]:
            if parses >= self.max_parses:
                break
            candidate = text[:cut].rstrip()
            if not candidate.strip():
                continue
            errors = errors_with(candidate)
            parses += 1
            if errors < best_errors or (errors == best_errors and not best):
                best, best_errors = candidate, errors
                if best_errors == 0:
                    break
        if best == text.rstrip():
            return Checked(text, base_errors, best_errors, parses)  # kept exactly as generated
        return Checked(best, base_errors, best_errors, parses, cut=True)
