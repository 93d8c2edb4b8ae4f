"""Credo's Warning checks: code that is probably a bug, a debugging leftover or a security risk."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tree_sitter import Node

from ..ast import (
    ancestors,
    call_args,
    calls_named,
    do_block,
    keyword_pairs,
    local_call_name,
    remote_call,
    remote_calls_to,
)
from ..checks import CheckContext, CredoCheck, register
from ..credo_config import CredoConfig
from ..issues import Issue
from ..source import SourceFile
from ..terms import Regex

_DEF_OPS = frozenset({"def", "defp", "defmacro", "defmacrop"})


# --------------------------------------------------------------------- shared helpers


def _text(src: SourceFile, node: Node) -> str:
    return src.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _binops(src: SourceFile) -> dict[str, list[Node]]:
    """Binary operator nodes of a file grouped by operator text, built once per file."""
    index = getattr(src, "_warning_binops", None)
    if index is None:
        index = {}
        data = src.data
        for node in src.by_type("binary_operator"):
            op = node.child_by_field_name("operator")
            if op is not None:
                index.setdefault(data[op.start_byte : op.end_byte].decode("utf-8", "replace"), []).append(node)
        src._warning_binops = index  # type: ignore[attr-defined]
    return index


def _binops_of(src: SourceFile, ops: Iterable[str]) -> list[Node]:
    index = _binops(src)
    found = [n for op in ops for n in index.get(op, ())]
    found.sort(key=lambda n: n.start_byte)
    return found


def _op_text(src: SourceFile, node: Node) -> str | None:
    op = node.child_by_field_name("operator")
    return _text(src, op) if op is not None else None


def _op_line(node: Node) -> int:
    """Line of an operator token: Elixir's AST puts a binary operator on its operator's line."""
    op = node.child_by_field_name("operator")
    return (op or node).start_point[0] + 1


def _unparen(node: Node) -> Node:
    while node.type == "block" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _tokens(node: Node) -> list[tuple[str, bytes]]:
    """Leaf tokens of a subtree (comments left out): the expression without layout."""
    out: list[tuple[str, bytes]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "comment":
            continue
        if n.child_count == 0:
            out.append((n.type, n.text or b""))
        else:
            stack.extend(reversed(n.children))
    return out


def _same_expr(src: SourceFile, left: Node, right: Node) -> bool:
    """Whether two expressions are the same code, ignoring whitespace, comments and outer parentheses."""
    left, right = _unparen(left), _unparen(right)
    if left.type != right.type:
        return False
    lt, rt = _text(src, left), _text(src, right)
    if "".join(lt.split()) != "".join(rt.split()):
        return False
    return lt == rt or _tokens(left) == _tokens(right)


def _in_attribute(src: SourceFile, node: Node, name: str | None = None) -> bool:
    """Inside a module attribute (`@name ...`; any attribute when name is None)."""
    for anc in ancestors(node):
        if anc.type == "unary_operator" and _op_text(src, anc) == "@":
            if name is None:
                return True
            operand = anc.named_children[-1] if anc.named_child_count else None
            if operand is not None and operand.type == "call" and local_call_name(src, operand) == name:
                return True
    return False


def _block_statements(node: Node) -> list[Node]:
    """Expressions of a do/else/after block, a clause body or a parenthesised block."""
    return [c for c in node.named_children if c.type != "comment" and not c.type.endswith("_block")]


def _remote(src: SourceFile, module: str, funs: Iterable[str] | None = None) -> Iterator[tuple[Node, str]]:
    wanted = frozenset(funs) if funs is not None else None
    for call in remote_calls_to(src, module):
        rc = remote_call(src, call)
        if rc is not None and (wanted is None or rc[1] in wanted):
            yield call, rc[1]


def _pipe_right(src: SourceFile, call: Node) -> bool:
    """The call is the right-hand step of a `|>` (its first argument is piped in)."""
    parent = call.parent
    return (
        parent is not None
        and parent.type == "binary_operator"
        and parent.child_by_field_name("right") == call
        and _op_text(src, parent) == "|>"
    )


def _bare_identifiers(src: SourceFile, name: str, captures: bool = True) -> list[Node]:
    """A function name used without a call: piped bare (`x |> name`) or captured (`&name/1`)."""
    wanted = name.encode()
    found = []
    for pipe in _binops(src).get("|>", ()):
        right = pipe.child_by_field_name("right")
        if right is not None and right.type == "identifier" and right.text == wanted:
            found.append(right)
    if captures:
        for slash in _binops(src).get("/", ()):
            left = slash.child_by_field_name("left")
            outer = slash.parent
            if left is not None and left.type == "identifier" and left.text == wanted and outer is not None \
                    and outer.type == "unary_operator" and _op_text(src, outer) == "&":
                found.append(left)
    return found


# --------------------------------------------------------------------- debugging leftovers


@register
class IoInspect(CredoCheck):
    """Calls to `IO.inspect/1,2`, which are nearly always left over from a debugging session."""

    name = "Credo.Check.Warning.IoInspect"
    category = "warning"
    base_priority = "high"
    summary = "Remove IO.inspect calls left over from debugging."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for module in ("IO", "Elixir.IO"):
            for call, _fun in _remote(src, module, ("inspect",)):
                if len(call_args(call)) >= 3:
                    continue
                yield ctx.issue("Found a call to `IO.inspect`; remove this debugging output.", src.line_of(call),
                                trigger=f"{module}.inspect", column=src.column_of(call))


@register
class IExPry(CredoCheck):
    """Calls to `IEx.pry`, a breakpoint that should not be committed."""

    name = "Credo.Check.Warning.IExPry"
    category = "warning"
    base_priority = "high"
    summary = "Remove IEx.pry breakpoints."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call, _fun in _remote(src, "IEx", ("pry",)):
            yield ctx.issue("Found a call to `IEx.pry`; remove this breakpoint.", src.line_of(call),
                            trigger="IEx.pry", column=src.column_of(call))


@register
class Dbg(CredoCheck):
    """Calls to `dbg` (local, `Kernel.dbg`, piped or captured), debugging output that should not be committed."""

    name = "Credo.Check.Warning.Dbg"
    category = "warning"
    base_priority = "high"
    default_params = {"allow_captures": False}
    summary = "Remove dbg calls left over from debugging."

    _MESSAGE = "Found a call to `dbg`; remove this debugging output."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        found: list[tuple[int, Node, str]] = []
        for call in calls_named(src, "dbg"):
            # dbg/0..2 by name (a definition head of that arity counts too, as in Credo); `@dbg` is an attribute
            if len(call_args(call)) <= 2 and not self._is_attribute(src, call):
                found.append((call.start_byte, call, "dbg"))
        for module in ("Kernel", "Elixir.Kernel"):
            for call, _fun in _remote(src, module, ("dbg",)):
                found.append((call.start_byte, call, f"{module}.dbg"))
        allow_captures = bool(ctx.params.get("allow_captures"))
        for node in _bare_identifiers(src, "dbg", captures=not allow_captures):
            found.append((node.start_byte, node, "dbg"))  # `x |> dbg`, `&dbg/1`
        for _pos, node, trigger in sorted(found, key=lambda t: t[0]):
            yield ctx.issue(self._MESSAGE, src.line_of(node), trigger=trigger, column=src.column_of(node))

    @staticmethod
    def _is_attribute(src: SourceFile, call: Node) -> bool:
        parent = call.parent
        return parent is not None and parent.type == "unary_operator" and _op_text(src, parent) == "@"


# --------------------------------------------------------------------- expensive emptiness checks


def _counted(src: SourceFile, node: Node) -> tuple[Node, str] | None:
    """(call, trigger) when node is `length(x)` or `Enum.count(...)`."""
    node = _unparen(node)
    if node.type != "call":
        return None
    if local_call_name(src, node) == "length":
        return (node, "length") if len(call_args(node)) == 1 and do_block(node) is None else None
    if remote_call(src, node) == ("Enum", "count"):
        return node, "Enum.count"
    return None


def _int_literal(src: SourceFile, node: Node) -> int | None:
    node = _unparen(node)
    if node.type != "integer":
        return None
    try:
        return int(_text(src, node).replace("_", ""), 0)
    except ValueError:
        return None


@register
class ExpensiveEmptyEnumCheck(CredoCheck):
    """Comparing `length/1` or `Enum.count` with 0 (or 1) to test for emptiness, which walks the whole collection."""

    name = "Credo.Check.Warning.ExpensiveEmptyEnumCheck"
    category = "warning"
    base_priority = "high"
    summary = "Test emptiness with Enum.empty?/1 or [] instead of counting elements."

    _ZERO_OPS = ("==", "!=", "===", "!==", ">", "<", ">=", "<=")
    _OPS = frozenset(_ZERO_OPS)

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops_of(src, self._ZERO_OPS):
            hit = self._match(src, node)
            if hit is None:
                continue
            guard = self._guard_position(src, node)
            if guard is None:
                continue  # inside a function head (left of `when`): Credo does not look there
            call, trigger = hit
            if guard:
                advice = "compare with the empty list instead"
            elif trigger == "Enum.count" and len(call_args(call)) == 2:
                advice = "use `not Enum.any?/2` instead"
            else:
                advice = "use `Enum.empty?/1` instead"
            yield ctx.issue(f"Counting with `{trigger}` to test for emptiness is expensive; {advice}.",
                            _op_line(node), trigger=trigger, column=src.column_of(call))

    def _match(self, src: SourceFile, node: Node) -> tuple[Node, str] | None:
        op = _op_text(src, node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or op not in self._OPS:
            return None
        lval, rval = _int_literal(src, left), _int_literal(src, right)
        if rval is not None and (rval == 0 or (rval == 1 and op in (">=", "<"))):
            hit = _counted(src, left)
            if hit is not None:
                return hit
        if lval is not None and (lval == 0 or (lval == 1 and op == "<=")):
            return _counted(src, right)
        return None

    @staticmethod
    def _guard_position(src: SourceFile, node: Node) -> bool | None:
        """True in a guard, False outside one, None in the head part of a `when`."""
        child = node
        for anc in ancestors(node):
            if anc.type == "binary_operator" and _op_text(src, anc) == "when":
                return True if anc.child_by_field_name("right") == child else None
            child = anc
        return False


# --------------------------------------------------------------------- rescue


@register
class RaiseInsideRescue(CredoCheck):
    """`raise` inside a `rescue` clause, which throws away the original stacktrace (use `reraise`)."""

    name = "Credo.Check.Warning.RaiseInsideRescue"
    category = "warning"
    base_priority = 0
    summary = "Use reraise, not raise, inside rescue blocks."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        nodes = list(calls_named(src, "raise"))
        nodes.extend(_bare_identifiers(src, "raise"))  # `x |> raise`, `&raise/1`
        nodes.sort(key=lambda n: n.start_byte)
        for node in nodes:
            for _ in range(self._rescue_depth(src, node)):
                yield ctx.issue("Found `raise` in a rescue block; use `reraise` to keep the original stacktrace.",
                                src.line_of(node), trigger="raise", column=src.column_of(node))

    @staticmethod
    def _rescue_depth(src: SourceFile, node: Node) -> int:
        """How many times Credo's walk finds this raise inside a rescue block.

        Every `try ... rescue` counts, and so does the implicit rescue of a definition written
        `def ... do ... rescue ... end`; the `do` part of such a definition is never searched.
        """
        count = 0
        child = node
        for anc in ancestors(node):
            if anc.type == "rescue_block" and anc.parent is not None and anc.parent.type == "do_block":
                owner = anc.parent.parent
                if owner is not None and owner.type == "call" and local_call_name(src, owner) == "try":
                    count += 1
            elif anc.type == "do_block" and anc.parent is not None and anc.parent.type == "call":
                owner = anc.parent
                if local_call_name(src, owner) in _DEF_OPS and len(call_args(owner)) == 1:
                    kinds = [c.type for c in anc.named_children if c.type.endswith("_block")]
                    if kinds == ["rescue_block"]:
                        if child.type == "rescue_block":
                            count += 1
                        else:
                            count = 0  # Credo skips the do part of a def with an implicit rescue
            child = anc
        return count


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
                if anc.type != "unary_operator" or _op_text(src, anc) != "@":
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


# --------------------------------------------------------------------- operations on same values


def _module_redefines(src: SourceFile, module: Node, op: str) -> bool:
    """Whether a `def` inside the module defines the operator (so `a and a` may mean something else)."""
    for call in calls_named(src, "def"):
        if not (module.start_byte <= call.start_byte < module.end_byte):
            continue
        args = call_args(call)
        if not args:
            continue
        head = args[0]
        if head.type == "binary_operator" and _op_text(src, head) == "when":
            head = head.child_by_field_name("left") or head
        if head.type == "binary_operator" and _op_text(src, head) == op:
            return True
        if head.type == "call" and local_call_name(src, head) == op and call_args(head):
            return True
    return False


@register
class BoolOperationOnSameValues(CredoCheck):
    """`x and x`, `x || x`: a boolean operation with the same expression on both sides."""

    name = "Credo.Check.Warning.BoolOperationOnSameValues"
    category = "warning"
    base_priority = "high"
    summary = "Boolean operations should not have the same expression on both sides."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops_of(src, ("and", "or", "&&", "||")):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or not _same_expr(src, left, right):
                continue
            op = _op_text(src, node) or ""
            # Credo looks at each module (nested ones again on their own) unless it redefines the operator.
            for module in ancestors(node):
                if module.type == "call" and local_call_name(src, module) == "defmodule":
                    if not _module_redefines(src, module, op):
                        yield ctx.issue(f"Both sides of `{op}` are the same expression; the operation is redundant.",
                                        _op_line(node), trigger=op)


@register
class OperationOnSameValues(CredoCheck):
    """`x == x`, `x - x`, `@a / @a`: comparisons and arithmetic whose result is known in advance."""

    name = "Credo.Check.Warning.OperationOnSameValues"
    category = "warning"
    base_priority = "high"
    summary = "Operations on the same variable on both sides always give the same result."

    _RESULTS = {"==": ("Comparison", "true"), ">=": ("Comparison", "true"), "<=": ("Comparison", "true"),
                "!=": ("Comparison", "false"), ">": ("Comparison", "false"), "<": ("Comparison", "false"),
                "/": ("Operation", "1"), "-": ("Operation", "0")}

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops_of(src, self._RESULTS):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or not self._variable_or_attribute(src, left):
                continue
            if not _same_expr(src, left, right) or self._excluded(src, node):
                continue
            op = _op_text(src, node) or ""
            kind, result = self._RESULTS[op]
            yield ctx.issue(f"{kind} of a value with itself: `{op}` here always gives {result}.",
                            _op_line(node), trigger=op)

    @staticmethod
    def _variable_or_attribute(src: SourceFile, node: Node) -> bool:
        if node.type == "identifier":
            return True
        return node.type == "unary_operator" and _op_text(src, node) == "@"

    def _excluded(self, src: SourceFile, node: Node) -> bool:
        """Inside `@spec`, or in the head of a definition of one of these operators."""
        child = node
        for anc in ancestors(node):
            if anc.type == "unary_operator" and _op_text(src, anc) == "@":
                operand = anc.named_children[-1] if anc.named_child_count else None
                if operand is not None and operand.type == "call" and local_call_name(src, operand) == "spec":
                    return True
            if anc.type == "arguments" and anc.parent is not None and anc.parent.type == "call" \
                    and local_call_name(src, anc.parent) in ("def", "defp", "defmacro"):
                first = anc.named_children[0] if anc.named_child_count else None
                if first is not None and first == child and first.type == "binary_operator" \
                        and _op_text(src, first) in self._RESULTS:
                    return True
            child = anc
        return False


@register
class OperationWithConstantResult(CredoCheck):
    """`x * 0` (always zero) and `x * 1` (always x)."""

    name = "Credo.Check.Warning.OperationWithConstantResult"
    category = "warning"
    base_priority = "high"
    summary = "Multiplying by 0 or 1 has a constant or trivial result."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in _binops(src).get("*", ()):
            right = node.child_by_field_name("right")
            if right is None or right.type != "integer":
                continue
            value = _int_literal(src, right)
            if value not in (0, 1) or self._skipped(src, node):
                continue
            result = "zero" if value == 0 else "its left side"
            yield ctx.issue(f"Multiplying by {value} always gives {result}.", _op_line(node), trigger="*")

    @staticmethod
    def _skipped(src: SourceFile, node: Node) -> bool:
        for anc in ancestors(node):
            if anc.type == "unary_operator":
                op = _op_text(src, anc)
                if op == "&":
                    return True
                if op == "@":
                    operand = anc.named_children[-1] if anc.named_child_count else None
                    if operand is not None and operand.type == "call" and local_call_name(src, operand) == "spec":
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


# --------------------------------------------------------------------- security


@register
class UnsafeExec(CredoCheck):
    """`:os.cmd/1,2` and `:erlang.open_port({:spawn, cmd}, opts)`, which run a shell command string."""

    name = "Credo.Check.Warning.UnsafeExec"
    category = "warning"
    base_priority = "high"
    summary = "Run external programs with System.cmd/2,3, not through a shell string."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        found: list[tuple[Node, str, str]] = []
        for call, _fun in _remote(src, ":os", ("cmd",)):
            n = len(call_args(call))
            if n in (1, 2):
                found.append((call, f":os.cmd/{n}", "System.cmd/2,3"))
        for call, _fun in _remote(src, ":erlang", ("open_port",)):
            args = call_args(call)
            if len(args) == 2 and self._spawn_tuple(src, args[0]):
                found.append((call, ":erlang.open_port/2 with `:spawn`", ":erlang.open_port/2 with `:spawn_executable`"))
        for call, bad, good in sorted(found, key=lambda t: t[0].start_byte):
            yield ctx.issue(f"{bad} runs a shell command string, open to command injection; use {good} instead.",
                            src.line_of(call), trigger=bad)

    @staticmethod
    def _spawn_tuple(src: SourceFile, node: Node) -> bool:
        if node.type != "tuple":
            return False
        items = [c for c in node.named_children if c.type != "comment"]
        return len(items) == 2 and items[0].type == "atom" and _text(src, items[0]) == ":spawn"


# --------------------------------------------------------------------- unused return values


_HEAD_EXPR_OPS = frozenset({"if", "unless", "case", "for", "quote"})
_RETURN_DEF_OPS = frozenset({"def", "defp", "defmacro"})
_PASS_THROUGH = frozenset({"arguments", "dot", "list", "keywords", "pair", "stab_clause", "anonymous_function",
                           "map_content"})


def _falsified(src: SourceFile, candidate: Node) -> bool:
    """Whether the call's value is thrown away, following Credo's unused-return walk.

    Starting at the call, each enclosing expression either uses the value (an assignment,
    an argument of another call or operator, the head of an `if`/`case`, the left of a
    pipe), passes the question outward (the last expression of a block, a clause, a list,
    a 2-tuple), or discards it (an expression of a block that is not its last, the `after`
    of a `try`). The enclosing `def`/`defp`/`defmacro` decides what is left: the value is
    used when it ends the body (or the last `rescue`/`catch` clause). Only calls inside
    such a definition count at all.
    """
    child = candidate
    for node in ancestors(candidate):
        t = node.type
        if t == "call":
            local = local_call_name(src, node)
            if local in _RETURN_DEF_OPS:
                if child.type == "do_block":
                    return not _def_block_verdict(child, candidate)
                return False  # in the head, or `def f, do: ...`
            if local in _HEAD_EXPR_OPS:
                if child.type == "arguments":
                    if do_block(node) is not None:
                        return False
                    args = [c for c in child.named_children if c.type != "comment"]
                    # without do ... end the last argument is the `do:` keyword list; the rest is the head
                    if args and not _contains(args[-1], candidate):
                        return False
            elif local == "try":
                after = next((c for c in child.named_children if c.type == "after_block"), None) \
                    if child.type == "do_block" else None
                if after is not None and _contains(after, candidate):
                    return True
            elif local is not None:
                return False  # an argument (or the do block) of another macro or local call
            elif child.type == "arguments" and _module_call_target(node):
                return False  # an argument of a Mod.fun / :mod.fun / var.fun call
        elif t == "binary_operator":
            # the left of a pipe is used; its right passes on; every other operator uses its operands
            if _op_text(src, node) != "|>" or node.child_by_field_name("right") != child:
                return False
        elif t in _BLOCKS:
            if not (t == "do_block" and child.type.endswith("_block")):
                statements = _block_statements(node)
                if len(statements) > 1 and statements[-1] != child \
                        and not any(s.type == "stab_clause" for s in statements):
                    return True
        elif t == "tuple":
            if sum(1 for c in node.named_children if c.type != "comment") != 2:
                return False  # `{a, b, c}` is a call of `{}` in Elixir's AST
        elif t == "source":
            return False
        elif t not in _PASS_THROUGH:
            return False  # maps, strings, sigils, unary operators, access: the value is used
        child = node
    return False


_BLOCKS = frozenset({"do_block", "else_block", "after_block", "rescue_block", "catch_block", "body", "block"})


def _module_call_target(call: Node) -> bool:
    """`Mod.fun(...)`, `:mod.fun(...)`, `var.fun(...)` or `get_mod().fun(...)` (not `fun.(...)`)."""
    target = call.child_by_field_name("target")
    if target is None or target.type != "dot" or target.child_by_field_name("right") is None:
        return False
    left = target.child_by_field_name("left")
    if left is None:
        return False
    if left.type in ("alias", "atom", "identifier"):
        return True
    if left.type == "call" and not call_args(left):
        inner = left.child_by_field_name("target")
        if inner is not None and inner.type == "dot":
            mod = inner.child_by_field_name("left")
            return mod is not None and mod.type == "alias"
    return False


def _contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def _has_def_ancestor(src: SourceFile, node: Node) -> bool:
    return any(a.type == "call" and local_call_name(src, a) in _RETURN_DEF_OPS for a in ancestors(node))


def _def_block_verdict(def_block: Node, inner: Node) -> bool:
    """Inside the do ... end of a definition: used when last in the body or in the last rescue/catch clause."""
    for part in def_block.named_children:
        if part.type in ("rescue_block", "catch_block") and _contains(part, inner):
            clauses = [c for c in part.named_children if c.type == "stab_clause"]
            return bool(clauses) and _contains(clauses[-1], inner)
        if part.type in ("else_block", "after_block") and _contains(part, inner):
            return False
    statements = _block_statements(def_block)
    return bool(statements) and _contains(statements[-1], inner)


def _unused_calls(src: SourceFile, module: str, funs: frozenset[str] | None) -> Iterator[tuple[Node, str]]:
    for call, fun in _remote(src, module, funs):
        if _falsified(src, call) and _has_def_ancestor(src, call):
            yield call, fun


class _UnusedOperation(CredoCheck):
    """Shared rule of the Unused*Operation checks: a pure function's result that is thrown away."""

    module: str = ""
    functions: frozenset[str] | None = None  # None: every function of the module
    category = "warning"
    base_priority = "high"

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call, fun in _unused_calls(src, self.module, self.functions):
            yield ctx.issue(f"The result of `{self.module}.{fun}` is not used; {self.module} functions return a new "
                            "value instead of changing their argument.", src.line_of(call),
                            trigger=f"{self.module}.{fun}", column=src.column_of(call))


