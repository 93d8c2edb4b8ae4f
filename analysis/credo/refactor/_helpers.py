"""Helpers shared by several Refactor checks."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterator

from tree_sitter import Node

from ...ast import arguments_node, call_args, calls_named, do_block, remote_call, remote_calls_to
from ...checks import CheckContext, CredoCheck
from ...issues import Issue
from ...source import SourceFile

# --------------------------------------------------------------------------------------------
# Small tree helpers (tree-sitter nodes read as the Elixir AST Credo walks)
# --------------------------------------------------------------------------------------------

DEF_OPS = ("def", "defp", "defmacro")


START = operator.attrgetter("start_byte")


BLOCK_TYPES = frozenset({"else_block", "rescue_block", "catch_block", "after_block"})


def _op(node: Node) -> str | None:
    """Operator of a binary/unary operator node (the operator token's type is its text)."""
    tok = node.child_by_field_name("operator")
    return tok.type if tok is not None else None


def op_line(node: Node) -> int:
    """Line of an operator node's operator token: Credo reports operators there."""
    tok = node.child_by_field_name("operator")
    return (tok or node).start_point[0] + 1


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _named(node: Node) -> list[Node]:
    """Named children without comments."""
    return [c for c in node.named_children if c.type != "comment"]


def unparen(node: Node) -> Node:
    """`(expr)` is just `expr` in the Elixir AST."""
    while node.type == "block":
        inner = _named(node)
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def kw_key(src: SourceFile, pair: Node) -> str:
    key = pair.child_by_field_name("key")
    if key is None:
        return ""
    return src.node_text(key).strip().rstrip(":").strip().strip('"')


def keyword_entries(src: SourceFile, node: Node) -> list[tuple[str, list[Node]]]:
    """(key, value nodes) of a `keywords` node or of a `do ... end` block, in source order.

    Both are keyword lists in the Elixir AST: `[do: body, else: other]`.
    """
    if node.type == "keywords":
        out = []
        for pair in node.named_children:
            if pair.type == "pair":
                value = pair.child_by_field_name("value")
                out.append((kw_key(src, pair), [value] if value is not None else []))
        return out
    entries: list[tuple[str, list[Node]]] = [("do", [])]
    for child in node.named_children:
        if child.type == "comment":
            continue
        if child.type in BLOCK_TYPES:
            entries.append((child.type[:-6], _named(child)))
        elif len(entries) == 1:
            entries[0][1].append(child)
    return entries


def args_of(call: Node) -> Node | None:
    """The `arguments` child of a call (usually the child right after the target)."""
    second = call.named_child(1) if call.named_child_count > 1 else None
    if second is not None and second.type == "arguments":
        return second
    if second is not None and second.type == "do_block":
        return None
    return arguments_node(call)


def call_lists(call: Node) -> tuple[list[Node], list[Node]]:
    """(positional argument nodes, keyword-list nodes) of a call; the do block is a keyword list."""
    positional: list[Node] = []
    lists: list[Node] = []
    args = args_of(call)
    if args is not None:
        for child in args.named_children:
            if child.type == "keywords":
                lists.append(child)
            elif child.type != "comment":
                positional.append(child)
    block = do_block(call)
    if block is not None:
        lists.append(block)
    return positional, lists


def block_value(src: SourceFile, call: Node, key: str) -> list[Node] | None:
    """Value nodes of `key` (`do`, `else`, ...) in the call's keyword lists, or None without one."""
    for kw in call_lists(call)[1]:
        for k, value in keyword_entries(src, kw):
            if k == key:
                return value
    return None


def _is_negation(node: Node) -> str | None:
    """`!x` / `not x` (and `a not in b`, which is `not(a in b)`): the negator, else None."""
    if node.type == "unary_operator":
        op = _op(node)
        if op in ("!", "not"):
            return op
    elif node.type == "binary_operator" and _op(node) == "not in":
        return "not"
    return None


def negation_operand(node: Node) -> Node | None:
    if node.type == "unary_operator":
        inner = _named(node)
        return unparen(inner[-1]) if inner else None
    return None


def _defs(src: SourceFile) -> list[Node]:
    return calls_named(src, *DEF_OPS)


LEAF = ("leaf",)


CC_CALLS = ("def", "defp", "defmacro", "if", "unless", "for", "try")


def clause_count(src: SourceFile, call: Node) -> int:
    """How many branches Credo counts for a case/cond: the entries of its do block."""
    value = block_value(src, call, "do")
    if value is None:
        return 0
    if len(value) == 1:
        only = value[0]
        if only.type == "list":
            return len(_named(only))
        if only.type == "nil":
            return 0
    if value and all(v.type == "stab_clause" for v in value):
        return len(value)
    return 1  # a single expression, or a block of several


class ComplexityIndex:
    """Per-file positions of everything Credo's cyclomatic complexity scores.

    An upper bound per definition comes from position counts alone (every binary operator,
    every stab clause); only definitions that might exceed the limit get the exact count, with
    each operator's kind read from the tree and each case/cond's clauses counted.
    """

    _BOOLEAN = frozenset({"and", "or", "&&", "||"})

    def __init__(self, src: SourceFile) -> None:
        self.src = src
        self.calls = sorted(c.start_byte for name in CC_CALLS for c in calls_named(src, name))
        self.branchy = [c for name in ("case", "cond") for c in calls_named(src, name)]
        self.branchy.sort(key=START)
        self.branchy_starts = [c.start_byte for c in self.branchy]
        self.clauses = [c.start_byte for c in src.by_type("stab_clause")]
        self.operators = src.by_type("binary_operator")
        self.operator_starts = [n.start_byte for n in self.operators]
        self._boolean: dict[int, bool] = {}

    @staticmethod
    def _count(seq: list[int], lo: int, hi: int) -> int:
        return bisect.bisect_left(seq, hi) - bisect.bisect_left(seq, lo)

    def upper_bound(self, node: Node) -> int:
        lo, hi = node.start_byte, node.end_byte
        return (self._count(self.calls, lo, hi) + self._count(self.clauses, lo, hi)
                + self._count(self.operator_starts, lo, hi))

    def exact(self, node: Node) -> int:
        lo, hi = node.start_byte, node.end_byte
        total = self._count(self.calls, lo, hi)
        i, j = bisect.bisect_left(self.branchy_starts, lo), bisect.bisect_left(self.branchy_starts, hi)
        total += sum(clause_count(self.src, c) for c in self.branchy[i:j])
        i, j = bisect.bisect_left(self.operator_starts, lo), bisect.bisect_left(self.operator_starts, hi)
        boolean = self._boolean
        for op in self.operators[i:j]:
            known = boolean.get(op.id)
            if known is None:
                known = boolean[op.id] = _op(op) in self._BOOLEAN
            total += known
        return total


def complexity_index(src: SourceFile) -> ComplexityIndex:
    index = getattr(src, "_credo_cc_index", None)
    if index is None:
        index = src._credo_cc_index = ComplexityIndex(src)  # type: ignore[attr-defined]
    return index


def complexity_of(src: SourceFile, def_call: Node) -> int:
    """Credo's cyclomatic complexity of a definition: 1 for it, plus one per branch point inside."""
    return complexity_index(src).exact(def_call)


# --------------------------------------------------------------------------------------------
# with: WithClauses, RedundantWithClauseResult
# --------------------------------------------------------------------------------------------


def is_arrow(node: Node) -> bool:
    return node.type == "binary_operator" and _op(node) == "<-"


def with_parts(src: SourceFile, call: Node) -> tuple[list[Node], list[tuple[str, list[Node]]]] | None:
    """(clauses, entries of the trailing keyword list) of a `with` whose last argument has `do`."""
    positional, lists = call_lists(call)
    if not lists:
        return None
    last = lists[-1]
    entries = keyword_entries(src, last)
    if not any(k == "do" for k, _ in entries):
        return None
    clauses = positional + lists[:-1]
    return clauses, entries


# --------------------------------------------------------------------------------------------
# if / unless shapes
# --------------------------------------------------------------------------------------------


def in_attribute_directly(call: Node) -> bool:
    """`@unless ...`: the call is the operand of `@`."""
    parent = call.parent
    return parent is not None and parent.type == "unary_operator" and _op(parent) == "@"


def has_else(src: SourceFile, call: Node) -> bool:
    return block_value(src, call, "else") is not None


# --------------------------------------------------------------------------------------------
# Two collection passes where one would do: FilterCount, FilterFilter, RejectReject, MapJoin
# --------------------------------------------------------------------------------------------


def is_module_call(src: SourceFile, node: Node | None, module: str, fun: str) -> bool:
    return node is not None and node.type == "call" and remote_call(src, node) == (module, fun)


def pipe_parent(node: Node) -> Node | None:
    """The `|>` whose right side is this node."""
    parent = node.parent
    if parent is not None and parent.type == "binary_operator" and _op(parent) == "|>" \
            and parent.child_by_field_name("right") == node:
        return parent
    return None


def pipe_ends_in(src: SourceFile, node: Node, module: str, fun: str) -> bool:
    """`_ |> Module.fun(...)`."""
    node = unparen(node)
    return (node.type == "binary_operator" and _op(node) == "|>"
            and is_module_call(src, node.child_by_field_name("right"), module, fun))


def dot_line(call: Node) -> int:
    target = call.child_by_field_name("target")
    if target is not None and target.type == "dot":
        for child in target.children:
            if child.type == ".":
                return _line(child)
    return _line(call)


def pair_hits(src: SourceFile, module: str, first: str, second: str,
               nested_arity: int, piped_arity: int | None) -> Iterator[tuple[Node, str, Node | None]]:
    """(second call, shape, pipe) for each `Module.first` result handed straight to `Module.second`.

    Shapes: "nested" `second(first(..), ..)`, "pipe" `first(..) |> second(..)`,
    "nested_pipe" `second(x |> first(..), ..)`, "pipe_pipe" `x |> first(..) |> second(..)`.
    """
    for call in remote_calls_to(src, module):
        if remote_call(src, call) != (module, second):
            continue
        args = call_args(call)
        if len(args) == nested_arity and args and args[0].type != "keywords":
            head = unparen(args[0])
            if is_module_call(src, head, module, first):
                yield call, "nested", None
            elif pipe_ends_in(src, head, module, first):
                yield call, "nested_pipe", None
        pipe = pipe_parent(call)
        if pipe is None or (piped_arity is not None and len(args) != piped_arity):
            continue
        left = pipe.child_by_field_name("left")
        if left is None:
            continue
        left = unparen(left)
        if is_module_call(src, left, module, first):
            yield call, "pipe", pipe
        elif pipe_ends_in(src, left, module, first):
            yield call, "pipe_pipe", pipe


def pair_line(call: Node, shape: str, pipe: Node | None) -> int:
    """Where Credo reports a pair: the outer call, its dot, or the pipe operator."""
    if pipe is not None:
        return op_line(pipe)
    return _line(call) if shape == "nested" else dot_line(call)


class SameTwiceCheck(CredoCheck):
    """Two consecutive calls of one function (filter, reject) on Enum, Map or Keyword."""

    function: str = ""

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        hits = []
        for module in ("Enum", "Map", "Keyword"):
            for call, shape, pipe in pair_hits(ctx.src, module, self.function, self.function, 2, None):
                hits.append((module, pair_line(call, shape, pipe)))
        for module, line in hits:
            fun = f"{module}.{self.function}/2"
            yield ctx.issue(f"One `{fun}` is more efficient than `{fun} |> {fun}`; combine the two functions.",
                            line, trigger="|>")
