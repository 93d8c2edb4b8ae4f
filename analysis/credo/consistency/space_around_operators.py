"""Consistency.SpaceAroundOperators: Binary operators surrounded by spaces (`a + b`) or not (`a+b`),
the same everywhere."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from ...ast import operator
from ...checks import CheckContext, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import ConsistencyCheck, FileStyles, literal_spans


def _inside_literal(spans: list[tuple[int, int, str]], starts: list[int], byte: int) -> bool:
    i = bisect.bisect_right(starts, byte) - 1
    return i >= 0 and spans[i][0] <= byte < spans[i][1]


# Token kinds Credo looks at: comparison, relational, +/-, * and /, concatenation, and/or, `=`,
# `<-` and `\\`, `|` and `->`. `|>` and the other arrows, `..`, `//`, `::`, `**`, `when` and
# `in` are left alone.
_SAO_OPERATORS = frozenset({
    "==", "!=", "=~", "===", "!==", "<", ">", "<=", ">=", "+", "-", "*", "/", "++", "--", "+++", "---",
    "<>", "&&", "&&&", "and", "||", "|||", "or", "=", "<-", "\\\\", "|", "->",
})


_SAO_OPERATOR_BYTES = frozenset(op.encode() for op in _SAO_OPERATORS)


_WORD_OPERATORS = frozenset({"and", "or", "not", "in", "when"})


_KEYWORD_TOKENS = frozenset({"end", "do", "fn", "true", "false", "nil", "after", "else", "catch", "rescue"})


_OPERATOR_CHARS = frozenset("=<>!~+-*/|&^\\.:")


_BITSTRING_OPEN = re.compile(rb"(?<![<:?&.])<<(?![<~])")


_SPEC_OR_TYPE = re.compile(rb"@\s*(spec|type)\b")


_CAPTURE_HEAD = re.compile(r"[\s\w.:@!?()]*")


_CALL_IN_CAPTURE = re.compile(r"(\w+[!?]?)\(")


_NUMBER_WITH_SIGN = re.compile(r"(\A\s+|@[a-zA-Z0-9_]+\.?|[|\\{\[(,:><=+\-*/])\s*$")


_NUMBER_IN_RANGE = re.compile(r"^\d+\.\.")


_ARROW_IN_TYPESPEC = re.compile(r"\(\s*$")


_NUMBER_IN_CAPTURE = re.compile(r"[.&][a-z0-9_]+[!?]?$")


_BINARY_TYPES = "(integer|native|signed|unsigned|binary|size|little|float)"


_TYPED_AFTER = re.compile(rf"^\s*{_BINARY_TYPES}")


_TYPED_BEFORE = re.compile(rf"{_BINARY_TYPES}\s*$")


_TRAILING_WORD = re.compile(r"[\w]+[?!]?$")


_TRAILING_OPERATOR = re.compile(r"[=<>!~+\-*/|&^\\.:]+$")


@dataclass(frozen=True)
class _OperatorSite:
    """One operator occurrence with what Credo's token rules need about its neighbours."""

    node: Node
    op: str
    line_no: int
    column: int  # 1-based character column
    line: str
    before: str  # line text before the operator
    after: str  # line text after the operator
    with_space: bool
    without_space: bool


def _prev_kind(before: str) -> str:
    """Kind of the token that ends a line prefix: identifier, number, alias, string, atom, an operator..."""
    text = before.rstrip()
    if not text:
        return "eol"
    last = text[-1]
    if last in "\"'":
        return "string"
    if last in "([{,":
        return last
    if last in ")]}":
        return "close"
    word = _TRAILING_WORD.search(text)
    if word:
        w = word.group(0)
        prefix = text[: word.start()]
        if prefix.endswith(":") and not prefix.endswith("::"):
            return "atom"
        if w[0].isdigit():
            return "number"
        if w[0].isupper():
            return "alias"
        if w in _WORD_OPERATORS:
            return "operator"
        if w in _KEYWORD_TOKENS:
            return "keyword"
        return "identifier"
    if last == ":" and not text.endswith("::") and text[-2:-1].isalnum():
        return "atom"  # a keyword key (`do:`), which Credo also measures one character short
    op = _TRAILING_OPERATOR.search(text)
    if op:
        return "op:" + op.group(0)
    return "other"


def _next_kind(after: str) -> str:
    text = after.lstrip(" \t")
    if not text or text.startswith("#") or text == "\r":
        return "eol"
    first = text[0]
    if first.isdigit():
        return "number"
    if first.isalpha() or first == "_":
        return "alias" if first.isupper() else "identifier"
    return "other"


def _usually_no_space_before(prev: str, op: str) -> bool:
    if op != "-":
        return False
    return prev not in ("identifier", "number") or prev == "op:^"


def _usually_no_space_after(prev: str, op: str, nxt: str) -> bool:
    if op != "-":
        return False
    if prev in ("(", ",") and nxt in ("identifier", "number"):
        return True
    return prev in ("op:^", "op:=", "op:..")