def _unused_check(module: str, functions: Iterable[str] | None = None) -> Any:
    """Class decorator: configure and register one Unused*Operation check."""

    def wrap(cls: type[_UnusedOperation]) -> type[_UnusedOperation]:
        cls.module = module
        cls.functions = frozenset(functions) if functions is not None else None
        cls.summary = f"Use the result of {module} functions; they do not change their arguments."
        return register(cls)  # type: ignore[return-value]

    return wrap


@_unused_check("Enum", """all? any? at chunk chunk_by concat count dedup dedup_by drop drop_while empty? fetch fetch!
    filter filter_map find find_index find_value flat_map flat_map_reduce group_by intersperse into join map map_join
    map_reduce max max_by member min min_by min_max min_max_by partition random reduce reduce_while reject reverse
    reverse_slice scan shuffle slice sort sort_by split split_while sum take take_every take_random take_while to_list
    uniq uniq_by unzip with_index zip""".split())
class UnusedEnumOperation(_UnusedOperation):
    """An `Enum` call (other than `each`) whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedEnumOperation"


@_unused_check("File", "cwd cwd! dir? exists? read read! regular? stat stat!".split())
class UnusedFileOperation(_UnusedOperation):
    """A side-effect-free `File` query whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedFileOperation"


@_unused_check("Keyword", """delete delete_first drop equal? fetch fetch! filter from_keys get get_and_update
    get_and_update! get_lazy get_values has_key? keys keyword? merge new pop pop! pop_first pop_lazy pop_values put
    put_new put_new_lazy reject replace replace! replace_lazy split split_with take to_list update update! validate
    values""".split())
