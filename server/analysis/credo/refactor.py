"""Credo's Refactor checks: complexity, nesting, arity and constructs with a simpler equivalent."""

from __future__ import annotations

import bisect
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
    strip_parens,
)
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ._shared import (
    NEST_OPS,
    body_nodes,
    clause_left,
    condition,
    def_name,
    defs,
    in_attribute,
    is_negation,
    is_remote,
    keyword_block,
    pipe_steps,
    pipes,
    stab_clauses,
)

_COMPLEXITY_DEFS = frozenset({"def", "defp", "defmacro"})
_DOUBLE_CONDITION_CALLS = frozenset({"if", "unless", "for", "try"})
_DOUBLE_CONDITION_OPERATORS = frozenset({"and", "or", "&&", "||"})


_NESTING_OPS = NEST_OPS | {"for", "with"}
_BLOCK_KEYS = frozenset({"do", "else", "rescue", "catch", "after"})


def _nest_trigger(src, node: Node) -> str | None:  # noqa: ANN001
    if node.type == "anonymous_function":
        return "fn"
    if node.type == "call":
        name = local_call_name(src, node)
        if name in _NESTING_OPS:
            return name
    return None


def _in_body(src, def_call: Node, path: list[Node]) -> bool:  # noqa: ANN001
    """Whether the path from a node up to `def_call` (nearest last) runs through one of the def's blocks."""
    if not path:
        return False
    child = path[-1]
    if child.type == "do_block":
        return True
    if child.type == "arguments" and len(path) >= 3 and path[-2].type == "keywords" and path[-3].type == "pair":
        key = path[-3].child_by_field_name("key")
        return key is not None and src.node_text(key).strip().rstrip(":").strip() in _BLOCK_KEYS
    return False


@register
class Nesting(CredoCheck):
    """Function bodies nested deeper than `max_nesting` levels of if/unless/case/cond/fn/for/with."""

    name = "Credo.Check.Refactor.Nesting"
    category = "refactor"
    base_priority = "normal"
    default_params = {"max_nesting": 2}
    summary = "Code should not be nested more than twice inside a function."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_nesting = int(ctx.params["max_nesting"])
        deepest: dict[int, tuple[int, int, str, Node]] = {}
        for node in [*src.calls, *src.by_type("anonymous_function")]:
            trigger = _nest_trigger(src, node)
            if trigger is None:
                continue
            depth = 0
            path: list[Node] = []
            current: Node | None = node
            while current is not None:
                if _nest_trigger(src, current) is not None:
                    depth += 1
                if current.type == "call" and local_call_name(src, current) in _COMPLEXITY_DEFS:
                    if _in_body(src, current, path):
                        key = (depth, src.line_of(node), trigger)
                        best = deepest.get(current.id)
                        if best is None or key > best[:3]:
                            deepest[current.id] = (*key, current)
                path.append(current)
                current = current.parent
        for depth, line, trigger, _def_call in sorted(deepest.values(), key=lambda v: (v[3].start_byte, v[1])):
            if depth > max_nesting:
                yield ctx.issue(
                    f"Function body is nested too deep (max depth is {max_nesting}, was {depth}).",
                    line,
                    trigger=trigger,
                )


def complexity_of(src, def_call: Node, calls: list[Node], call_starts: list[int],
                  ops: list[Node], op_starts: list[int]) -> int:  # noqa: ANN001
    """Credo's cyclomatic complexity of a definition (the definition itself counts 1)."""
    total = 0
    lo, hi = def_call.start_byte, def_call.end_byte
    for call in calls[bisect.bisect_left(call_starts, lo) : bisect.bisect_left(call_starts, hi)]:
        if call.end_byte > hi:
            continue
        name = local_call_name(src, call)
        if name in _COMPLEXITY_DEFS or name in _DOUBLE_CONDITION_CALLS:
            total += 1
        elif name in ("case", "cond"):
            total += len(stab_clauses(src, call))
    for op in ops[bisect.bisect_left(op_starts, lo) : bisect.bisect_left(op_starts, hi)]:
        if op.end_byte <= hi and operator(src, op) in _DOUBLE_CONDITION_OPERATORS:
            total += 1
    return total


