"""Small queries over tree-sitter-elixir nodes shared by all checks.

tree-sitter-elixir represents `def`, `defmodule`, `if`, `case` and every other macro as a
`call` node whose `target` is an `identifier`; remote calls (`Enum.map`) have a `dot`
target. These helpers name those shapes so checks read like the rule they implement.
"""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from .source import SourceFile

DEF_MACROS = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp", "defdelegate"})
FUNCTION_DEFS = frozenset({"def", "defp", "defmacro", "defmacrop"})
MODULE_DEFS = frozenset({"defmodule", "defprotocol", "defimpl"})


def call_target(call: Node) -> Node | None:
    """The `target` field of a call node."""
    return call.child_by_field_name("target")


class _CallIndex:
    """Every call of a file by id (local name, remote (module, function)), by local name and by
    remote module, built in one pass over the file's calls."""

    __slots__ = ("table", "by_name", "by_module")

    def __init__(self, src: SourceFile) -> None:
        table: dict[int, tuple[str | None, tuple[str, str] | None]] = {}
        by_name: dict[str, list[Node]] = {}
        by_module: dict[str, list[Node]] = {}
        data = src.data
        for call in src.calls:
            target = call.child_by_field_name("target")
            local = remote = None
            if target is not None:
                kind = target.type
                if kind == "identifier":
                    local = data[target.start_byte : target.end_byte].decode("utf-8", "replace")
                    by_name.setdefault(local, []).append(call)
                elif kind == "dot":
                    left = target.child_by_field_name("left")
                    right = target.child_by_field_name("right")
                    if left is not None and right is not None and right.type == "identifier":
                        remote = (
                            data[left.start_byte : left.end_byte].decode("utf-8", "replace"),
                            data[right.start_byte : right.end_byte].decode("utf-8", "replace"),
                        )
                        by_module.setdefault(remote[0], []).append(call)
            table[call.id] = (local, remote)
        self.table = table
        self.by_name = by_name
        self.by_module = by_module


def _call_index(src: SourceFile) -> _CallIndex:
    """The file's call index, computed once and kept on the SourceFile.

    Checks ask these questions of the same call nodes many times over; answering from one
    index keeps a full run over a large project fast.
    """
    index = getattr(src, "_call_index", None)
    if index is None:
        index = _CallIndex(src)
        src._call_index = index  # type: ignore[attr-defined]
    return index


def _call_names(src: SourceFile) -> dict[int, tuple[str | None, tuple[str, str] | None]]:
    """Local name and remote (module, function) of every call of a file, by node id."""
    return _call_index(src).table


def call_names(src: SourceFile) -> dict[int, tuple[str | None, tuple[str, str] | None]]:
    """Every call's (local name, remote (module, function)) by node id, for checks that look at all calls."""
    return _call_index(src).table


def calls_named(src: SourceFile, *names: str) -> list[Node]:
    """Local calls with one of the given names (`if`, `def`, ...), in source order, from a per-file index."""
    index = _call_index(src).by_name
    if len(names) == 1:
        return index.get(names[0], [])
    return sorted((c for n in names for c in index.get(n, [])), key=lambda c: c.start_byte)


def remote_calls_to(src: SourceFile, module: str) -> list[Node]:
    """Remote calls into one module (`Enum`, `:erlang`), in source order, from a per-file index."""
    return _call_index(src).by_module.get(module, [])


def local_call_name(src: SourceFile, call: Node) -> str | None:
    """Name of a local call (`foo(...)`, `if ... do`), or None for remote or anonymous calls."""
    if call.type != "call":
        return None
    entry = _call_names(src).get(call.id)
    if entry is not None:
        return entry[0]
    target = call_target(call)
    if target is not None and target.type == "identifier":
        return src.node_text(target)
    return None


def remote_call(src: SourceFile, call: Node) -> tuple[str, str] | None:
    """(module, function) of a remote call: ("Enum", "map"), (":erlang", "binary_to_term").

    Returns None for local calls and for anonymous-function calls (`fun.(x)`).
    """
    if call.type != "call":
        return None
    entry = _call_names(src).get(call.id)
    if entry is not None:
        return entry[1]
    target = call_target(call)
    if target is None or target.type != "dot":
        return None
    left = target.child_by_field_name("left")
    right = target.child_by_field_name("right")
    if left is None or right is None or right.type != "identifier":
        return None
    return src.node_text(left), src.node_text(right)


