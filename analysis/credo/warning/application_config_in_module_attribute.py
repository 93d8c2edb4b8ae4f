"""Warning.ApplicationConfigInModuleAttribute: Module attributes that read application config at
compile time with get_env/fetch_env/get_all_env."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, call_args, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _remote, op_text

# --------------------------------------------------------------------- module attributes


@register
class ApplicationConfigInModuleAttribute(CredoCheck):
    """Module attributes that read application config at compile time with get_env/fetch_env/get_all_env."""

    name = "Credo.Check.Warning.ApplicationConfigInModuleAttribute"
    category = "warning"
    base_priority = "high"
    summary = "Do not read Application env into module attributes; use Application.compile_env."

    _FUNS = ("fetch_env", "fetch_env!", "get_all_env", "get_env")
    _ARITY = {"fetch_env": "2", "fetch_env!": "2", "get_all_env": "1"}

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        # attribute node -> the last unsafe call inside it (Credo keeps the last one its walk sees)
        per_attribute: dict[int, tuple[Node, str, str]] = {}
        for call, fun in _remote(src, "Application", self._FUNS):
            arity = self._ARITY.get(fun, str(len(call_args(call))))
            for anc in ancestors(call):
                if anc.type != "unary_operator" or op_text(src, anc) != "@":
                    continue
                operand = anc.named_children[-1] if anc.named_child_count else None
                if operand is None or operand.type != "call":
                    continue
                attr = local_call_name(src, operand)
                if attr is None:
                    continue
                # calls come in source order, so the last one seen wins, as in Credo's walk
                per_attribute[anc.id] = (anc, attr, f"Application.{fun}/{arity}")
        for anc, attr, call_text in sorted(per_attribute.values(), key=lambda t: t[0].start_byte):
            yield ctx.issue(f"Module attribute @{attr} reads config with {call_text} at compile time; "
                            "use Application.compile_env/3 instead.", src.line_of(anc), trigger=call_text)
