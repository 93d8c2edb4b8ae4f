"""Config.CSWH: an endpoint socket that turns the websocket `check_origin` off."""

from __future__ import annotations

from ...ast import call_args, keyword_pairs, local_call_name
from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding


def cswh_findings(src: SourceFile) -> list[Finding]:
    """Config.CSWH: an endpoint socket whose websocket options turn `check_origin` off (or set it dynamically)."""
    out = []
    for call in src.calls:
        if local_call_name(src, call) != "socket":
            continue
        args = call_args(call)
        if len(args) != 3 or args[2].type != "keywords":
            continue
        for key, value in keyword_pairs(src, args[2]):
            if key != "websocket":
                continue
            if value.type != "list":
                continue
            origin = None
            for item in value.named_children:
                if item.type == "keywords":
                    for k, v in keyword_pairs(src, item):
                        if k == "check_origin":
                            origin = v
            if origin is None or src.node_text(origin) == "true":
                break
            confidence = "high" if src.node_text(origin) == "false" else "low"
            if src.node_text(origin) == "nil":
                break
            out.append(make_finding("Config.CSWH", src.filename, src.line_of(call), confidence))
            break
    return out
