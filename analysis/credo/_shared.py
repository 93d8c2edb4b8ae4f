"""Small building blocks shared by the Credo category modules: definitions, bodies, pipes, clauses."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ..ast import (
    ancestors,
    call_args,
    calls_named,
    def_head,
    do_block,
    keyword_pairs,
    local_call_name,
    operator,
    remote_call,
)
from ..source import SourceFile

NEST_OPS = frozenset({"if", "unless", "case", "cond"})


def defs(src: SourceFile, kinds: frozenset[str]) -> Iterator[tuple[Node, str]]:
    """(call node, kind) for every definition call of the given kinds, in source order."""
    for call in calls_named(src, *kinds):
        yield call, local_call_name(src, call)  # type: ignore[misc]


def def_name(src: SourceFile, def_call: Node) -> str | None:
    """The defined function's name (`run` for `def run(a) when ...`)."""
    head = def_head(src, def_call)
    return head[0] if head else None


def body_nodes(src: SourceFile, call: Node) -> list[Node]:
    """The expressions of a call's `do` body: the do_block's children, or the value of a `do:` keyword."""
    block = do_block(call)
    if block is not None:
        out = []
        for child in block.named_children:
            if child.type in ("else_block", "rescue_block", "catch_block", "after_block"):
                break
            if child.type != "comment":
                out.append(child)
        return out
    args = call_args(call)
    if args and args[-1].type == "keywords":
        for key, value in keyword_pairs(src, args[-1]):
            if key == "do":
                return [value]
    return []


def keyword_block(src: SourceFile, call: Node, name: str) -> Node | None:
    """The `else`/`rescue`/... block of a call, as a block node or a keyword value."""
    block = do_block(call)
    if block is not None:
        for child in block.named_children:
            if child.type == f"{name}_block":
                return child
        return None
    args = call_args(call)
    if args and args[-1].type == "keywords":
        for key, value in keyword_pairs(src, args[-1]):
            if key == name:
                return value
    return None


def stab_clauses(src: SourceFile, call: Node) -> list[Node]:
    """The `pattern -> body` clauses of a case/cond/fn do block."""
    block = do_block(call)
    if block is not None:
        return [c for c in block.named_children if c.type == "stab_clause"]
    return []


def clause_left(clause: Node) -> Node | None:
    """The arguments (left side) of a stab clause."""
    return clause.child_by_field_name("left")


def is_negation(src: SourceFile, node: Node) -> bool:
    """`!expr` or `not expr`."""
    if node.type != "unary_operator":
        return False
    return operator(src, node) in ("!", "not")


def condition(call: Node) -> Node | None:
    """First argument of an if/unless/case/cond-like call."""
    args = call_args(call)
    if args and args[0].type != "keywords":
        return args[0]
    return None


def pipe_steps(src: SourceFile, pipe: Node) -> tuple[Node | None, Node | None]:
    """For `a |> f()`, the call before the pipe (the end of `a`) and the call after it."""
    left = pipe.child_by_field_name("left")
    right = pipe.child_by_field_name("right")
    while left is not None and left.type == "binary_operator" and operator(src, left) == "|>":
        left = left.child_by_field_name("right")
    return left, right


def is_remote(src: SourceFile, node: Node | None, module: str, function: str) -> bool:
    """True when node is a call of `module.function`."""
    return node is not None and node.type == "call" and remote_call(src, node) == (module, function)


def pipes(src: SourceFile) -> Iterator[Node]:
    """Every `|>` operator node."""
    for node in src.by_type("binary_operator"):
        if operator(src, node) == "|>":
            yield node


def in_attribute(src: SourceFile, node: Node) -> bool:
    """True inside a module attribute (`@spec ...`, `@doc ...`), where code is a type or data."""
    for anc in ancestors(node):
        if anc.type == "unary_operator" and operator(src, anc) == "@":
            return True
    return False
