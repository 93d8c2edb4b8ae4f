"""tree-sitter helpers the benchmark suites share: parse, node text, walk, error counts."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from elixir_coder.analysis.source import count_errors, new_parser


def parse(code: str) -> Node:
    """The root node of tree-sitter-elixir's parse of `code`."""
    return new_parser().parse(code.encode("utf-8")).root_node


def node_text(node: Node) -> str:
    """A node's source text."""
    return (node.text or b"").decode("utf-8", errors="replace")


def walk(node: Node) -> Iterator[Node]:
    """Every node below `node` (itself included), in source order."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def parses(code: str) -> bool:
    """True when `code` parses without an ERROR or MISSING node."""
    return not parse(code).has_error


def error_nodes(code: str) -> int:
    """ERROR and MISSING nodes in the parse of `code`."""
    return count_errors(parse(code))