class UnusedKeywordOperation(_UnusedOperation):
    """A `Keyword` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedKeywordOperation"


@_unused_check("List")
class UnusedListOperation(_UnusedOperation):
    """A `List` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedListOperation"


@_unused_check("Map", """delete drop equal? fetch fetch! filter from_keys from_struct get get_and_update get_and_update!
    get_lazy has_key? intersect keys merge new pop pop! pop_lazy put put_new put_new_lazy reject replace replace!
    replace_lazy split split_with take to_list update update! values""".split())
class UnusedMapOperation(_UnusedOperation):
    """A `Map` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedMapOperation"


@_unused_check("Path")
class UnusedPathOperation(_UnusedOperation):
    """A `Path` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedPathOperation"


@_unused_check("Regex")
class UnusedRegexOperation(_UnusedOperation):
    """A `Regex` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedRegexOperation"


@_unused_check("String")
class UnusedStringOperation(_UnusedOperation):
    """A `String` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedStringOperation"


@_unused_check("Tuple")
class UnusedTupleOperation(_UnusedOperation):
    """A `Tuple` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedTupleOperation"


# --------------------------------------------------------------------- logger metadata


_LOGGER_FUNS = frozenset({"alert", "critical", "debug", "emergency", "error", "info", "notice", "warn", "warning",
                          "metadata", "log"})
_CONSOLE_CONFIG = re.compile(r"config\s*\(?\s*:logger\s*,\s*:console\s*,(?P<body>.*?)(?=\n\s*config\b|\n\s*import_config|\Z)",
                             re.S)
_METADATA_VALUE = re.compile(r"metadata:\s*(?P<value>:all\b|\[[^\]]*\])")


@functools.lru_cache(maxsize=64)
def _project_logger_metadata(project_root: str) -> tuple[str, ...] | str:
    """Metadata keys of `config :logger, :console` in a project's config (dev environment), or "all"."""
    keys: tuple[str, ...] | str = ()
    for name in ("config.exs", "dev.exs"):
        path = Path(project_root) / "config" / name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for block in _CONSOLE_CONFIG.finditer(text):
            for value in _METADATA_VALUE.finditer(block.group("body")):
                raw = value.group("value")
                keys = "all" if raw == ":all" else tuple(re.findall(r":(\w+)", raw))
    return keys


