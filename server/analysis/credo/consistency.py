"""Credo's Consistency checks: find the style most of the project uses and report the places that differ.

Each check collects a style per occurrence across every analysed file (`run_project`), takes
the most common one (or the `force:` param), and reports occurrences of the others.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from ..ast import ancestors, call_args, calls_named, def_head, local_call_name, module_name, operator
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ._shared import defs
from .readability import _literals


@dataclass(frozen=True)
class _Occurrence:
    ctx: CheckContext
    style: str
    line: int
    trigger: str | None = None
    column: int | None = None
    node: Node | None = None  # when set, line and column are read from it only if reported


class _ConsistencyCheck(CredoCheck):
    """Shared rule: report the occurrences whose style differs from the project's majority (or `force`)."""

    category = "consistency"
    base_priority = "high"
    default_params = {"force": None}
    messages: dict[str, str] = {}

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        """Occurrences with their style in one file."""
        raise NotImplementedError

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        yield from self.run_project([ctx])

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        occurrences = [o for ctx in contexts for o in self.collect(ctx)]
        if not occurrences:
            return
        forced = contexts[0].params.get("force") if contexts else None
        if forced:
            expected = str(forced).lstrip(":")
        else:
            counts = Counter(o.style for o in occurrences)
            if len(counts) < 2:
                return
            # ties keep the first style seen, like a stable sort by frequency
            expected = max(counts, key=lambda s: (counts[s], -next(i for i, o in enumerate(occurrences)
                                                                      if o.style == s)))
        for o in occurrences:
            if o.style != expected:
                line, column = o.line, o.column
                if o.node is not None:
                    line, column = o.ctx.src.line_of(o.node), o.ctx.src.column_of(o.node)
                yield o.ctx.issue(self.messages.get(expected, f"Inconsistent style: expected {expected}."), line,
                                  trigger=o.trigger, column=column)


@register
class ParameterPatternMatching(_ConsistencyCheck):
    """Pattern matches in function parameters: the variable on the same side everywhere."""

    name = "Credo.Check.Consistency.ParameterPatternMatching"
    summary = "Put the variable on the same side of pattern matches in parameters."
    messages = {
        "before": "Pattern matching should be consistent: put the variable on the left (`var = %{}`).",
        "after": "Pattern matching should be consistent: put the variable on the right (`%{} = var`).",
    }
    _PATTERNS = frozenset({"map", "struct", "list", "tuple", "binary_operator", "bitstring", "string", "charlist"})

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        src = ctx.src
        for call, _kind in defs(src, frozenset({"def", "defp", "defmacro", "defmacrop"})):
            head = def_head(src, call)
            if head is None:
                continue
            for param in head[1]:
                if param.type != "binary_operator" or operator(src, param) != "=":
                    continue
                left, right = param.child_by_field_name("left"), param.child_by_field_name("right")
                if left is None or right is None:
                    continue
                # `_name = pattern` only documents an ignored value; it takes no side
                if src.node_text(left).startswith("_") or src.node_text(right).startswith("_"):
                    continue
                if left.type == "identifier" and right.type in self._PATTERNS:
                    yield _Occurrence(ctx, "before", src.line_of(param), src.node_text(left))
                elif right.type == "identifier" and left.type in self._PATTERNS:
                    yield _Occurrence(ctx, "after", src.line_of(param), src.node_text(right))


@register
class LineEndings(_ConsistencyCheck):
    """Unix (`\\n`) or Windows (`\\r\\n`) line endings, the same in every file."""

    name = "Credo.Check.Consistency.LineEndings"
    summary = "Use the same line endings in every file."
    messages = {"unix": "File is using windows line endings while most of the files use unix line endings.",
                "windows": "File is using unix line endings while most of the files use windows line endings."}

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        src = ctx.src
        if "\n" not in src.text:
            return
        windows = src.text.count("\r\n")
        style = "windows" if windows > src.text.count("\n") / 2 else "unix"
        yield _Occurrence(ctx, style, 1)


@register
class TabsOrSpaces(_ConsistencyCheck):
    """Indentation with spaces or with tabs, the same everywhere."""

    name = "Credo.Check.Consistency.TabsOrSpaces"
    summary = "Indent with the same character everywhere."
    messages = {"spaces": "File is using tabs while most of the files use spaces for indentation.",
                "tabs": "File is using spaces while most of the files use tabs for indentation."}

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        src = ctx.src
        literals = _literals(src)
        for line_no, line in enumerate(src.lines, 1):
            if line[:1] not in (" ", "\t") or not line.strip():
                continue
            if literals.contains(literals.offset(line_no, 0)):
                continue
            yield _Occurrence(ctx, "tabs" if line[0] == "\t" else "spaces", line_no)


_PAREN_WITH_SPACE = re.compile(r"[(\[{] +\S|\S +[)\]}]")