def arguments_node(call: Node) -> Node | None:
    """The `arguments` child of a call, if any."""
    # Nearly always right after the target: look there before listing every child (checks ask
    # this of tens of thousands of calls per project).
    count = call.named_child_count
    for index in range(min(count, 2)):
        child = call.named_child(index)
        if child is not None and child.type == "arguments":
            return child
    if count <= 2:
        return None
    for child in call.named_children[2:]:
        if child.type == "arguments":
            return child
    return None


def call_args(call: Node) -> list[Node]:
    """Positional argument nodes of a call (keywords count as one trailing argument)."""
    args = arguments_node(call)
    return list(args.named_children) if args is not None else []


def do_block(call: Node) -> Node | None:
    """The `do ... end` block of a call, if written with one."""
    for child in call.named_children:
        if child.type == "do_block":
            return child
    return None


def keyword_pairs(src: SourceFile, keywords: Node) -> Iterator[tuple[str, Node]]:
    """(key, value node) for each `key: value` pair of a `keywords` node (key without colon)."""
    for pair in keywords.named_children:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        value = pair.child_by_field_name("value")
        if key is None or value is None:
            continue
        yield src.node_text(key).strip().rstrip(":").strip(), value


def is_def(src: SourceFile, call: Node, kinds: frozenset[str] = FUNCTION_DEFS) -> bool:
    """True when the call is one of the definition macros in `kinds`."""
    return local_call_name(src, call) in kinds


def def_head(src: SourceFile, def_call: Node,
             args: list[Node] | None = None) -> tuple[str, list[Node], Node | None] | None:
    """(function name, parameter nodes, guard node) of a `def`-like call.

    Handles `def f`, `def f(a, b)`, `def f(a) when a > 0`, and operator definitions
    (`def a + b`, reported with the operator as the name). `args` is `call_args(def_call)`
    where the caller has it already.
    """
    if args is None:
        args = call_args(def_call)
    if not args:
        return None
    head = args[0]
    guard = None
    if head.type == "binary_operator" and _operator(src, head) == "when":
        guard = head.child_by_field_name("right")
        head = head.child_by_field_name("left") or head
    if head.type == "identifier":
        return src.node_text(head), [], guard
    if head.type == "call":
        target = call_target(head)
        if target is None:
            return None
        params_node = arguments_node(head)
        params = list(params_node.named_children) if params_node is not None else []
        return src.node_text(target), params, guard
    if head.type in {"binary_operator", "unary_operator"}:
        op = _operator(src, head)
        operands = [c for c in head.named_children]
        return op or src.node_text(head), operands, guard
    return None


def _operator(src: SourceFile, node: Node) -> str | None:
    op = node.child_by_field_name("operator")
    return src.node_text(op) if op is not None else None


def operator(src: SourceFile, node: Node) -> str | None:
    """Operator text of a `binary_operator` / `unary_operator` node."""
    return _operator(src, node)


def module_name(src: SourceFile, defmodule: Node) -> str | None:
    """The alias a `defmodule` call defines (`Foo.Bar`), or None when not a literal alias."""
    args = call_args(defmodule)
    if args and args[0].type == "alias":
        return src.node_text(args[0])
    return None


def ancestors(node: Node) -> Iterator[Node]:
    """Parents from the nearest outward."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def enclosing_call(src: SourceFile, node: Node, names: frozenset[str]) -> Node | None:
    """Nearest enclosing call whose local name is in `names` (e.g. the enclosing def)."""
    for anc in ancestors(node):
        if anc.type == "call" and local_call_name(src, anc) in names:
            return anc
    return None


def strip_parens(node: Node) -> Node:
    """Unwrap `( expr )` blocks that hold exactly one expression."""
    while node.type == "block" and node.named_child_count == 1:
        inner = node.named_children[0]
        node = inner
    return node
