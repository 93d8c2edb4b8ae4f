"""Warning.UnsafeToAtom: Atoms created from runtime data (`String.to_atom`, `Module.concat`, ...);
atoms are never freed."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from ...ast import ancestors, call_args, keyword_pairs, local_call_name, remote_call, remote_calls_to
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import _text, op_text


def _pipe_right(src: SourceFile, call: Node) -> bool:
    """The call is the right-hand step of a `|>` (its first argument is piped in)."""
    parent = call.parent
    return (
        parent is not None
        and parent.type == "binary_operator"
        and parent.child_by_field_name("right") == call
        and op_text(src, parent) == "|>"
    )


# --------------------------------------------------------------------- opt-in


@register
class UnsafeToAtom(CredoCheck):
    """Atoms created from runtime data (`String.to_atom`, `Module.concat`, ...); atoms are never freed."""

    name = "Credo.Check.Warning.UnsafeToAtom"
    category = "warning"
    base_priority = "high"
    enabled_by_default = False
    summary = "Do not create atoms from runtime data; use the to_existing_atom variants."

    # (module, function) -> {argument count: (bad, suggestion)}; piped calls have one argument less
    _CALLS: dict[tuple[str, str], dict[int, tuple[str, str]]] = {
        (":erlang", "list_to_atom"): {1: (":erlang.list_to_atom/1", ":erlang.list_to_existing_atom/1")},
        (":erlang", "binary_to_atom"): {2: (":erlang.binary_to_atom/2", ":erlang.binary_to_existing_atom/2")},
        ("String", "to_atom"): {1: ("String.to_atom/1", "String.to_existing_atom/1")},
        ("List", "to_atom"): {1: ("List.to_atom/1", "List.to_existing_atom/1")},
        ("Module", "concat"): {1: ("Module.concat/1", "Module.safe_concat/1"),
                               2: ("Module.concat/2", "Module.safe_concat/2")},
    }
    _PIPED: dict[tuple[str, str], tuple[int, tuple[str, str]]] = {
        (":erlang", "list_to_atom"): (0, (":erlang.list_to_atom/1", ":erlang.list_to_existing_atom/1")),
        (":erlang", "binary_to_atom"): (1, (":erlang.binary_to_atom/2", ":erlang.binary_to_existing_atom/2")),
        ("String", "to_atom"): (0, ("String.to_atom/1", "String.to_existing_atom/1")),
        ("List", "to_atom"): (0, ("List.to_atom/1", "List.to_existing_atom/1")),
        ("Module", "concat"): (0, ("Module.concat/1", "Module.safe_concat/1")),
    }

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        found: list[tuple[Node, str, str, str]] = []
        for module in (":erlang", "String", "List", "Module", "Jason"):
            for call in remote_calls_to(src, module):
                rc = remote_call(src, call)
                if rc is None or (rc not in self._CALLS and rc[0] != "Jason"):
                    continue
                hit = self._judge(src, call, rc)
                if hit is not None and not self._skipped(src, call):
                    found.append((call, *hit))
        for call, bad, good, trigger in sorted(found, key=lambda t: t[0].start_byte):
            yield ctx.issue(f"{bad} creates atoms at runtime, and atoms are never garbage collected; "
                            f"use {good} instead.", src.line_of(call), trigger=trigger, column=src.column_of(call))

    def _judge(self, src: SourceFile, call: Node, rc: tuple[str, str]) -> tuple[str, str, str] | None:
        args = call_args(call)
        trigger = f"{rc[0]}.{rc[1]}"
        if _pipe_right(src, call) and rc in self._PIPED:
            arity, (bad, good) = self._PIPED[rc]
            if len(args) == arity:
                return bad, good, trigger
        if rc in self._CALLS:
            entry = self._CALLS[rc].get(len(args))
            return (entry[0], entry[1], trigger) if entry else None
        if rc[0] == "Jason" and rc[1] in ("decode", "decode!"):
            for arg in args:
                pairs = []
                if arg.type == "keywords":
                    pairs = list(keyword_pairs(src, arg))
                elif arg.type == "list" and arg.named_child_count == 1 and arg.named_children[0].type == "keywords":
                    pairs = list(keyword_pairs(src, arg.named_children[0]))
                if any(k == "keys" and _text(src, v) == ":atoms" for k, v in pairs):
                    return (f"Jason.{rc[1]}(..., keys: :atoms)", f"Jason.{rc[1]}(..., keys: :atoms!)", trigger)
        return None

    @staticmethod
    def _skipped(src: SourceFile, call: Node) -> bool:
        """Inside a module attribute or an `unquote(...)`."""
        for anc in ancestors(call):
            if anc.type == "unary_operator" and op_text(src, anc) == "@":
                return True
            if anc.type == "call":
                if local_call_name(src, anc) == "unquote" and call_args(anc):
                    return True
                rc = remote_call(src, anc)
                if rc is not None and rc[1] == "unquote" and call_args(anc):
                    return True
        return False