@register
class CyclomaticComplexity(CredoCheck):
    """Functions whose cyclomatic complexity exceeds `max_complexity`."""

    name = "Credo.Check.Refactor.CyclomaticComplexity"
    category = "refactor"
    base_priority = "normal"
    default_params = {"max_complexity": 9}
    summary = "Functions should not branch too much."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_cc = int(ctx.params["max_complexity"])
        calls = src.calls
        call_starts = [c.start_byte for c in calls]
        ops = src.by_type("binary_operator")
        op_starts = [o.start_byte for o in ops]
        for call, kind in defs(src, _COMPLEXITY_DEFS):
            if not call_args(call):
                continue
            name = def_name(src, call)
            if kind == "defmacro" and name == "__using__":
                continue
            cc = complexity_of(src, call, calls, call_starts, ops, op_starts)
            if cc > max_cc:
                yield ctx.issue(
                    f"Function is too complex (cyclomatic complexity is {cc}, max is {max_cc}).",
                    src.line_of(call),
                    trigger=name,
                )


@register
class FunctionArity(CredoCheck):
    """Functions taking more than `max_arity` parameters."""

    name = "Credo.Check.Refactor.FunctionArity"
    category = "refactor"
    base_priority = "normal"
    default_params = {"max_arity": 8, "ignore_defp": False}
    summary = "Functions should not take too many parameters."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        from ..ast import def_head

        src = ctx.src
        max_arity = int(ctx.params["max_arity"])
        kinds = frozenset({"def", "defmacro"} if ctx.params.get("ignore_defp") else {"def", "defp", "defmacro"})
        for call, _kind in defs(src, kinds):
            head = def_head(src, call)
            if head is None:
                continue
            arity = len(head[1])
            if arity > max_arity:
                yield ctx.issue(
                    f"Function takes too many parameters (arity is {arity}, max is {max_arity}).",
                    src.line_of(call),
                    trigger=head[0],
                )


@register
class CondStatements(CredoCheck):
    """`cond` with only one condition besides a catch-all `true`: an `if` reads better."""

    name = "Credo.Check.Refactor.CondStatements"
    category = "refactor"
    base_priority = "normal"
    summary = "A cond with fewer than three clauses should be an if/else."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "cond"):
            clauses = stab_clauses(src, call)
            if not clauses or len(clauses) > 2:
                continue
            last = clause_left(clauses[-1])
            if len(clauses) == 1 or (last is not None and src.node_text(last).strip() in ("true", ":else", "_")):
                yield ctx.issue(
                    "Cond has a single condition besides the catch-all; use if/else instead.",
                    src.line_of(call),
                    trigger="cond",
                )


def _with_clauses(src, call: Node) -> list[Node]:  # noqa: ANN001
    return [a for a in call_args(call) if a.type != "keywords"]


def _is_arrow(src, node: Node) -> bool:  # noqa: ANN001
    return node.type == "binary_operator" and operator(src, node) == "<-"


@register
class WithClauses(CredoCheck):
    """`with` that does not start and end with a `<-` clause."""

    name = "Credo.Check.Refactor.WithClauses"
    category = "refactor"
    base_priority = "high"
    summary = "with should start and end with <- clauses; plain expressions belong outside."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            clauses = _with_clauses(src, call)
            if not clauses or not any(_is_arrow(src, c) for c in clauses):
                continue
            if not _is_arrow(src, clauses[0]):
                yield ctx.issue("`with` should start with a `<-` clause; move the expression before it.",
                                src.line_of(call), trigger="with")
            elif not _is_arrow(src, clauses[-1]):
                yield ctx.issue("`with` should end with a `<-` clause; move the expression into the body.",
                                src.line_of(call), trigger="with")


@register
class Apply(CredoCheck):
    """`apply/2,3` where the function and the argument count are known: call it directly."""

    name = "Credo.Check.Refactor.Apply"
    category = "refactor"
    base_priority = "low"
    summary = "Avoid apply/2 and apply/3 when the arguments are a literal list."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in src.calls:
            if local_call_name(src, call) != "apply" and remote_call(src, call) != ("Kernel", "apply"):
                continue
            if in_attribute(src, call):
                continue
            args = call_args(call)
            if call.parent is not None and call.parent.type == "binary_operator" and operator(src, call.parent) == "|>":
                if call.parent.child_by_field_name("right") == call:
                    args = [call.parent.child_by_field_name("left"), *args]  # type: ignore[list-item]
            if len(args) == 2:
                fun, arg_list = args
                ok = fun.type in ("identifier", "call", "anonymous_function", "unary_operator")
            elif len(args) == 3:
                fun, arg_list = args[1], args[2]
                ok = fun.type == "atom"
            else:
                continue
            if ok and arg_list.type == "list" and "|" not in src.node_text(arg_list).replace("||", ""):
                yield ctx.issue("Avoid `apply/2` and `apply/3` when the number of arguments is known.",
                                src.line_of(call), trigger="apply")


