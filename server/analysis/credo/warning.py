"""Credo's Warning checks: code that is probably a bug, a leftover or a security risk."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from ..ast import (
    ancestors,
    call_args,
    calls_named,
    keyword_pairs,
    local_call_name,
    operator,
    remote_call,
    remote_calls_to,
    strip_parens,
)
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ._shared import defs, in_attribute

_COMPARISONS = frozenset({"==", "===", "!=", "!==", ">", ">=", "<", "<="})


def _call_label(src, call: Node) -> str:  # noqa: ANN001
    rc = remote_call(src, call)
    return f"{rc[0]}.{rc[1]}" if rc else (local_call_name(src, call) or "")


def _remote_calls(src, module: str, functions: frozenset[str] | None = None) -> Iterator[Node]:  # noqa: ANN001
    for call in remote_calls_to(src, module):
        if functions is None or remote_call(src, call)[1] in functions:  # type: ignore[index]
            yield call


@register
class IoInspect(CredoCheck):
    """`IO.inspect` calls, usually debugging leftovers."""

    name = "Credo.Check.Warning.IoInspect"
    category = "warning"
    base_priority = "high"
    summary = "There should be no calls to IO.inspect/1."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in _remote_calls(src, "IO", frozenset({"inspect"})):
            yield ctx.issue("There should be no calls to `IO.inspect/1`.", src.line_of(call), trigger="IO.inspect",
                            column=src.column_of(call))


@register
class Dbg(CredoCheck):
    """`dbg` calls, debugging leftovers."""

    name = "Credo.Check.Warning.Dbg"
    category = "warning"
    base_priority = "high"
    default_params = {"allow_captures": False}
    summary = "There should be no calls to dbg."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in src.calls:
            if local_call_name(src, call) != "dbg" and remote_call(src, call) != ("Kernel", "dbg"):
                continue
            if call.parent is not None and call.parent.type == "arguments" and call.parent.parent is not None:
                owner = call.parent.parent
                if owner.type == "call" and local_call_name(src, owner) in ("defmacro", "def", "defp", "defmacrop"):
                    continue  # the definition of dbg itself
            yield ctx.issue("There should be no calls to `dbg/1`.", src.line_of(call), trigger="dbg",
                            column=src.column_of(call))
        if not ctx.params.get("allow_captures"):
            for node in src.by_type("unary_operator"):
                if operator(src, node) == "&" and re.match(r"&(Kernel\.)?dbg/\d", src.node_text(node)):
                    yield ctx.issue("There should be no calls to `dbg/1`.", src.line_of(node), trigger="dbg")


@register
class IExPry(CredoCheck):
    """`IEx.pry` calls, debugging leftovers."""

    name = "Credo.Check.Warning.IExPry"
    category = "warning"
    base_priority = "high"
    summary = "There should be no calls to IEx.pry/0."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in _remote_calls(src, "IEx", frozenset({"pry"})):
            yield ctx.issue("There should be no calls to `IEx.pry/0`.", src.line_of(call), trigger="IEx.pry",
                            column=src.column_of(call))


def _is_length_call(src, node: Node) -> bool:  # noqa: ANN001
    node = strip_parens(node)
    if node.type != "call":
        return False
    return local_call_name(src, node) == "length" or remote_call(src, node) in (("Enum", "count"), ("Kernel", "length"))


@register
class ExpensiveEmptyEnumCheck(CredoCheck):
    """`length(list) == 0` or `Enum.count(enum) == 0`: walks the whole collection to learn it is empty."""

    name = "Credo.Check.Warning.ExpensiveEmptyEnumCheck"
    category = "warning"
    base_priority = "high"
    summary = "Use Enum.empty?/1 or match on [] instead of counting to zero."

    # comparisons of a length with 0, with the 0 on either side
    _ZERO_RIGHT = frozenset({"==", "===", "!=", "!==", ">", ">="})
    _ZERO_LEFT = frozenset({"==", "===", "!=", "!==", "<", "<="})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("binary_operator"):
            op = operator(src, node)
            if op not in self._ZERO_RIGHT and op not in self._ZERO_LEFT:
                continue
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            for counted, zero in ((left, right), (right, left)):
                if _is_length_call(src, counted) and src.node_text(zero) == "0":
                    if op not in (self._ZERO_RIGHT if counted is left else self._ZERO_LEFT):
                        continue
                    label = _call_label(src, strip_parens(counted))
                    yield ctx.issue(
                        f"Using `{label}` to check for emptiness is expensive; use `Enum.empty?/1` or `== []`.",
                        src.line_of(node), trigger=src.node_text(node), column=src.column_of(node))
                    break


@register
class RaiseInsideRescue(CredoCheck):
    """`raise` inside a `rescue` clause, which loses the original stacktrace."""

    name = "Credo.Check.Warning.RaiseInsideRescue"
    category = "warning"
    base_priority = "normal"
    summary = "Use reraise inside rescue blocks to keep the stacktrace."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "raise"):
            for anc in ancestors(call):
                if anc.type == "rescue_block":
                    yield ctx.issue("Use `reraise` inside a rescue block to preserve the original stacktrace.",
                                    src.line_of(call), trigger="raise", column=src.column_of(call))
                    break
                if anc.type in ("anonymous_function", "do_block") or (
                    anc.type == "call" and local_call_name(src, anc) in ("def", "defp", "try")
                ):
                    if anc.type != "do_block":
                        break


@register
class ApplicationConfigInModuleAttribute(CredoCheck):
    """Module attributes set from `Application.get_env/fetch_env` (read at compile time, not run time)."""

    name = "Credo.Check.Warning.ApplicationConfigInModuleAttribute"
    category = "warning"
    base_priority = "high"
    summary = "Use Application.compile_env in module attributes, not get_env/fetch_env."

    _FUNS = frozenset({"get_env", "fetch_env", "fetch_env!", "get_all_env"})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in _remote_calls(src, "Application", self._FUNS):
            for anc in ancestors(call):
                if anc.type == "unary_operator" and operator(src, anc) == "@":
                    attr = src.node_text(anc).split("(")[0].split()[0]
                    fun = remote_call(src, call)[1]  # type: ignore[index]
                    yield ctx.issue(
                        f"Module attribute {attr} makes use of unsafe Application configuration call "
                        f"Application.{fun}; use Application.compile_env instead.",
                        src.line_of(anc), trigger=f"Application.{fun}")
                    break


def _same_operands(src, node: Node) -> bool:  # noqa: ANN001
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return False
    lt, rt = "".join(src.node_text(left).split()), "".join(src.node_text(right).split())
    return lt == rt and left.type in ("identifier", "call", "access_call", "dot", "integer", "atom")


@register
class BoolOperationOnSameValues(CredoCheck):
    """`x and x`, `x || x`: the operation is redundant."""

    name = "Credo.Check.Warning.BoolOperationOnSameValues"
    category = "warning"
    base_priority = "high"
    summary = "Boolean operations on the same value are redundant."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("binary_operator"):
            op = operator(src, node)
            if op in ("and", "or", "&&", "||") and _same_operands(src, node) and not in_attribute(src, node):
                yield ctx.issue(f"There are identical sub-expressions to the left and to the right of the '{op}' "
                                "operator.", src.line_of(node), trigger=op)


@register
class OperationOnSameValues(CredoCheck):
    """`x == x`, `x - x`, `x / x`: the result is constant."""

    name = "Credo.Check.Warning.OperationOnSameValues"
    category = "warning"
    base_priority = "high"
    summary = "Operations on the same values always give the same result."

    _OPS = {"==": "true", "===": "true", "!=": "false", "!==": "false", ">": "false", ">=": "true",
            "<": "false", "<=": "true", "-": "0", "/": "1"}

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("binary_operator"):
            op = operator(src, node)
            if op in self._OPS and _same_operands(src, node) and not in_attribute(src, node):
                if any(a.type == "binary_operator" and operator(src, a) == "when" for a in ancestors(node)):
                    continue
                yield ctx.issue(f"Operation will always return {self._OPS[op]}.", src.line_of(node), trigger=op)


@register
class OperationWithConstantResult(CredoCheck):
    """`x * 0` (always 0) and `x * 1` / `x / 1` (always x)."""

    name = "Credo.Check.Warning.OperationWithConstantResult"
    category = "warning"
    base_priority = "high"
    summary = "Operations with a constant result are probably mistakes."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("binary_operator"):
            op = operator(src, node)
            right = node.child_by_field_name("right")
            if op != "*" or right is None or right.type != "integer":
                continue
            value = src.node_text(right)
            if value == "0":
                yield ctx.issue("Operation will always return 0.", src.line_of(node), trigger="*")
            elif value == "1":
                yield ctx.issue("Operation will always return the left side.", src.line_of(node), trigger="*")


@register
class SpecWithStruct(CredoCheck):
    """`@spec` using a struct literal (`%User{}`) instead of its type (`User.t()`)."""

    name = "Credo.Check.Warning.SpecWithStruct"
    category = "warning"
    base_priority = "normal"
    summary = "Use Struct.t() in specs rather than %Struct{}."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("unary_operator"):
            if operator(src, node) != "@" or not src.node_text(node).startswith("@spec"):
                continue
            for struct in src.nodes_of_type("struct", node=node):
                name = src.node_text(struct)
                yield ctx.issue(f"Struct %{name}{{}} found in @spec; use {name}.t() instead.",
                                src.line_of(struct), trigger=f"%{name}{{}}")


@register
class StructFieldAmount(CredoCheck):
    """Structs with more than `max_fields` fields (maps over 32 keys change representation)."""

    name = "Credo.Check.Warning.StructFieldAmount"
    category = "warning"
    base_priority = "normal"
    default_params = {"max_fields": 31}
    summary = "Structs should have at most 31 fields."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = int(ctx.params["max_fields"])
        for call in calls_named(src, "defstruct"):
            args = call_args(call)
            if len(args) != 1:
                continue
            arg = args[0]
            if arg.type == "keywords":
                count = sum(1 for c in arg.named_children if c.type == "pair")
            elif arg.type == "list":
                count = sum(
                    (sum(1 for p in c.named_children if p.type == "pair") if c.type == "keywords" else 1)
                    for c in arg.named_children if c.type != "comment"
                )
            else:
                continue
            if count > limit:
                yield ctx.issue(f"Struct has {count} fields; keep it at {limit} or fewer.", src.line_of(call),
                                trigger="defstruct")


@register
class UnsafeExec(CredoCheck):
    """`:os.cmd` and shell-string `Port.open`: prefer `System.cmd` with an argument list."""

    name = "Credo.Check.Warning.UnsafeExec"
    category = "warning"
    base_priority = "high"
    summary = "Prefer System.cmd/3 over :os.cmd and shell ports."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in src.calls:
            rc = remote_call(src, call)
            if rc == (":os", "cmd") and call_args(call):
                yield ctx.issue("Prefer `System.cmd/3` over `:os.cmd/1` to prevent command injection.",
                                src.line_of(call), trigger=":os.cmd")
            elif rc in (("Port", "open"), (":erlang", "open_port")):
                args = call_args(call)
                if args and args[0].type == "tuple" and src.node_text(args[0]).lstrip("{ ").startswith(":spawn,"):
                    yield ctx.issue(f"Prefer `System.cmd/3` over `{rc[0]}.{rc[1]}` with `:spawn` to prevent "
                                    "command injection.", src.line_of(call), trigger=f"{rc[0]}.{rc[1]}")


# --------------------------------------------------------------------- unused operations

_STATEMENT_CONTAINERS = frozenset({"do_block", "body", "else_block", "after_block", "block"})


def _statement_value_discarded(node: Node) -> bool:
    """True when `node` is an expression statement whose value is thrown away (not the last in its block)."""
    parent = node.parent
    if parent is None or parent.type not in _STATEMENT_CONTAINERS:
        return False
    if parent.type == "block" and parent.named_child_count <= 1:
        return False
    siblings = [c for c in parent.named_children if c.type not in ("comment",)]
    if parent.type == "do_block":
        siblings = [c for c in siblings if not c.type.endswith("_block")]
    return bool(siblings) and siblings[-1] != node


def _inside_function(src, node: Node) -> bool:  # noqa: ANN001
    return any(a.type == "call" and local_call_name(src, a) in ("def", "defp", "defmacro", "defmacrop")
               for a in ancestors(node))


class _UnusedOperation(CredoCheck):
    """Shared rule: a pure function's result that is never used."""

    module: str
    excluded: frozenset[str] = frozenset()
    only: frozenset[str] | None = None
    base_priority = "high"
    category = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in _remote_calls(src, self.module):
            fun = remote_call(src, call)[1]  # type: ignore[index]
            if fun in self.excluded or (self.only is not None and fun not in self.only):
                continue
            statement = call
            parent = call.parent
            if parent is not None and parent.type == "binary_operator" and operator(src, parent) == "|>":
                if parent.child_by_field_name("right") != call:
                    continue
                statement = parent
            if _statement_value_discarded(statement) and _inside_function(src, statement):
                yield ctx.issue(f"There should be no unused return values for {self.module} functions.",
                                src.line_of(call), trigger=f"{self.module}.{fun}")


