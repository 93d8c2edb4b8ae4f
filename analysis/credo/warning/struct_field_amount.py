"""Warning.StructFieldAmount: Structs with more than `max_fields` fields (from 32 keys on, maps change
representation in the VM)."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue


@register
class StructFieldAmount(CredoCheck):
    """Structs with more than `max_fields` fields (from 32 keys on, maps change representation in the VM)."""

    name = "Credo.Check.Warning.StructFieldAmount"
    category = "warning"
    base_priority = "normal"
    default_params = {"max_fields": 31}
    summary = "Structs should not have more than 31 fields."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = int(ctx.params.get("max_fields", 31))
        for call in calls_named(src, "defstruct"):
            args = call_args(call)
            if len(args) != 1:
                continue
            count = self._field_count(args[0])
            if count is not None and count > limit:
                yield ctx.issue(f"This struct has {count} fields, more than the {limit} allowed.", src.line_of(call),
                                trigger="defstruct", column=src.column_of(call))

    @staticmethod
    def _field_count(arg: Node) -> int | None:
        if arg.type == "keywords":
            return sum(1 for c in arg.named_children if c.type == "pair")
        if arg.type == "list":
            total = 0
            for c in arg.named_children:
                if c.type == "keywords":
                    total += sum(1 for p in c.named_children if p.type == "pair")
                elif c.type != "comment":
                    total += 1
            return total
        return None