@register
class UnlessWithElse(CredoCheck):
    """`unless` with an `else` branch: flip it into an `if`."""

    name = "Credo.Check.Refactor.UnlessWithElse"
    category = "refactor"
    base_priority = "high"
    summary = "unless with else should be rewritten as if with else."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "unless"):
            if keyword_block(src, call, "else") is not None:
                yield ctx.issue("Avoid `unless` with `else` blocks; use `if` and swap the branches.",
                                src.line_of(call), trigger="unless", column=src.column_of(call))


@register
class NegatedConditionsInUnless(CredoCheck):
    """`unless !cond` / `unless not cond`: a double negative."""

    name = "Credo.Check.Refactor.NegatedConditionsInUnless"
    category = "refactor"
    base_priority = "high"
    summary = "unless with a negated condition should be an if."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "unless"):
            cond = condition(call)
            if cond is not None and is_negation(src, strip_parens(cond)):
                op = operator(src, strip_parens(cond))
                yield ctx.issue("Avoid negated conditions in unless blocks; use `if` instead.",
                                src.line_of(call), trigger=op)


@register
class NegatedConditionsWithElse(CredoCheck):
    """`if !cond do ... else ... end`: swap the branches and drop the negation."""

    name = "Credo.Check.Refactor.NegatedConditionsWithElse"
    category = "refactor"
    base_priority = "high"
    summary = "if with a negated condition and an else should swap its branches."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "if"):
            if keyword_block(src, call, "else") is None:
                continue
            cond = condition(call)
            if cond is not None and is_negation(src, strip_parens(cond)):
                yield ctx.issue("Avoid negated conditions in if-else blocks; swap the branches instead.",
                                src.line_of(call), trigger="if", column=src.column_of(call))


@register
class MatchInCondition(CredoCheck):
    """A pattern match (`=`) with a non-trivial pattern inside an `if`/`unless` condition."""

    name = "Credo.Check.Refactor.MatchInCondition"
    category = "refactor"
    base_priority = "normal"
    default_params = {"allow_tagged_tuples": False, "allow_operators": False}
    summary = "Pattern matches in if/unless conditions hide a case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "if", "unless"):
            cond = condition(call)
            if cond is None:
                continue
            cond = strip_parens(cond)
            if cond.type != "binary_operator" or operator(src, cond) != "=":
                continue
            left = cond.child_by_field_name("left")
            if left is None or left.type == "identifier":
                continue
            if ctx.params.get("allow_tagged_tuples") and left.type == "tuple":
                continue
            yield ctx.issue("There should be no matches in `if` conditions; use `case` instead.",
                            src.line_of(call), trigger="=")


class _PipePairCheck(CredoCheck):
    """Shared rule: a call of `first` whose result goes straight into `second`."""

    first: tuple[str, str]
    second: tuple[str, str]
    second_arity: int | None = None  # arguments of the second call when piped into
    message: str = ""

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for pipe in pipes(src):
            before, after = pipe_steps(src, pipe)
            if is_remote(src, before, *self.first) and is_remote(src, after, *self.second):
                if self.second_arity is None or len(call_args(after)) == self.second_arity:  # type: ignore[arg-type]
                    yield ctx.issue(self.message, src.line_of(after), trigger="|>")  # type: ignore[arg-type]
        for call in src.calls:
            if not is_remote(src, call, *self.second):
                continue
            args = call_args(call)
            if args and is_remote(src, args[0], *self.first):
                if self.second_arity is None or len(args) - 1 == self.second_arity:
                    yield ctx.issue(self.message, src.line_of(call), trigger=f"{self.second[0]}.{self.second[1]}")


@register
class FilterCount(_PipePairCheck):
    """`Enum.filter |> Enum.count`: `Enum.count/2` does it in one pass."""

    name = "Credo.Check.Refactor.FilterCount"
    category = "refactor"
    base_priority = "high"
    summary = "Use Enum.count/2 instead of filtering then counting."
    first, second, second_arity = ("Enum", "filter"), ("Enum", "count"), 0
    message = "`Enum.count/2` is more efficient than `Enum.filter/2 |> Enum.count/1`."


@register
class FilterFilter(_PipePairCheck):
    """Two `Enum.filter` calls in a row: combine the predicates."""

    name = "Credo.Check.Refactor.FilterFilter"
    category = "refactor"
    base_priority = "normal"
    summary = "Combine consecutive Enum.filter calls."
    first, second = ("Enum", "filter"), ("Enum", "filter")
    message = "One `Enum.filter/2` is more efficient than `Enum.filter/2 |> Enum.filter/2`."


