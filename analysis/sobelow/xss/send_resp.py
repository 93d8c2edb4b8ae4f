"""XSS.SendResp: a value reaching `send_resp`, weighed by the def's response content types."""

from __future__ import annotations

from tree_sitter import Node

from ...ast import call_args, call_target
from ...source import SourceFile
from ..call_rule import Rule

RULES = [
    Rule("XSS.SendResp", "Conn", "send_resp", 2, "last"),
    Rule("XSS.SendResp", "", "send_resp", 2, "local"),
]


def content_types(src: SourceFile, def_call: Node) -> list[str | None]:
    """First arguments of `put_resp_content_type` calls in a def (None when not a literal string)."""
    out: list[str | None] = []
    for node in src.walk(def_call):
        if node.type != "call":
            continue
        target = call_target(node)
        if target is None:
            continue
        if target.type == "identifier":
            if src.node_text(target) != "put_resp_content_type":
                continue
        elif target.type == "dot":
            left, right = target.child_by_field_name("left"), target.child_by_field_name("right")
            if right is None or src.node_text(right) != "put_resp_content_type" or left is None:
                continue
            if left.type != "alias" or "".join(src.node_text(left).split()).rsplit(".", 1)[-1] != "Conn":
                continue
        else:
            continue
        args = call_args(node)
        first = args[0] if args else None
        if first is not None and first.type == "string" and not any(
            c.type == "interpolation" for c in first.named_children
        ):
            out.append("".join(src.node_text(c) for c in first.named_children))
        else:
            out.append(None)
    return out


def send_resp_confidence(base: str, content_types: list[str | None]) -> str | None:
    if not content_types:
        return base
    if any(c is None for c in content_types):
        return "low"
    html = ["html" in c.lower() for c in content_types if c is not None]
    if all(html):
        return base
    if any(html):
        return "low"
    return None