def _project_root(filename: str) -> str | None:
    """The nearest folder above the file holding a mix.exs."""
    return _project_root_of_dir(str(Path(filename).parent))


@functools.lru_cache(maxsize=1024)
def _project_root_of_dir(directory: str) -> str | None:
    try:
        path = Path(directory).resolve()
    except OSError:
        return None
    for parent in [path, *list(path.parents)[:8]]:
        if (parent / "mix.exs").is_file():
            return str(parent)
    return None


def _atom_name(value: Any) -> str:
    name = getattr(value, "name", value)
    return str(name).lstrip(":")


@register
class MissedMetadataKeyInLoggerConfig(CredoCheck):
    """Logger calls with metadata keys that the logger configuration does not print (so they are lost)."""

    name = "Credo.Check.Warning.MissedMetadataKeyInLoggerConfig"
    category = "warning"
    base_priority = "high"
    default_params = {"metadata_keys": []}
    summary = "Logger metadata keys must be listed in the logger's console config."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allowed = self._allowed_keys(ctx)
        if allowed is None:
            return
        calls: list[tuple[Node, str]] = list(_remote(src, "Logger", _LOGGER_FUNS))
        imports = [c for c in calls_named(src, "import")
                   if [_text(src, a) for a in call_args(c)] == ["Logger"] and call_args(c)[0].type == "alias"]
        if imports:
            after = imports[0].start_byte
            for fun in _LOGGER_FUNS:
                calls.extend((c, fun) for c in calls_named(src, fun) if c.start_byte > after)
        for call, fun in sorted(calls, key=lambda t: t[0].start_byte):
            metadata = self._metadata_arg(fun, call_args(call))
            if metadata is None:
                continue
            keys = self._keyword_keys(src, metadata)
            if keys is None:
                continue
            missed = [k for k in keys if k not in allowed]
            if missed:
                yield ctx.issue(f"Logger metadata key {', '.join(missed)} is not in the logger config and will be "
                                "dropped in production.", src.line_of(call))

    @staticmethod
    def _allowed_keys(ctx: CheckContext) -> set[str] | None:
        """The configured keys; None when every key is printed (`:all`)."""
        param = ctx.params.get("metadata_keys") or []
        if _atom_name(param) == "all":
            return None
        if not param:
            root = _project_root(str(ctx.path))
            project = _project_logger_metadata(root) if root else ()
            if project == "all":
                return None
            return set(project)
        return {_atom_name(k) for k in param}

    @staticmethod
    def _metadata_arg(fun: str, args: list[Node]) -> Node | None:
        if fun == "metadata":
            return args[0] if len(args) == 1 else None
        if fun == "log":
            return args[2] if len(args) == 3 else None
        return args[1] if len(args) == 2 else None

    @staticmethod
    def _keyword_keys(src: SourceFile, node: Node) -> list[str] | None:
        """Keys of a literal keyword list (`[a: 1]`, `a: 1`, `[{:a, 1}]`), or None when not one."""
        if node.type == "keywords":
            return [k for k, _v in keyword_pairs(src, node)]
        if node.type != "list":
            return None
        keys: list[str] = []
        for item in node.named_children:
            if item.type == "comment":
                continue
            if item.type == "keywords":
                keys.extend(k for k, _v in keyword_pairs(src, item))
            elif item.type == "tuple":
                parts = [c for c in item.named_children if c.type != "comment"]
                if len(parts) != 2 or parts[0].type != "atom":
                    return None
                keys.append(_text(src, parts[0]).lstrip(":"))
            else:
                return None
        return keys


