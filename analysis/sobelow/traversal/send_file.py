"""Traversal.SendFile: a path reaching `send_file`."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [
    Rule("Traversal.SendFile", "Conn", "send_file", 2, "last"),
    Rule("Traversal.SendFile", "", "send_file", 2, "local"),
]