def _unused(module: str, excluded: frozenset[str] = frozenset(), only: frozenset[str] | None = None):  # noqa: ANN202
    def wrap(cls: type[_UnusedOperation]) -> type[_UnusedOperation]:
        cls.module, cls.excluded, cls.only = module, excluded, only
        cls.summary = f"The result of a pure {module} function should be used."
        register(cls)
        return cls

    return wrap


@_unused("Enum", frozenset({"each"}))
class UnusedEnumOperation(_UnusedOperation):
    """An `Enum` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedEnumOperation"


@_unused("File", only=frozenset({"cwd", "cwd!", "dir?", "exists?", "lstat", "lstat!", "read", "read!", "read_link",
                                 "read_link!", "regular?", "stat", "stat!", "ls", "ls!"}))
class UnusedFileOperation(_UnusedOperation):
    """A side-effect-free `File` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedFileOperation"


@_unused("Keyword")
class UnusedKeywordOperation(_UnusedOperation):
    """A `Keyword` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedKeywordOperation"


@_unused("List")
class UnusedListOperation(_UnusedOperation):
    """A `List` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedListOperation"


@_unused("Map")
class UnusedMapOperation(_UnusedOperation):
    """A `Map` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedMapOperation"


@_unused("Path")
class UnusedPathOperation(_UnusedOperation):
    """A `Path` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedPathOperation"


