"""Helpers shared by several Readability checks."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tree_sitter import Node

from ...ast import call_args, call_target, calls_named, local_call_name, operator
from ...source import SourceFile
from ...terms import Regex

# --- names -----------------------------------------------------------------------------------------


SNAKE_ASCII = re.compile(r"[a-z0-9_?!]+\Z")


def snake_case(name: str, allow_acronyms: bool = False) -> bool:
    """Credo's `Name.snake_case?`: lower-case letters, digits, `_`, `?` and `!` only (Unicode-aware)."""
    if name.isascii():
        if SNAKE_ASCII.match(name):
            return True
    elif name and all(snake_char(ch) for ch in name):
        return True
    if allow_acronyms:
        parts = name.split("_")
        return all(
            part and (all(lower_or_digit(c) for c in part) or all(upper_or_digit(c) for c in part))
            for part in parts
        )
    return False


def snake_char(ch: str) -> bool:
    return ch in "_?!" or lower_or_digit(ch)


def lower_or_digit(ch: str) -> bool:
    return unicodedata.category(ch) in ("Ll", "Nd")


def upper_or_digit(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lu", "Nd")


def _text(src: SourceFile, node: Node) -> str:
    return src.node_text(node)


# --- definitions -------------------------------------------------------------------------------------


def def_head_parts(src: SourceFile, def_call: Node) -> tuple[Node, Node | None, list[Node] | None] | None:
    """(head node, name node, params) of a definition; params is None for a name without parentheses.

    For `def f(a) when g` the head is the `when` operator and the name node is None (Credo's AST
    puts `:when` where the name would be); `def_head_unwrapped` looks through the guard.
    """
    args = call_args(def_call)
    if not args:
        return None
    head = args[0]
    if head.type == "identifier":
        return head, head, None
    if head.type == "call":
        target = call_target(head)
        if target is None:
            return None
        params_node = next((c for c in head.named_children if c.type == "arguments"), None)
        params = list(params_node.named_children) if params_node is not None else []
        return head, target, params
    return head, None, None


def unwrap_when(src: SourceFile, head: Node) -> Node:
    if head.type == "binary_operator" and operator(src, head) == "when":
        return head.child_by_field_name("left") or head
    return head


def name_and_params(src: SourceFile, node: Node) -> tuple[Node, list[Node] | None] | None:
    """Name node and params of a head expression (`f`, `f()`, `f(a)`); None for other shapes."""
    if node.type == "identifier":
        return node, None
    if node.type == "call":
        target = call_target(node)
        if target is None or target.type != "identifier":
            return None  # `unquote(name)()` and other computed names
        params_node = next((c for c in node.named_children if c.type == "arguments"), None)
        return target, list(params_node.named_children) if params_node is not None else []
    return None


class DefHead:
    """One definition call as the naming checks see it (computed once per file, params on demand)."""

    __slots__ = ("call", "kind", "head", "guarded", "name_node", "_params", "_params_done")

    def __init__(self, call: Node, kind: str, head: Node, guarded: bool, name_node: Node | None) -> None:
        self.call = call
        self.kind = kind
        self.head = head  # the head with a `when` guard looked through
        self.guarded = guarded
        self.name_node = name_node  # identifier naming the function, None for other head shapes
        self._params: list[Node] | None = None
        self._params_done = False

    @property
    def params(self) -> list[Node] | None:
        """Parameter nodes; None when the name is written without parentheses."""
        if not self._params_done:
            self._params_done = True
            if self.head.type == "call":
                args = self.head.named_child(1) if self.head.named_child_count > 1 else None
                self._params = list(args.named_children) if args is not None and args.type == "arguments" else []
        return self._params


ALL_DEF_KINDS = ("def", "defp", "defmacro", "defmacrop", "defguard", "defguardp")


def def_heads(src: SourceFile) -> list[DefHead]:
    """Every definition call (`def` ... `defguardp`) of a file with its head, in source order."""
    cached = getattr(src, "_readability_def_heads", None)
    if cached is not None:
        return cached
    data = src.data
    out: list[DefHead] = []
    for kind in ALL_DEF_KINDS:
        for call in calls_named(src, kind):
            args = call.named_child(1) if call.named_child_count > 1 else None
            if args is None or args.type != "arguments" or args.named_child_count == 0:
                continue
            head = args.named_child(0)
            if head is None:
                continue
            guarded = False
            if head.type == "binary_operator":
                op = head.child_by_field_name("operator")
                if op is not None and data[op.start_byte : op.end_byte] == b"when":
                    guarded = True
                    head = head.child_by_field_name("left") or head
            name_node: Node | None = None
            if head.type == "identifier":
                name_node = head
            elif head.type == "call":
                target = head.child_by_field_name("target")
                if target is not None and target.type == "identifier":
                    name_node = target
            out.append(DefHead(call, kind, head, guarded, name_node))
    out.sort(key=lambda d: d.call.start_byte)
    src._readability_def_heads = out  # type: ignore[attr-defined]
    return out


def is_unquote(src: SourceFile, name_node: Node) -> bool:
    return name_node.type == "identifier" and _text(src, name_node) in ("unquote", "unquote_splicing")


def impl_signatures(src: SourceFile, kinds: frozenset[str]) -> set[tuple[str, int]]:
    """(name, arity) of definitions that directly follow an `@impl` (not `@impl false`) in the same block."""
    found: set[tuple[str, int]] = set()
    for impl in calls_named(src, "impl"):
        attr = impl.parent
        if attr is None or attr.type != "unary_operator" or operator(src, attr) != "@":
            continue
        args = call_args(impl)
        if len(args) != 1 or _text(src, args[0]) == "false":
            continue
        sibling = attr.next_named_sibling
        while sibling is not None:
            if sibling.type == "call" and local_call_name(src, sibling) in kinds and call_args(sibling):
                head = unwrap_when(src, call_args(sibling)[0])
                parts = name_and_params(src, head)
                if parts is not None:
                    found.add((_text(src, parts[0]), len(parts[1] or [])))
                break
            if sibling.type == "unary_operator" and operator(src, sibling) == "@":
                inner = sibling.named_children[-1] if sibling.named_children else None
                if inner is not None and inner.type == "call" and local_call_name(src, inner) == "impl":
                    # another @impl: it records the next definition itself
                    break
            sibling = sibling.next_named_sibling
    return found


WORD_CHAR = re.compile(r"\w")


def alias_parts(src: SourceFile, node: Node) -> list[str] | None:
    """Segments of a module name (`Foo.Bar`, `__MODULE__.Foo`), or None when it is not a plain alias."""
    if node.type == "alias":
        return [p.strip() for p in _text(src, node).split(".")]
    if node.type == "identifier" and _text(src, node) == "__MODULE__":
        return ["__MODULE__"]
    if node.type == "dot":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or right.type != "alias":
            return None
        base = alias_parts(src, left)
        return None if base is None else base + alias_parts(src, right)  # type: ignore[operator]
    return None


def ignore_matches(name: str, patterns: Any, exact: bool) -> bool:
    """Credo's name filters: regexes match, strings (and module atoms) equal or are contained."""
    for pattern in patterns or []:
        if isinstance(pattern, Regex):
            if pattern.compile().search(name):
                return True
        elif isinstance(pattern, re.Pattern):
            if pattern.search(name):
                return True
        else:
            text = str(pattern).removeprefix("Elixir.")
            if (name == text) if exact else (text in name):
                return True
    return False


def multi_alias(src: SourceFile, node: Node) -> tuple[Node, list[Node]] | None:
    """(base, children) of `Base.{A, B}`."""
    if node.type != "dot":
        return None
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if left is None or right is None or right.type != "tuple":
        return None
    return left, list(right.named_children)