def _capture_skipped(src: SourceFile, node: Node) -> bool:
    """`/` of `&name/2`, `&Mod.fun/2`, `&unquote(f)/1`: Credo drops these tokens before it looks."""
    parent = node.parent
    if parent is None or parent.type != "unary_operator" or operator(src, parent) != "&":
        return False
    op_node = node.child_by_field_name("operator")
    amp = parent.child_by_field_name("operator")
    if op_node is None or amp is None:
        return False
    between = src.data[amp.end_byte : op_node.start_byte].decode("utf-8", "replace")
    if between.strip() and all(ch in _OPERATOR_CHARS for ch in between.strip().rsplit(".", 1)[-1]):
        return True  # `&>=/2`, `&Kernel.+/2`: the operator is read as a function name
    if not _CAPTURE_HEAD.fullmatch(between):
        return False
    return all(m.group(1) == "unquote" for m in _CALL_IN_CAPTURE.finditer(between))


class _OperatorScan:
    """The operator occurrences of one file that Credo's token walk would look at.

    `counts` holds each occurrence's with/without-space verdicts; the details needed to report
    an occurrence (`site`) are only worked out for the ones that are reported.
    """

    def __init__(self, src: SourceFile) -> None:
        self.src = src
        self.entries: list[tuple[Node, Node, bool, bool]] = []
        data = src.data
        spans = literal_spans(src)
        starts = [s for s, _, _ in spans]
        hidden = sorted([(s, e) for s, e, _ in spans] + [(c.start_byte, c.end_byte) for c in src.by_type("comment")])
        hidden_starts = [s for s, _ in hidden]
        skipped = self._spec_lines(src, hidden, hidden_starts)
        cutoff = self._bitstring_cutoff(src, hidden, hidden_starts, skipped)
        for node, op_node in self._operator_nodes(cutoff):
            start, end = op_node.start_byte, op_node.end_byte
            if starts and _inside_literal(spans, starts, start):
                continue  # inside a string's interpolation: Credo's tokens nest it away
            row = op_node.start_point[0]
            if row in skipped and start >= skipped[row]:
                continue
            if data[start - 1 : start] in (b" ", b"\t") and data[end : end + 1] in (b" ", b"\t"):
                line_start = data.rfind(b"\n", 0, start) + 1
                if data[line_start:start].strip():
                    self.entries.append((node, op_node, True, False))
                    continue
            site = self.site(node, op_node)
            if site.with_space or site.without_space:
                self.entries.append((node, op_node, site.with_space, site.without_space))

    @staticmethod
    def _hidden(hidden: list[tuple[int, int]], hidden_starts: list[int], byte: int) -> bool:
        i = bisect.bisect_right(hidden_starts, byte) - 1
        return i >= 0 and hidden[i][0] <= byte < hidden[i][1]

    def _spec_lines(self, src: SourceFile, hidden: list[tuple[int, int]], hidden_starts: list[int]) -> dict[int, int]:
        """0-based row -> byte offset from which a `@spec`/`@type` line is skipped."""
        out: dict[int, int] = {}
        data = src.data
        if b"@" not in data:
            return out
        row, last = 0, 0
        for m in _SPEC_OR_TYPE.finditer(data):
            row += data.count(b"\n", last, m.start())
            last = m.start()
            if not self._hidden(hidden, hidden_starts, m.start()):
                out.setdefault(row, m.start())
        return out

    def _bitstring_cutoff(self, src: SourceFile, hidden: list[tuple[int, int]], hidden_starts: list[int],
                          skipped: dict[int, int]) -> int | None:
        """Byte offset of the first `<<` Credo's walk meets: it stops looking there (it never finds the `>>`)."""
        data = src.data
        if b"<<" not in data:
            return None
        for m in _BITSTRING_OPEN.finditer(data):
            pos = m.start()
            if self._hidden(hidden, hidden_starts, pos):
                continue
            row = data.count(b"\n", 0, pos)
            if row in skipped and pos >= skipped[row]:
                continue
            return pos
        return None

    def _operator_nodes(self, cutoff: int | None) -> Iterator[tuple[Node, Node]]:
        """(operator's parent node, operator token) of the operators Credo's token walk compares."""
        src = self.src
        data = src.data
        limit = cutoff if cutoff is not None else len(data) + 1
        for node in src.by_type("binary_operator"):
            if node.start_byte >= limit:
                break
            op_node: Node | None = node.child(1)
            if op_node is None or op_node.is_named:
                op_node = node.child_by_field_name("operator")
                if op_node is None:
                    continue
            if op_node.start_byte >= limit:
                continue
            op = data[op_node.start_byte : op_node.end_byte]
            if op not in _SAO_OPERATOR_BYTES or (op == b"/" and _capture_skipped(src, node)):
                continue
            yield node, op_node
        for node in src.by_type("unary_operator"):
            if node.start_byte >= limit:
                break
            if data[node.start_byte : node.start_byte + 1] in (b"-", b"+"):
                op_node = node.child(0)
                if op_node is not None:
                    yield node, op_node
        for clause in src.by_type("stab_clause"):
            if clause.start_byte >= limit:
                break
            for child in clause.children:
                if child.type == "->":
                    if child.start_byte < limit:
                        yield clause, child
                    break

    def site(self, node: Node, op_node: Node) -> _OperatorSite:
        """An occurrence with its line text and Credo's verdicts."""
        src = self.src
        op = src.node_text(op_node)
        line_no = op_node.start_point[0] + 1
        line = src.line(line_no)
        column = src.char_column(line_no, op_node.start_point[1])
        before = line[: column - 1]
        after = line[column - 1 + len(op) :]
        prev = _prev_kind(before)
        nxt = _next_kind(after)
        if prev == "eol":
            adj_before = space_before = False
        else:
            space_before = before[-1:] in (" ", "\t")
            adj_before = not space_before
            if adj_before and prev in ("string", "atom"):
                # Credo measures these tokens one character short, so they never touch the operator
                adj_before, space_before = False, True
        if after == "" or after == "\r":
            adj_after, space_after = True, False
        else:
            space_after = after[0] in (" ", "\t")
            adj_after = not space_after
        with_space = space_before or space_after
        without_space = (not _usually_no_space_before(prev, op) and adj_before) or (
            not _usually_no_space_after(prev, op, nxt) and adj_after and nxt != "eol"
        )
        return _OperatorSite(node, op, line_no, column, line, before, after, with_space, without_space)