@_unused("Regex")
class UnusedRegexOperation(_UnusedOperation):
    """A `Regex` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedRegexOperation"


@_unused("String")
class UnusedStringOperation(_UnusedOperation):
    """A `String` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedStringOperation"


@_unused("Tuple")
class UnusedTupleOperation(_UnusedOperation):
    """A `Tuple` call whose result is discarded."""

    name = "Credo.Check.Warning.UnusedTupleOperation"


@register
class MissedMetadataKeyInLoggerConfig(CredoCheck):
    """Logger calls passing metadata keys that the logger configuration does not print."""

    name = "Credo.Check.Warning.MissedMetadataKeyInLoggerConfig"
    category = "warning"
    base_priority = "high"
    default_params = {"metadata_keys": []}
    summary = "Logger metadata keys should be listed in the logger config."

    _LEVELS = frozenset({"debug", "info", "notice", "warning", "warn", "error", "critical", "alert", "emergency",
                         "log", "metadata"})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allowed = ctx.params.get("metadata_keys") or []
        if allowed in ("all", ":all") or not allowed:
            # Without a configured key list there is nothing to compare against.
            return
        allowed_names = {str(k).lstrip(":") for k in allowed}
        for call in _remote_calls(src, "Logger", self._LEVELS):
            args = call_args(call)
            if not args or args[-1].type != "keywords":
                continue
            for key, _value in keyword_pairs(src, args[-1]):
                if key not in allowed_names:
                    yield ctx.issue(f"Logger metadata key {key} not found in Logger config.", src.line_of(call),
                                    trigger=key)


