"""Config.CSRFRoute: a controller action routed by `get` and also by a state-changing method."""

from __future__ import annotations

from tree_sitter import Node

from ...ast import call_args, keyword_pairs, local_call_name
from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding

STATE_CHANGING = ("post", "put", "patch", "delete")


def _top_level_scopes(src: SourceFile) -> list[Node]:
    scopes = [c for c in src.calls if local_call_name(src, c) == "scope"]
    return [s for s in scopes if not any(o is not s and o.start_byte <= s.start_byte < o.end_byte for o in scopes
                                         if o.start_byte < s.start_byte)]


def _scope_alias(src: SourceFile, scope: Node) -> str | None:
    args = [a for a in call_args(scope)]
    if len(args) >= 2 and args[1].type == "alias":
        return src.node_text(args[1])
    for arg in args:
        if arg.type == "keywords":
            for key, value in keyword_pairs(src, arg):
                if key == "alias":
                    return src.node_text(value)
    if len(args) >= 2 and args[1].type not in ("keywords", "string"):
        return src.node_text(args[1])
    return None


def csrf_route_findings(src: SourceFile) -> list[Finding]:
    """Config.CSRFRoute: a controller action routed by `get` and also by post/put/patch/delete."""
    groups: dict[str | None, list[Node]] = {}
    for scope in _top_level_scopes(src):
        groups.setdefault(_scope_alias(src, scope), []).append(scope)
    found: list[tuple[int, str]] = []
    for scopes in groups.values():
        routes: dict[tuple[str, str], list[tuple[str, Node]]] = {}
        for scope in scopes:
            for call in src.walk(scope):
                if call.type != "call":
                    continue
                method = local_call_name(src, call)
                if method not in ("get",) + STATE_CHANGING:
                    continue
                args = call_args(call)
                if len(args) < 3:
                    continue
                key = ("".join(src.node_text(args[1]).split()), src.node_text(args[2]))
                routes.setdefault(key, []).append((method, call))
        for (_, action), entries in routes.items():
            methods = {m for m, _ in entries}
            if "get" in methods and methods & set(STATE_CHANGING):
                for method, call in entries:
                    if method == "get":
                        found.append((src.line_of(call), action.lstrip(":")))
    return [make_finding("Config.CSRFRoute", src.filename, line, "high", {"route": action})
            for line, action in sorted(found)]
