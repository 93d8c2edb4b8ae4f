"""Traversal.SendDownload: a path reaching `send_download` (not `{:binary, data}`)."""

from __future__ import annotations

from tree_sitter import Node

from ...ast import call_args
from ...source import SourceFile
from ..call_rule import Rule

RULES = [
    Rule("Traversal.SendDownload", "Controller", "send_download", 1, "last"),
    Rule("Traversal.SendDownload", "", "send_download", 1, "local"),
]


def sends_binary(src: SourceFile, call: Node) -> bool:
    """`send_download(conn, {:binary, data})`: sends bytes, not a file path."""
    for arg in call_args(call):
        if arg.type == "tuple":
            kids = arg.named_children
            if len(kids) == 2 and src.node_text(kids[0]) == ":binary":
                return True
    return False