@register
class WrongTestFilename(CredoCheck):
    """Test files under `test/` whose name does not end in `_test.exs` (ExUnit will not run them)."""

    name = "Credo.Check.Warning.WrongTestFilename"
    category = "warning"
    base_priority = "high"
    default_params = {"files": {"included": ["test/"], "excluded": ["test/**/*_test.exs", "apps/**/test/**/*_test.exs"]}}
    summary = "Test files must end with _test.exs."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        path = src.filename.replace("\\", "/")
        if not path.endswith(".exs") or path.endswith("_test.exs"):
            return
        if not (path.startswith("test/") or "/test/" in path):
            return
        if path.endswith("test_helper.exs") or "/support/" in path:
            return
        if any(local_call_name(src, c) == "test" for c in src.calls):
            yield ctx.issue("Test files should end with `_test.exs`.", 1, trigger=path.rsplit("/", 1)[-1])


# --------------------------------------------------------------------- opt-in


@register
class UnsafeToAtom(CredoCheck):
    """Creating atoms from runtime data (atoms are never garbage collected)."""

    name = "Credo.Check.Warning.UnsafeToAtom"
    category = "warning"
    base_priority = "high"
    enabled_by_default = False
    summary = "Do not create atoms from unknown input."

    _CALLS = {
        ("String", "to_atom"): "String.to_existing_atom/1",
        ("List", "to_atom"): "List.to_existing_atom/1",
        (":erlang", "binary_to_atom"): ":erlang.binary_to_existing_atom/2",
        (":erlang", "list_to_atom"): ":erlang.list_to_existing_atom/1",
        ("Module", "concat"): "Module.safe_concat/1,2",
        ("Jason", "decode"): "Jason.decode/2 without keys: :atoms",
    }

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in src.calls:
            rc = remote_call(src, call)
            if rc not in self._CALLS or in_attribute(src, call):
                continue
            if rc == ("Jason", "decode") and "keys: :atoms" not in src.node_text(call):
                continue
            if rc == ("Module", "concat") and all(a.type == "alias" for a in call_args(call)):
                continue
            yield ctx.issue(f"Prefer {self._CALLS[rc]} over {rc[0]}.{rc[1]} to avoid creating atoms at runtime.",
                            src.line_of(call), trigger=f"{rc[0]}.{rc[1]}", column=src.column_of(call))
        for node in src.by_type("quoted_atom"):
            if any(c.type == "interpolation" for c in node.named_children):
                yield ctx.issue("Prefer String.to_existing_atom/1 over interpolated atoms.", src.line_of(node),
                                trigger=":\"")


@register
class MapGetUnsafePass(CredoCheck):
    """`Map.get/2` piped into a function that fails on nil."""

    name = "Credo.Check.Warning.MapGetUnsafePass"
    category = "warning"
    base_priority = "normal"
    enabled_by_default = False
    summary = "Map.get/2 may return nil; give a default before piping into Enum or List."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("binary_operator"):
            if operator(src, node) != "|>":
                continue
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or right.type != "call":
                continue
            rc_right = remote_call(src, right)
            prev = left.child_by_field_name("right") if left.type == "binary_operator" else left
            if prev is None or prev.type != "call" or rc_right is None or rc_right[0] not in ("Enum", "List"):
                continue
            if remote_call(src, prev) != ("Map", "get"):
                continue
            piped_in = left.type == "binary_operator"
            if len(call_args(prev)) + (1 if piped_in else 0) == 2:
                yield ctx.issue("Map.get with no default return value is potentially unsafe in pipes; use "
                                "Map.get/3 instead.", src.line_of(prev), trigger="Map.get")


__all__ = ["defs"]