@register
class SpaceInParentheses(_ConsistencyCheck):
    """Spaces just inside parentheses and brackets (`( x )`) or none (`(x)`), the same everywhere."""

    name = "Credo.Check.Consistency.SpaceInParentheses"
    default_params = {"force": None, "allow_empty_enums": False}
    summary = "Use the same spacing inside parentheses everywhere."
    messages = {"without_space": "There is no whitespace around parentheses/brackets most of the time, "
                                 "but here there is.",
                "with_space": "There is whitespace around parentheses/brackets most of the time, but here there is not."}

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        src = ctx.src
        literals = _literals(src)
        for line_no, line in enumerate(src.lines, 1):
            code = line.split("#", 1)[0] if "#" in line and '"' not in line else line
            for m in re.finditer(r"([(\[{])( *)(?=\S)|(?<=\S)( *)([)\]}])", code):
                start = m.start()
                if m.group(1) and start > 0 and code[start - 1] == "?":
                    continue  # `?(` is a character literal
                if literals.contains(literals.offset(line_no, len(line[:start].encode()))):
                    continue
                spaces = m.group(2) if m.group(1) else m.group(3)
                inner_empty = (m.group(1) and code[m.end():m.end() + 1] in ")]}") or (
                    m.group(4) and code[m.start() - 1:m.start()] in "([{"
                )
                if inner_empty:
                    continue
                yield _Occurrence(ctx, "with_space" if spaces else "without_space", line_no,
                                  trigger=(m.group(1) or m.group(4)))


# `::` is left out: bitstring modifiers (`size::8`) are written without spaces by convention.
_SPACED_OPERATORS = frozenset({"=", "==", "!=", "===", "!==", "<", ">", "<=", ">=", "&&", "||", "<>", "++", "--",
                               "|>", "<-", "->", "=~", "*", "+", "-"})
_SPACED_OPERATOR_BYTES = frozenset(op.encode() for op in _SPACED_OPERATORS)


@register
class SpaceAroundOperators(_ConsistencyCheck):
    """Binary operators surrounded by spaces (`a + b`) or not (`a+b`), the same everywhere."""

    name = "Credo.Check.Consistency.SpaceAroundOperators"
    default_params = {"force": None, "ignore": ["|"]}
    summary = "Use the same spacing around operators everywhere."
    messages = {"with_space": "There are spaces around operators most of the time, but not here.",
                "without_space": "There are no spaces around operators most of the time, but here there are."}

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        src = ctx.src
        data = src.data
        spaced_ops = _SPACED_OPERATOR_BYTES
        for node in src.by_type("binary_operator"):
            op_node = node.child_by_field_name("operator")
            if op_node is None:
                continue
            start, end = op_node.start_byte, op_node.end_byte
            op = data[start:end]
            if op not in spaced_ops:
                continue
            before = data[start - 1 : start]
            after = data[end : end + 1]
            if before == b"\n" or after in (b"\n", b"\r"):
                continue
            spaced_before = before in (b" ", b"\t")
            spaced_after = after in (b" ", b"\t")
            if spaced_before != spaced_after:
                continue
            if not spaced_before and op in (b"-", b"+", b"*"):
                # `size(n)-binary` modifiers and `a-1` inside ranges are idiomatic; count only plain arithmetic
                if any(a.type == "binary_operator" and operator(src, a) in ("..", "::", "//") for a in ancestors(node)):
                    continue
            style = "with_space" if spaced_before else "without_space"
            yield _Occurrence(ctx, style, 0, trigger=op.decode(), node=op_node)


@register
class ExceptionNames(_ConsistencyCheck):
    """Exception module names share one prefix or suffix (usually `Error`)."""

    name = "Credo.Check.Consistency.ExceptionNames"
    default_params = {}
    summary = "Exception names should share a common prefix or suffix."

    def collect(self, ctx: CheckContext) -> Iterator[_Occurrence]:
        src = ctx.src
        for call in calls_named(src, "defexception"):
            if call.parent is None or call.parent.type != "do_block":
                continue
            mod: Node | None = call.parent
            while mod is not None and not (mod.type == "call" and local_call_name(src, mod) == "defmodule"):
                mod = mod.parent
            if mod is None:
                continue
            name = module_name(src, mod)
            if not name:
                continue
            last = name.split(".")[-1]
            words = re.findall(r"[A-Z][a-z0-9]*", last) or [last]
            yield _Occurrence(ctx, words[-1], src.line_of(mod), trigger=name)

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        occurrences = [o for ctx in contexts for o in self.collect(ctx)]
        if len(occurrences) < 3:
            return
        counts = Counter(o.style for o in occurrences)
        suffix, n = counts.most_common(1)[0]
        if n * 2 <= len(occurrences):
            return
        for o in occurrences:
            if o.style != suffix:
                yield o.ctx.issue(f"Exception modules should be named consistently: most end in `{suffix}`.",
                                  o.line, trigger=o.trigger)


__all__ = ["call_args"]
