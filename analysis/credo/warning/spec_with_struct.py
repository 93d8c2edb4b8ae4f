"""Warning.SpecWithStruct: Struct literals (`%User{}`) in `@spec`, which add compile-time
dependencies; use `User.t()`."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _text, op_text


def _in_attribute(src: SourceFile, node: Node, name: str | None = None) -> bool:
    """Inside a module attribute (`@name ...`; any attribute when name is None)."""
    for anc in ancestors(node):
        if anc.type == "unary_operator" and op_text(src, anc) == "@":
            if name is None:
                return True
            operand = anc.named_children[-1] if anc.named_child_count else None
            if operand is not None and operand.type == "call" and local_call_name(src, operand) == name:
                return True
    return False


# --------------------------------------------------------------------- structs


@register
class SpecWithStruct(CredoCheck):
    """Struct literals (`%User{}`) in `@spec`, which add compile-time dependencies; use `User.t()`."""

    name = "Credo.Check.Warning.SpecWithStruct"
    category = "warning"
    base_priority = "normal"
    summary = "Use the struct's type (User.t()) in specs, not %User{}."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for struct in src.by_type("struct"):
            alias = struct.named_children[0] if struct.named_child_count else None
            if alias is None or alias.type != "alias" or not _in_attribute(src, struct, "spec"):
                continue
            name = _text(src, alias)
            percent = struct.parent if struct.parent is not None and struct.parent.type == "map" else struct
            yield ctx.issue(f"`@spec` uses the struct %{name}{{}}; use {name}.t() instead.", src.line_of(percent),
                            trigger=f"%{name}{{", column=src.column_of(percent))