# --------------------------------------------------------------------- test files


@register
class WrongTestFilename(CredoCheck):
    """Files under `test/` that `use` a test case module but are not named `*_test.exs` (mix test skips them)."""

    name = "Credo.Check.Warning.WrongTestFilename"
    category = "warning"
    base_priority = "high"
    default_params = {"files": {"included": ["test/"], "excluded": ["test/**/*_test.exs", "apps/**/test/**/*_test.exs"]}}
    summary = "Test files must be named *_test.exs."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        path = src.filename.replace("\\", "/")
        if path.endswith("_test.exs") or not self._in_scope(path, ctx.params.get("files")):
            return
        for call in calls_named(src, "use"):
            args = call_args(call)
            if not args or args[0].type != "alias" or self._in_quote(src, call):
                continue
            module = "".join(_text(src, args[0]).split())
            if module.endswith("Case"):
                yield ctx.issue(f"This file uses `{module}` but its name does not end in `_test.exs`, so "
                                "`mix test` will not run it.", src.line_of(call), trigger=module)

    @staticmethod
    def _in_scope(path: str, files: Any) -> bool:
        included = ["test/"]
        excluded: list[str] = []
        if isinstance(files, dict):
            included = list(files.get("included", included))
            excluded = list(files.get("excluded", excluded))
        config = CredoConfig(included=list[str | Regex](included), excluded=list[str | Regex](excluded))
        if path.startswith("/"):
            # an absolute path (the editor's document): judge it from its innermost test/ folder on
            marker = path.rfind("/test/")
            if marker < 0:
                return False
            path = path[marker + 1 :]
        return config.includes_file(path)

    @staticmethod
    def _in_quote(src: SourceFile, node: Node) -> bool:
        return any(a.type == "call" and local_call_name(src, a) == "quote" and call_args(a) or (
            a.type == "call" and local_call_name(src, a) == "quote" and do_block(a) is not None)
            for a in ancestors(node))


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
            if anc.type == "unary_operator" and _op_text(src, anc) == "@":
                return True
            if anc.type == "call":
                if local_call_name(src, anc) == "unquote" and call_args(anc):
                    return True
                rc = remote_call(src, anc)
                if rc is not None and rc[1] == "unquote" and call_args(anc):
                    return True
        return False