def _operator_scan(src: SourceFile) -> _OperatorScan:
    cached = getattr(src, "_consistency_operator_scan", None)
    if cached is None:
        cached = _OperatorScan(src)
        src._consistency_operator_scan = cached  # type: ignore[attr-defined]
    return cached


def _minus_in_binary_size(line: str, before: str, after: str) -> bool:
    hits = [
        "<<" in before,
        ">>" in after,
        "::" in before,
        bool(_TYPED_AFTER.search(after)),
        bool(_TYPED_BEFORE.search(before)),
    ]
    return sum(hits) >= 2


def _parameter_in_function_call(src: SourceFile, site: _OperatorSite) -> bool:
    """Credo's check whether the token before a sign is a call (`foo -1`, `assert -1 == x`, `a == -1`)."""
    prev = _prev_kind(site.before)
    if prev.startswith("op:") or prev in ("operator", "alias"):
        return True
    if prev == "identifier":
        parent = site.node.parent
        return site.node.type == "unary_operator" and parent is not None and parent.type == "arguments"
    return False


def _create_issue(src: SourceFile, site: _OperatorSite) -> bool:
    """Credo's exceptions for signs, typespec arrows, capture arities and binary units."""
    op, before = site.op, site.before
    if site.column == 1:
        before = site.line  # Credo's slice `0..-1` takes the whole line here
    if op in ("+", "-"):
        if _NUMBER_WITH_SIGN.search(before) or _NUMBER_IN_RANGE.search(site.after):
            return False
        if op == "-" and _minus_in_binary_size(site.line, before, site.after):
            return False
        return not _parameter_in_function_call(src, site)
    if op == "->":
        return not _ARROW_IN_TYPESPEC.search(before)
    if op == "/":
        return not _NUMBER_IN_CAPTURE.search(before)
    if op == "*":
        return "_::_*" not in site.line
    return True


@register
class SpaceAroundOperators(ConsistencyCheck):
    """Binary operators surrounded by spaces (`a + b`) or not (`a+b`), the same everywhere.

    Each operator counts as `with_space` when a space touches it on either side and as
    `without_space` when it touches a neighbour (signs such as `-1` and `x..-1` excepted).
    Like Credo, `@spec`/`@type` lines, captures like `&fun/2` and everything after the first
    `<<` of a file are left out, and signs, typespec arrows and binary units are not reported.
    """

    name = "Credo.Check.Consistency.SpaceAroundOperators"
    default_params = {"ignore": ["|"]}
    summary = "Use the same spacing around operators everywhere."

    def collect(self, ctx: CheckContext) -> FileStyles:
        counts: Counter[str] = Counter()
        for _, _, with_space, without_space in _operator_scan(ctx.src).entries:
            counts["with_space"] += with_space
            counts["without_space"] += without_space
        return FileStyles(ctx, counts)

    def issues_for(self, expected: Any, found: FileStyles) -> Iterator[Issue]:
        src = found.ctx.src
        ignored = {str(i).lstrip(":") for i in (found.ctx.params.get("ignore") or [])}
        if expected == "with_space":
            message = "Most operators have spaces around them; this one does not."
        else:
            message = "Most operators have no spaces around them; this one does."
        scan = _operator_scan(src)
        for node, op_node, with_space, without_space in scan.entries:
            if not (without_space if expected == "with_space" else with_space):
                continue
            site = scan.site(node, op_node)
            if site.op in ignored or not _create_issue(src, site):
                continue
            yield found.ctx.issue(message, site.line_no, trigger=site.op, column=site.column)