@register
class RejectReject(_PipePairCheck):
    """Two `Enum.reject` calls in a row: combine the predicates."""

    name = "Credo.Check.Refactor.RejectReject"
    category = "refactor"
    base_priority = "normal"
    summary = "Combine consecutive Enum.reject calls."
    first, second = ("Enum", "reject"), ("Enum", "reject")
    message = "One `Enum.reject/2` is more efficient than `Enum.reject/2 |> Enum.reject/2`."


@register
class MapJoin(_PipePairCheck):
    """`Enum.map |> Enum.join`: `Enum.map_join/3` does it in one pass."""

    name = "Credo.Check.Refactor.MapJoin"
    category = "refactor"
    base_priority = "high"
    summary = "Use Enum.map_join/3 instead of mapping then joining."
    first, second = ("Enum", "map"), ("Enum", "join")
    message = "`Enum.map_join/3` is more efficient than `Enum.map/2 |> Enum.join/2`."


@register
class LongQuoteBlocks(CredoCheck):
    """`quote` blocks longer than `max_line_count` lines."""

    name = "Credo.Check.Refactor.LongQuoteBlocks"
    category = "refactor"
    base_priority = "high"
    default_params = {"max_line_count": 150, "ignore_comments": False}
    summary = "Long quote blocks are hard to read; move code into functions."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_lines = int(ctx.params["max_line_count"])
        for call in calls_named(src, "quote"):
            if not body_nodes(src, call):
                continue
            first, last = call.start_point[0] + 1, call.end_point[0] + 1
            lines = [src.line(n) for n in range(first, last + 1)]
            if ctx.params.get("ignore_comments"):
                lines = [ln for ln in lines if not ln.strip().startswith("#")]
            count = len(lines)
            if count > max_lines:
                yield ctx.issue(f"Avoid long quote blocks ({count} lines, max is {max_lines}).",
                                first, trigger="quote")


@register
class RedundantWithClauseResult(CredoCheck):
    """`with` whose last clause's pattern is exactly what the body returns, and no `else`."""

    name = "Credo.Check.Refactor.RedundantWithClauseResult"
    category = "refactor"
    base_priority = "high"
    summary = "The last with clause is redundant when the body just returns its pattern."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            if keyword_block(src, call, "else") is not None:
                continue
            clauses = _with_clauses(src, call)
            body = body_nodes(src, call)
            if not clauses or len(body) != 1 or not _is_arrow(src, clauses[-1]):
                continue
            pattern = clauses[-1].child_by_field_name("left")
            if pattern is not None and _norm(src.node_text(pattern)) == _norm(src.node_text(body[0])):
                yield ctx.issue("The last clause of `with` is redundant: its pattern is the result.",
                                src.line_of(call), trigger="with")


def _norm(text: str) -> str:
    return "".join(text.split())


@register
class DoubleBooleanNegation(CredoCheck):
    """`!!value` used to coerce to a boolean."""

    name = "Credo.Check.Refactor.DoubleBooleanNegation"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Double negation hides intent; compare explicitly."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("unary_operator"):
            if not is_negation(src, node):
                continue
            inner = node.named_children[-1] if node.named_children else None
            if inner is not None and is_negation(src, strip_parens(inner)) and not (
                node.parent is not None and is_negation(src, node.parent)
            ):
                yield ctx.issue("Double boolean negation found.", src.line_of(node), trigger="!!")


@register
class NegatedIsNil(CredoCheck):
    """`not is_nil(x)` / `!is_nil(x)` in a guard: match on nil first instead."""

    name = "Credo.Check.Refactor.NegatedIsNil"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Negated is_nil in guards; add a nil clause first."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("unary_operator"):
            if not is_negation(src, node):
                continue
            inner = strip_parens(node.named_children[-1]) if node.named_children else None
            if inner is None or inner.type != "call" or local_call_name(src, inner) != "is_nil":
                continue
            if any(a.type == "binary_operator" and operator(src, a) == "when" for a in ancestors(node)):
                yield ctx.issue("Negated `is_nil` in a guard; match on `nil` in an earlier clause instead.",
                                src.line_of(node), trigger="is_nil")


@register
class IoPuts(CredoCheck):
    """`IO.puts` calls, which usually should be Logger calls in application code."""

    name = "Credo.Check.Refactor.IoPuts"
    category = "refactor"
    base_priority = "normal"
    enabled_by_default = False
    summary = "Prefer Logger over IO.puts in application code."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in src.calls:
            if remote_call(src, call) == ("IO", "puts"):
                yield ctx.issue("There should be no calls to `IO.puts/1`.", src.line_of(call), trigger="IO.puts")


__all__ = ["complexity_of", "keyword_pairs"]