@register
class MapGetUnsafePass(CredoCheck):
    """`Map.get/2` piped into an `Enum` function: a missing key gives nil, which Enum cannot take."""

    name = "Credo.Check.Warning.MapGetUnsafePass"
    category = "warning"
    base_priority = "normal"
    enabled_by_default = False
    summary = "Give Map.get a default before piping its result into Enum."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for pipe in _binops(src).get("|>", ()):
            steps = self._unpipe(src, pipe)
            for idx, step in enumerate(steps[:-1]):
                if step.type != "call" or remote_call(src, step) != ("Map", "get"):
                    continue
                required = 3 if idx == 0 else 2
                if len(call_args(step)) == required:
                    continue
                nxt = steps[idx + 1]
                rc = remote_call(src, nxt) if nxt.type == "call" else None
                if rc is not None and rc[0] == "Enum":
                    target = step.child_by_field_name("target")
                    yield ctx.issue("Map.get/2 returns nil for a missing key, which breaks the next step of the pipe; "
                                    "give a default with Map.get/3.", src.line_of(target or step), trigger="Map.get",
                                    column=src.column_of(step))

    @staticmethod
    def _unpipe(src: SourceFile, node: Node) -> list[Node]:
        node = _unparen(node)
        if node.type == "binary_operator" and _op_text(src, node) == "|>":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                return MapGetUnsafePass._unpipe(src, left) + MapGetUnsafePass._unpipe(src, right)
        return [node]
