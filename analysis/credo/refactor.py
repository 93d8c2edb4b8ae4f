"""Credo's Refactor checks: complexity, nesting, arity and constructs with a simpler equivalent."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterator

from tree_sitter import Node

from ..ast import (
    arguments_node,
    call_args,
    calls_named,
    def_head,
    do_block,
    local_call_name,
    remote_call,
    remote_calls_to,
)
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ..source import SourceFile

# --------------------------------------------------------------------------------------------
# Small tree helpers (tree-sitter nodes read as the Elixir AST Credo walks)
# --------------------------------------------------------------------------------------------

_DEF_OPS = ("def", "defp", "defmacro")
_START = operator.attrgetter("start_byte")
_BLOCK_TYPES = frozenset({"else_block", "rescue_block", "catch_block", "after_block"})


def _op(node: Node) -> str | None:
    """Operator of a binary/unary operator node (the operator token's type is its text)."""
    tok = node.child_by_field_name("operator")
    return tok.type if tok is not None else None


def _op_line(node: Node) -> int:
    """Line of an operator node's operator token: Credo reports operators there."""
    tok = node.child_by_field_name("operator")
    return (tok or node).start_point[0] + 1


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _named(node: Node) -> list[Node]:
    """Named children without comments."""
    return [c for c in node.named_children if c.type != "comment"]


def _unparen(node: Node) -> Node:
    """`(expr)` is just `expr` in the Elixir AST."""
    while node.type == "block":
        inner = _named(node)
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def _kw_key(src: SourceFile, pair: Node) -> str:
    key = pair.child_by_field_name("key")
    if key is None:
        return ""
    return src.node_text(key).strip().rstrip(":").strip().strip('"')


def _keyword_entries(src: SourceFile, node: Node) -> list[tuple[str, list[Node]]]:
    """(key, value nodes) of a `keywords` node or of a `do ... end` block, in source order.

    Both are keyword lists in the Elixir AST: `[do: body, else: other]`.
    """
    if node.type == "keywords":
        out = []
        for pair in node.named_children:
            if pair.type == "pair":
                value = pair.child_by_field_name("value")
                out.append((_kw_key(src, pair), [value] if value is not None else []))
        return out
    entries: list[tuple[str, list[Node]]] = [("do", [])]
    for child in node.named_children:
        if child.type == "comment":
            continue
        if child.type in _BLOCK_TYPES:
            entries.append((child.type[:-6], _named(child)))
        elif len(entries) == 1:
            entries[0][1].append(child)
    return entries


def _args_of(call: Node) -> Node | None:
    """The `arguments` child of a call (usually the child right after the target)."""
    second = call.named_child(1) if call.named_child_count > 1 else None
    if second is not None and second.type == "arguments":
        return second
    if second is not None and second.type == "do_block":
        return None
    return arguments_node(call)


def _call_lists(call: Node) -> tuple[list[Node], list[Node]]:
    """(positional argument nodes, keyword-list nodes) of a call; the do block is a keyword list."""
    positional: list[Node] = []
    lists: list[Node] = []
    args = _args_of(call)
    if args is not None:
        for child in args.named_children:
            if child.type == "keywords":
                lists.append(child)
            elif child.type != "comment":
                positional.append(child)
    block = do_block(call)
    if block is not None:
        lists.append(block)
    return positional, lists


def _block_value(src: SourceFile, call: Node, key: str) -> list[Node] | None:
    """Value nodes of `key` (`do`, `else`, ...) in the call's keyword lists, or None without one."""
    for kw in _call_lists(call)[1]:
        for k, value in _keyword_entries(src, kw):
            if k == key:
                return value
    return None


def _is_negation(node: Node) -> str | None:
    """`!x` / `not x` (and `a not in b`, which is `not(a in b)`): the negator, else None."""
    if node.type == "unary_operator":
        op = _op(node)
        if op in ("!", "not"):
            return op
    elif node.type == "binary_operator" and _op(node) == "not in":
        return "not"
    return None


def _negation_operand(node: Node) -> Node | None:
    if node.type == "unary_operator":
        inner = _named(node)
        return _unparen(inner[-1]) if inner else None
    return None


def _def_name(src: SourceFile, call: Node) -> str | None:
    head = def_head(src, call)
    return head[0] if head else None


def _defs(src: SourceFile) -> list[Node]:
    return calls_named(src, *_DEF_OPS)


_OPERATOR_LITERALS = {
    "boolean": ((b"&&", b"||", b" and", b" or"), "binary_operator", frozenset({"and", "or", "&&", "||"})),
    "when": ((b" when",), "binary_operator", frozenset({"when"})),
}


def _operator_nodes(src: SourceFile, group: str) -> list[Node]:
    """Operator nodes of one group, in source order: `boolean` (and/or/&&/||) or `when`.

    Candidates are found by a plain byte search over the file and confirmed in the tree, which
    is far cheaper than asking every operator node for its operator.
    """
    cache = getattr(src, "_credo_refactor_ops", None)
    if cache is None:
        cache = src._credo_refactor_ops = {}  # type: ignore[attr-defined]
    found = cache.get(group)
    if found is not None:
        return found
    found = []
    root = src.root
    if root is not None:
        literals, parent_type, tokens = _OPERATOR_LITERALS[group]
        data = src.data
        seen: set[int] = set()
        for lit in literals:
            skip = 1 if lit.startswith(b" ") else 0
            pos = data.find(lit)
            while pos >= 0:
                start = pos + skip
                tok = root.descendant_for_byte_range(start, pos + len(lit))
                if tok is not None and tok.type in tokens and tok.start_byte == start:
                    parent = tok.parent
                    if (parent is not None and parent.type == parent_type and parent.id not in seen
                            and parent.child_by_field_name("operator") == tok):
                        seen.add(parent.id)
                        found.append(parent)
                pos = data.find(lit, pos + len(lit))
        found.sort(key=lambda n: n.start_byte)
    cache[group] = found
    return found


def _negations(src: SourceFile) -> list[Node]:
    """`!x` and `not x` unary operators, in source order."""
    return [n for n in src.by_type("unary_operator") if _op(n) in ("!", "not")]


# --------------------------------------------------------------------------------------------
# Nesting
# --------------------------------------------------------------------------------------------

_NEST_CALLS = frozenset({"if", "unless", "case", "cond", "for", "with"})
_LEAF = ("leaf",)


def _nest_candidates(src: SourceFile, max_nesting: int) -> list[Node]:
    """Definitions that could exceed `max_nesting`: structurally, counting every nest construct.

    Credo only follows part of the tree, so its depth never exceeds this count; definitions
    under the limit here need no closer look.
    """
    nests: list[Node] = [n for name in _NEST_CALLS for n in calls_named(src, name)]
    nests += src.by_type("anonymous_function")
    if len(nests) <= max_nesting:
        return []
    nests.sort(key=_START)
    starts = [n.start_byte for n in nests]
    ends = [n.end_byte for n in nests]
    out = []
    for def_call in _defs(src):
        lo = bisect.bisect_left(starts, def_call.start_byte)
        hi = bisect.bisect_left(starts, def_call.end_byte)
        if hi - lo <= max_nesting:
            continue
        stack: list[int] = []
        for i in range(lo, hi):
            start = starts[i]
            while stack and stack[-1] <= start:
                stack.pop()
            stack.append(ends[i])
            if len(stack) > max_nesting:
                out.append(def_call)
                break
    return out


def _nesting_of(src: SourceFile, def_call: Node, kind: str) -> tuple[int, int, str] | None:
    """Credo's deepest `(depth, line, construct)` in a definition, following only what Credo follows.

    Credo walks the definition's do/else/rescue/after bodies. Below that it follows calls and
    operators; of a nested keyword list it reads only `[do: x]`, `[do: x, else: y]`,
    `[do: _, rescue: r]` and `[do: _, after: a]`; list literals, two-element tuples and map
    pairs are opaque. The line and construct are those of the innermost if/unless/case/cond/
    fn/for/with around the deepest point; ties go to the later line.
    """
    best: tuple[int, int, str] | None = None
    ctx0 = (0, _line(def_call), kind)
    work: list[tuple[object, tuple[int, int, str]]] = []
    lists = _call_lists(def_call)[1]
    for key in ("do", "else", "rescue", "after"):
        for kw in lists:
            found = [v for k, v in _keyword_entries(src, kw) if k == key]
            if found:
                work.append((("content", found[0]), ctx0))
                break
    while work:
        item, ctx = work.pop()
        if isinstance(item, tuple):
            tag, payload = item
            if tag == "content":
                nodes = payload
                if len(nodes) == 1:
                    only = nodes[0]
                    if only.type == "list":  # List.wrap of a list literal: its elements
                        for el in _named(only):
                            if el.type == "keywords":
                                if el.named_child_count:
                                    best = ctx if best is None or ctx > best else best
                            else:
                                work.append((el, ctx))
                        continue
                    if only.type == "nil":  # List.wrap(nil) is empty
                        continue
                work.extend((n, ctx) for n in nodes)
            elif tag == "kw":
                entries = _keyword_entries(src, payload)
                keys = [k for k, _ in entries]
                if keys == ["do"]:
                    work.append((("content", entries[0][1]), ctx))
                elif keys == ["do", "else"]:
                    work.append((("content", entries[0][1]), ctx))
                    work.append((("content", entries[1][1]), ctx))
                elif keys in (["do", "rescue"], ["do", "after"]):
                    work.append((("content", entries[1][1]), ctx))
            continue
        node: Node = item  # type: ignore[assignment]
        t = node.type
        if t == "call":
            target = node.child_by_field_name("target")
            new_ctx = ctx
            if target is not None and target.type == "identifier":
                name = src.node_text(target)
                if name in _NEST_CALLS:
                    new_ctx = (ctx[0] + 1, _line(node), name)
            positional, kws = _call_lists(node)
            work.extend((a, new_ctx) for a in positional)
            work.extend((("kw", k), new_ctx) for k in kws)
        elif t == "anonymous_function":
            new_ctx = (ctx[0] + 1, _line(node), "fn")
            for clause in node.named_children:
                if clause.type == "stab_clause":
                    work.append((clause, new_ctx))
        elif t == "stab_clause":
            body = node.child_by_field_name("right")
            if body is not None:
                work.extend((c, ctx) for c in _named(body))
        elif t in ("binary_operator",):
            op = _op(node)
            if op == "=>":
                best = ctx if best is None or ctx > best else best
            else:
                work.extend((c, ctx) for c in _named(node))
        elif t in ("unary_operator", "block", "body", "access_call", "bitstring", "interpolation"):
            work.extend((c, ctx) for c in _named(node))
        elif t == "keywords":
            work.append((("kw", node), ctx))
        elif t == "tuple":
            elems = _named(node)
            if len(elems) == 2:
                best = ctx if best is None or ctx > best else best
            else:
                work.extend((c, ctx) for c in elems)
        elif t == "map":
            for part in _named(node):
                if part.type == "struct":
                    best = ctx if best is None or ctx > best else best
                elif part.type == "map_content":
                    for entry in _named(part):
                        if entry.type == "keywords" or (entry.type == "binary_operator" and _op(entry) == "=>"):
                            if entry.named_child_count:
                                best = ctx if best is None or ctx > best else best
                        elif entry.type == "binary_operator" and _op(entry) == "|":
                            left = entry.child_by_field_name("left")
                            if left is not None:
                                work.append((left, ctx))
                        else:
                            work.append((entry, ctx))
        elif t in ("list", "charlist", "comment"):
            continue  # opaque to Credo's walk
        elif t in ("string", "sigil"):
            best = ctx if best is None or ctx > best else best
            for part in node.named_children:
                if part.type == "interpolation":
                    work.extend((c, ctx) for c in _named(part))
        else:
            best = ctx if best is None or ctx > best else best
    return best


@register
class Nesting(CredoCheck):
    """Function bodies nested deeper than `max_nesting` levels of if/unless/case/cond/fn/for/with.

    One issue per definition (def, defp, defmacro), on the line of the innermost construct of
    its deepest point; a definition inside another one counts for both.
    """

    name = "Credo.Check.Refactor.Nesting"
    category = "refactor"
    base_priority = 0
    default_params = {"max_nesting": 2}
    summary = "Code should not be nested more than twice inside a function."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_nesting = int(ctx.params["max_nesting"])
        for def_call in _nest_candidates(src, max_nesting):
            kind = local_call_name(src, def_call) or "def"
            found = _nesting_of(src, def_call, kind)
            if found is not None and found[0] > max_nesting:
                depth, line, trigger = found
                yield ctx.issue(
                    f"Function body is nested too deep (max depth is {max_nesting}, was {depth}).",
                    line,
                    trigger=trigger,
                )


# --------------------------------------------------------------------------------------------
# CyclomaticComplexity
# --------------------------------------------------------------------------------------------

_CC_CALLS = ("def", "defp", "defmacro", "if", "unless", "for", "try")


def _clause_count(src: SourceFile, call: Node) -> int:
    """How many branches Credo counts for a case/cond: the entries of its do block."""
    value = _block_value(src, call, "do")
    if value is None:
        return 0
    if len(value) == 1:
        only = value[0]
        if only.type == "list":
            return len(_named(only))
        if only.type == "nil":
            return 0
    if value and all(v.type == "stab_clause" for v in value):
        return len(value)
    return 1  # a single expression, or a block of several


class _ComplexityIndex:
    """Per-file positions of everything Credo's cyclomatic complexity scores.

    An upper bound per definition comes from position counts alone (every binary operator,
    every stab clause); only definitions that might exceed the limit get the exact count, with
    each operator's kind read from the tree and each case/cond's clauses counted.
    """

    _BOOLEAN = frozenset({"and", "or", "&&", "||"})

    def __init__(self, src: SourceFile) -> None:
        self.src = src
        self.calls = sorted(c.start_byte for name in _CC_CALLS for c in calls_named(src, name))
        self.branchy = [c for name in ("case", "cond") for c in calls_named(src, name)]
        self.branchy.sort(key=_START)
        self.branchy_starts = [c.start_byte for c in self.branchy]
        self.clauses = [c.start_byte for c in src.by_type("stab_clause")]
        self.operators = src.by_type("binary_operator")
        self.operator_starts = [n.start_byte for n in self.operators]
        self._boolean: dict[int, bool] = {}

    @staticmethod
    def _count(seq: list[int], lo: int, hi: int) -> int:
        return bisect.bisect_left(seq, hi) - bisect.bisect_left(seq, lo)

    def upper_bound(self, node: Node) -> int:
        lo, hi = node.start_byte, node.end_byte
        return (self._count(self.calls, lo, hi) + self._count(self.clauses, lo, hi)
                + self._count(self.operator_starts, lo, hi))

    def exact(self, node: Node) -> int:
        lo, hi = node.start_byte, node.end_byte
        total = self._count(self.calls, lo, hi)
        i, j = bisect.bisect_left(self.branchy_starts, lo), bisect.bisect_left(self.branchy_starts, hi)
        total += sum(_clause_count(self.src, c) for c in self.branchy[i:j])
        i, j = bisect.bisect_left(self.operator_starts, lo), bisect.bisect_left(self.operator_starts, hi)
        boolean = self._boolean
        for op in self.operators[i:j]:
            known = boolean.get(op.id)
            if known is None:
                known = boolean[op.id] = _op(op) in self._BOOLEAN
            total += known
        return total


def _complexity_index(src: SourceFile) -> _ComplexityIndex:
    index = getattr(src, "_credo_cc_index", None)
    if index is None:
        index = src._credo_cc_index = _ComplexityIndex(src)  # type: ignore[attr-defined]
    return index


def complexity_of(src: SourceFile, def_call: Node) -> int:
    """Credo's cyclomatic complexity of a definition: 1 for it, plus one per branch point inside."""
    return _complexity_index(src).exact(def_call)


def _is_using(src: SourceFile, def_call: Node) -> bool:
    """`defmacro __using__(opts) do ... end`, which Credo leaves out."""
    positional, lists = _call_lists(def_call)
    if len(positional) + len(lists) != 2 or not positional:
        return False
    head = positional[0]
    if head.type == "identifier":
        return src.node_text(head) == "__using__"
    return head.type == "call" and local_call_name(src, head) == "__using__"


@register
class CyclomaticComplexity(CredoCheck):
    """Functions whose cyclomatic complexity exceeds `max_complexity`.

    The definition counts 1; each if/unless/for/try, each and/or/&&/||, each nested definition
    and each clause of a case/cond adds 1. `defmacro __using__` is left out.
    """

    name = "Credo.Check.Refactor.CyclomaticComplexity"
    category = "refactor"
    base_priority = 0
    default_params = {"max_complexity": 9}
    summary = "Functions should not branch too much."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_cc = int(ctx.params["max_complexity"])
        index = _complexity_index(src)
        for call in _defs(src):
            if index.upper_bound(call) <= max_cc:
                continue
            if local_call_name(src, call) == "defmacro" and _is_using(src, call):
                continue
            cc = index.exact(call)
            if cc > max_cc:
                yield ctx.issue(
                    f"Function is too complex (cyclomatic complexity is {cc}, max is {max_cc}).",
                    _line(call),
                    trigger=_def_name(src, call),
                )


# --------------------------------------------------------------------------------------------
# FunctionArity
# --------------------------------------------------------------------------------------------


def _quick_arity(def_call: Node, max_arity: int) -> int:
    """An upper bound of a definition's parameter count, read without decoding any text."""
    args = _args_of(def_call)
    if args is None or not args.named_child_count:
        return 0
    head = args.named_child(0)
    if head.end_byte - head.start_byte < 2 * max_arity + 4:  # too short for more than max_arity parameters
        return 0
    if head.type == "binary_operator":
        left = head.child_by_field_name("left")
        if left is None or left.type != "call":
            return 2
        head = left
    if head.type != "call":
        return 2
    params = _args_of(head)
    return params.named_child_count if params is not None else 0


@register
class FunctionArity(CredoCheck):
    """Functions taking more than `max_arity` parameters (defp skipped with `ignore_defp`)."""

    name = "Credo.Check.Refactor.FunctionArity"
    category = "refactor"
    base_priority = 0
    default_params = {"max_arity": 8, "ignore_defp": False}
    summary = "Functions should not take too many parameters."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_arity = int(ctx.params["max_arity"])
        kinds = ("def", "defmacro") if ctx.params.get("ignore_defp") else _DEF_OPS
        data = src.data
        for call in sorted((c for kind in kinds for c in calls_named(src, kind)), key=_START):
            start = call.start_byte
            eol = data.find(b"\n", start)
            first_line = data[start:eol] if eol >= 0 else data[start:]
            if (first_line.count(b",") < max_arity and first_line.count(b"(") == first_line.count(b")")
                    and not first_line.rstrip().endswith((b",", b"\\"))):
                continue  # the whole head is on this line and has too few commas
            if _quick_arity(call, max_arity) <= max_arity:
                continue
            head = def_head(src, call)
            if head is None:
                continue
            arity = len(head[1])
            if arity > max_arity:
                yield ctx.issue(
                    f"Function takes too many parameters (arity is {arity}, max is {max_arity}).",
                    _line(call),
                    trigger=head[0],
                )


# --------------------------------------------------------------------------------------------
# CondStatements
# --------------------------------------------------------------------------------------------


def _always_matches(src: SourceFile, clause: Node) -> bool:
    """A cond clause whose condition is `true` or an underscored variable."""
    if clause.type != "stab_clause":
        return False
    left = clause.child_by_field_name("left")
    if left is None:
        return False
    conds = _named(left)
    if len(conds) != 1:
        return False
    cond = conds[0]
    if cond.type == "boolean":
        return src.node_text(cond) == "true"
    return cond.type == "identifier" and src.node_text(cond).startswith("_")


@register
class CondStatements(CredoCheck):
    """`cond` with at most two clauses, one of them always true: an if/else reads better."""

    name = "Credo.Check.Refactor.CondStatements"
    category = "refactor"
    base_priority = 0
    summary = "A cond needs at least two conditions besides the catch-all `true`; otherwise use if/else."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "cond"):
            clauses = _block_value(src, call, "do") or []
            if len(clauses) <= 2 and any(_always_matches(src, c) for c in clauses):
                yield ctx.issue(
                    "Cond has only one real condition besides `true`; write it as if/else.",
                    _line(call),
                    trigger="cond",
                )


# --------------------------------------------------------------------------------------------
# with: WithClauses, RedundantWithClauseResult
# --------------------------------------------------------------------------------------------


def _is_arrow(node: Node) -> bool:
    return node.type == "binary_operator" and _op(node) == "<-"


def _with_parts(src: SourceFile, call: Node) -> tuple[list[Node], list[tuple[str, list[Node]]]] | None:
    """(clauses, entries of the trailing keyword list) of a `with` whose last argument has `do`."""
    positional, lists = _call_lists(call)
    if not lists:
        return None
    last = lists[-1]
    entries = _keyword_entries(src, last)
    if not any(k == "do" for k, _ in entries):
        return None
    clauses = positional + lists[:-1]
    return clauses, entries


@register
class WithClauses(CredoCheck):
    """`with` whose first or last clause is not a `<-` pattern clause."""

    name = "Credo.Check.Refactor.WithClauses"
    category = "refactor"
    base_priority = "high"
    summary = "with should start and end with <- clauses; plain expressions belong outside or in the body."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            parts = _with_parts(src, call)
            if parts is None:
                continue
            clauses = parts[0]
            if not clauses:
                continue  # Credo needs a clause besides the body
            if not _is_arrow(clauses[0]):
                yield ctx.issue("`with` does not start with a `<-` clause; move the leading expressions before it.",
                                _line(call), trigger="with")
            if len(clauses) > 1 and not _is_arrow(clauses[-1]):
                yield ctx.issue("`with` does not end with a `<-` clause; move the trailing expressions into its body.",
                                _line(call), trigger="with")


def _squash(src: SourceFile, node: Node) -> str:
    return "".join(src.node_text(_unparen(node)).split())


@register
class RedundantWithClauseResult(CredoCheck):
    """`with` (no else) whose body just returns the pattern of its last clause."""

    name = "Credo.Check.Refactor.RedundantWithClauseResult"
    category = "refactor"
    base_priority = "high"
    summary = "The last with clause is redundant when the body only returns its pattern."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            parts = _with_parts(src, call)
            if parts is None:
                continue
            clauses, entries = parts
            if any(k == "else" for k, _ in entries) or not clauses:
                continue
            body = next(v for k, v in entries if k == "do")
            last = clauses[-1]
            if len(body) != 1 or not _is_arrow(last):
                continue
            pattern = last.child_by_field_name("left")
            if pattern is None or _squash(src, pattern) != _squash(src, body[0]):
                continue
            if any(n.type == "map" for n in src.nodes_of_type("map", node=pattern)):
                continue  # a map pattern may match more than it returns
            message = ("`with` is redundant: its only clause returns what it matches." if len(clauses) == 1
                       else "The last `with` clause is redundant: the body returns what it matches.")
            yield ctx.issue(message, _line(call), trigger="with")


# --------------------------------------------------------------------------------------------
# Apply
# --------------------------------------------------------------------------------------------


def _in_spec(src: SourceFile, node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "unary_operator" and _op(parent) == "@":
            inner = _named(parent)
            if inner and inner[0].type == "call" and local_call_name(src, inner[0]) == "spec":
                return True
        parent = parent.parent
    return False


def _has_meta(node: Node) -> bool:
    """Nodes that are three-element tuples (carry metadata) in the Elixir AST."""
    node = _unparen(node)
    if node.type == "tuple":
        return len(_named(node)) != 2
    return node.type not in ("integer", "float", "atom", "quoted_atom", "boolean", "nil", "list", "charlist",
                             "keywords", "char") and not (node.type == "string" and not any(
                                 c.type == "interpolation" for c in node.named_children))


def _apply_flagged(src: SourceFile, args: list[Node]) -> bool:
    """Credo's rule: apply(var, [..]) or apply(mod, :atom, [..]), the list not ending in `| tail`."""
    if len(args) == 2:
        fun, arg_list = _unparen(args[0]), _unparen(args[1])
        fun_ok = fun.type == "identifier"
    elif len(args) == 3:
        fun, arg_list = _unparen(args[1]), _unparen(args[2])
        fun_ok = fun.type in ("atom", "quoted_atom", "boolean", "nil")
    else:
        return False
    if not fun_ok or arg_list.type not in ("list", "charlist"):
        return False
    elems = _named(arg_list)
    if elems and elems[-1].type == "binary_operator" and _op(elems[-1]) == "|":
        return False
    return True


@register
class Apply(CredoCheck):
    """`apply/2,3` where the function and the argument count are known: call it directly."""

    name = "Credo.Check.Refactor.Apply"
    category = "refactor"
    base_priority = "low"
    summary = "Call functions directly instead of apply/2,3 when the arguments are a literal list."
    _message = "Avoid `apply/2` and `apply/3` when the number of arguments is known; call the function directly."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "apply"):
            if _in_spec(src, call):
                continue
            args = call_args(call)
            parent = call.parent
            if (parent is not None and parent.type == "binary_operator" and _op(parent) == "|>"
                    and parent.child_by_field_name("right") == call):
                left = parent.child_by_field_name("left")
                if left is not None and _has_meta(left):
                    if not _apply_flagged(src, [left, *args]):
                        continue  # Credo stops walking this pipe
                    yield ctx.issue(self._message, _op_line(parent), trigger="apply")
            if len(args) == 3 and _unparen(args[0]).type == "identifier" and src.node_text(args[0]) == "__MODULE__":
                continue
            if _apply_flagged(src, args):
                yield ctx.issue(self._message, _line(call), trigger="apply")


# --------------------------------------------------------------------------------------------
# if / unless shapes
# --------------------------------------------------------------------------------------------


def _in_attribute_directly(call: Node) -> bool:
    """`@unless ...`: the call is the operand of `@`."""
    parent = call.parent
    return parent is not None and parent.type == "unary_operator" and _op(parent) == "@"


def _has_else(src: SourceFile, call: Node) -> bool:
    return _block_value(src, call, "else") is not None


@register
class UnlessWithElse(CredoCheck):
    """`unless` with an `else` branch: flip it into an `if`. Reported at the `unless`."""

    name = "Credo.Check.Refactor.UnlessWithElse"
    category = "refactor"
    base_priority = "high"
    summary = "unless with else should be rewritten as if with the branches swapped."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "unless"):
            if not _in_attribute_directly(call) and _has_else(src, call):
                yield ctx.issue("`unless` should not have an `else` block; use `if` and swap the branches.",
                                _line(call), trigger="unless", column=src.column_of(call))


def _stacked_negations(node: Node) -> int:
    count = 0
    while True:
        node = _unparen(node)
        neg = _is_negation(node)
        if neg is None:
            return count
        count += 1
        if node.type != "unary_operator":
            return count  # `a not in b`
        inner = _negation_operand(node)
        if inner is None:
            return count
        node = inner


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
            if _in_attribute_directly(call):
                continue
            positional = _call_lists(call)[0]
            if not positional:
                continue
            cond = _unparen(positional[0])
            negator = _is_negation(cond)
            if negator is not None:
                line = _op_line(cond) if cond.type == "binary_operator" else _line(cond)
                yield ctx.issue("Avoid negated conditions in `unless`; use `if` with the positive condition.",
                                line, trigger=negator)


@register
class NegatedConditionsWithElse(CredoCheck):
    """`if !cond do ... else ... end`: swap the branches and drop the negation. Reported at the `if`."""

    name = "Credo.Check.Refactor.NegatedConditionsWithElse"
    category = "refactor"
    base_priority = "high"
    summary = "if with a negated condition and an else should swap its branches."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "if"):
            args = arguments_node(call)
            first = args.named_children[0] if args is not None and args.named_child_count else None
            if first is None or first.type == "keywords":
                continue
            cond = _unparen(first)
            if cond.type == "block":  # `(a; b)`: Credo looks at the first expression
                inner = _named(cond)
                cond = _unparen(inner[0]) if inner else cond
            negator = _is_negation(cond)
            if negator is not None and _stacked_negations(cond) % 2 == 1 and _has_else(src, call):
                yield ctx.issue(f"Avoid negated conditions (`{negator}`) in if-else blocks; swap the branches instead.",
                                _line(call), trigger="if", column=src.column_of(call))


# --------------------------------------------------------------------------------------------
# MatchInCondition
# --------------------------------------------------------------------------------------------

_PLAIN_OPERATORS = frozenset(
    "! && ++ -- .. <> =~ |> || != !== * + - / ** < <= == === > >= ||| &&& <<< >>> <<~ ~>> <~ ~> <~> <|> ^^^ ~~~ "
    "+++ ---".split()
)


def _contains_operators(node: Node) -> bool:
    """Whether the expression uses a non-special-form operator, looking where Credo looks.

    Credo descends through calls and operators only; lists, two-element tuples and map pairs
    stop it.
    """
    work = [node]
    while work:
        n = _unparen(work.pop())
        t = n.type
        if t in ("binary_operator", "unary_operator"):
            op = _op(n)
            if op in _PLAIN_OPERATORS:
                return True
            if op == "=>":
                continue
            work.extend(_named(n))
        elif t == "call":
            work.extend(_call_lists(n)[0])
        elif t == "tuple":
            elems = _named(n)
            if len(elems) != 2:
                work.extend(elems)
        elif t in ("anonymous_function", "stab_clause", "block", "access_call", "bitstring"):
            if t == "stab_clause":
                body = n.child_by_field_name("right")
                if body is not None:
                    work.extend(_named(body))
            else:
                work.extend(_named(n))
        elif t in ("string", "sigil"):
            for part in n.named_children:
                if part.type == "interpolation":
                    work.extend(_named(part))
        elif t == "map":
            for part in _named(n):
                if part.type == "map_content":
                    for entry in _named(part):
                        if entry.type == "binary_operator" and _op(entry) == "|":
                            left = entry.child_by_field_name("left")
                            if left is not None:
                                work.append(left)
    return False


def _matches_in(node: Node) -> list[Node]:
    """Every `=` operator inside an expression (conditions are small), in source order."""
    out = []
    work = [node]
    while work:
        n = work.pop()
        if n.type == "binary_operator" and _op(n) == "=":
            out.append(n)
        work.extend(reversed(n.named_children))
    return out


@register
class MatchInCondition(CredoCheck):
    """A pattern match (`=`) in an `if`/`unless` condition that is more than a plain assignment."""

    name = "Credo.Check.Refactor.MatchInCondition"
    category = "refactor"
    base_priority = 0
    default_params = {"allow_tagged_tuples": False, "allow_operators": False}
    summary = "Pattern matches in if/unless conditions hide a case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allow_tagged = bool(ctx.params.get("allow_tagged_tuples"))
        allow_ops = bool(ctx.params.get("allow_operators"))
        for call in calls_named(src, "if", "unless"):
            kind = local_call_name(src, call)
            for cond in _call_lists(call)[0]:
                direct = _unparen(cond)
                for match in _matches_in(cond):
                    if self._flagged(src, match, match == direct, allow_tagged, allow_ops):
                        yield ctx.issue(f"Avoid matches in `{kind}` conditions; use `case` instead.",
                                        _op_line(match), trigger="=")

    @staticmethod
    def _flagged(src: SourceFile, match: Node, direct: bool, allow_tagged: bool, allow_ops: bool) -> bool:
        left = match.child_by_field_name("left")
        right = match.child_by_field_name("right")
        if left is None or right is None:
            return False
        left = _unparen(left)
        if left.type == "identifier":
            illegal = not allow_ops and _contains_operators(right)
            return illegal or not direct
        if left.type == "tuple":
            elems = _named(left)
            if len(elems) == 2 and elems[0].type == "atom" and elems[1].type == "identifier":
                return not allow_tagged
        return True


# --------------------------------------------------------------------------------------------
# Two collection passes where one would do: FilterCount, FilterFilter, RejectReject, MapJoin
# --------------------------------------------------------------------------------------------


def _is_module_call(src: SourceFile, node: Node | None, module: str, fun: str) -> bool:
    return node is not None and node.type == "call" and remote_call(src, node) == (module, fun)


def _pipe_parent(node: Node) -> Node | None:
    """The `|>` whose right side is this node."""
    parent = node.parent
    if parent is not None and parent.type == "binary_operator" and _op(parent) == "|>" \
            and parent.child_by_field_name("right") == node:
        return parent
    return None


def _pipe_ends_in(src: SourceFile, node: Node, module: str, fun: str) -> bool:
    """`_ |> Module.fun(...)`."""
    node = _unparen(node)
    return (node.type == "binary_operator" and _op(node) == "|>"
            and _is_module_call(src, node.child_by_field_name("right"), module, fun))


def _dot_line(call: Node) -> int:
    target = call.child_by_field_name("target")
    if target is not None and target.type == "dot":
        for child in target.children:
            if child.type == ".":
                return _line(child)
    return _line(call)


def _pair_hits(src: SourceFile, module: str, first: str, second: str,
               nested_arity: int, piped_arity: int | None) -> Iterator[tuple[Node, str, Node | None]]:
    """(second call, shape, pipe) for each `Module.first` result handed straight to `Module.second`.

    Shapes: "nested" `second(first(..), ..)`, "pipe" `first(..) |> second(..)`,
    "nested_pipe" `second(x |> first(..), ..)`, "pipe_pipe" `x |> first(..) |> second(..)`.
    """
    for call in remote_calls_to(src, module):
        if remote_call(src, call) != (module, second):
            continue
        args = call_args(call)
        if len(args) == nested_arity and args and args[0].type != "keywords":
            head = _unparen(args[0])
            if _is_module_call(src, head, module, first):
                yield call, "nested", None
            elif _pipe_ends_in(src, head, module, first):
                yield call, "nested_pipe", None
        pipe = _pipe_parent(call)
        if pipe is None or (piped_arity is not None and len(args) != piped_arity):
            continue
        left = pipe.child_by_field_name("left")
        if left is None:
            continue
        left = _unparen(left)
        if _is_module_call(src, left, module, first):
            yield call, "pipe", pipe
        elif _pipe_ends_in(src, left, module, first):
            yield call, "pipe_pipe", pipe


def _pair_line(call: Node, shape: str, pipe: Node | None) -> int:
    """Where Credo reports a pair: the outer call, its dot, or the pipe operator."""
    if pipe is not None:
        return _op_line(pipe)
    return _line(call) if shape == "nested" else _dot_line(call)


@register
class FilterCount(CredoCheck):
    """`Enum.filter/2` piped or passed into `Enum.count/1`: `Enum.count/2` does it in one pass."""

    name = "Credo.Check.Refactor.FilterCount"
    category = "refactor"
    base_priority = "high"
    summary = "Use Enum.count/2 instead of Enum.filter/2 followed by Enum.count/1."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for call, _shape, _pipe in _pair_hits(ctx.src, "Enum", "filter", "count", 1, 0):
            yield ctx.issue("`Enum.count/2` is more efficient than `Enum.filter/2 |> Enum.count/1`.",
                            _dot_line(call), trigger="count")


class _SameTwiceCheck(CredoCheck):
    """Two consecutive calls of one function (filter, reject) on Enum, Map or Keyword."""

    function: str = ""

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        hits = []
        for module in ("Enum", "Map", "Keyword"):
            for call, shape, pipe in _pair_hits(ctx.src, module, self.function, self.function, 2, None):
                hits.append((module, _pair_line(call, shape, pipe)))
        for module, line in hits:
            fun = f"{module}.{self.function}/2"
            yield ctx.issue(f"One `{fun}` is more efficient than `{fun} |> {fun}`; combine the two functions.",
                            line, trigger="|>")


@register
class FilterFilter(_SameTwiceCheck):
    """`Enum.filter |> Enum.filter` (also Map and Keyword): combine the predicates."""

    name = "Credo.Check.Refactor.FilterFilter"
    category = "refactor"
    base_priority = 0
    summary = "Combine consecutive filter calls into one."
    function = "filter"


@register
class RejectReject(_SameTwiceCheck):
    """`Enum.reject |> Enum.reject` (also Map and Keyword): combine the predicates."""

    name = "Credo.Check.Refactor.RejectReject"
    category = "refactor"
    base_priority = 0
    summary = "Combine consecutive reject calls into one."
    function = "reject"


@register
class MapJoin(CredoCheck):
    """`Enum.map |> Enum.join`: `Enum.map_join/3` does it in one pass."""

    name = "Credo.Check.Refactor.MapJoin"
    category = "refactor"
    base_priority = "high"
    summary = "Use Enum.map_join/3 instead of Enum.map/2 followed by Enum.join/2."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for call, shape, pipe in _pair_hits(ctx.src, "Enum", "map", "join", 2, None):
            yield ctx.issue("`Enum.map_join/3` is more efficient than `Enum.map/2 |> Enum.join/2`.",
                            _pair_line(call, shape, pipe), trigger="Enum.join" if shape == "nested" else "|>")


# --------------------------------------------------------------------------------------------
# LongQuoteBlocks
# --------------------------------------------------------------------------------------------

_NO_LINE_TYPES = frozenset({"integer", "float", "atom", "quoted_atom", "boolean", "nil", "char", "list", "charlist",
                            "keywords", "pair", "keyword", "quoted_keyword", "quoted_content", "comment",
                            "escape_sequence", "do_block", "else_block", "rescue_block", "catch_block",
                            "after_block", "body", "arguments", "stab_clause"})


def _last_meta_line(src: SourceFile, call: Node) -> int:
    """Highest line of any node inside the quote that carries a line in the Elixir AST.

    Literals (numbers, atoms, plain strings, lists) carry none, and neither does `end`.
    """
    last = _line(call)
    for node in src.walk(call):
        if not node.is_named or node.type in _NO_LINE_TYPES:
            continue
        if node.type == "string" and not any(c.type == "interpolation" for c in node.named_children):
            continue
        if node.type == "tuple" and len(_named(node)) == 2:
            continue
        line = _op_line(node) if node.type in ("binary_operator", "unary_operator") else _line(node)
        if line > last:
            last = line
    return last


@register
class LongQuoteBlocks(CredoCheck):
    """`quote` blocks longer than `max_line_count` lines (comment lines skipped with `ignore_comments`)."""

    name = "Credo.Check.Refactor.LongQuoteBlocks"
    category = "refactor"
    base_priority = "high"
    default_params = {"max_line_count": 150, "ignore_comments": False}
    summary = "Long quote blocks are hard to read and debug; move the work into functions."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_lines = int(ctx.params["max_line_count"])
        for call in calls_named(src, "quote"):
            first = _line(call)
            if call.end_point[0] + 1 - first <= max_lines:
                continue  # cannot be long enough
            count = _last_meta_line(src, call) - first
            if count <= max_lines:
                continue
            if ctx.params.get("ignore_comments"):
                count = sum(1 for n in range(first, first + count) if not src.line(n).lstrip().startswith("#"))
            if count > max_lines:
                yield ctx.issue(f"Avoid long quote blocks ({count} lines, max is {max_lines}); "
                                "move the code into functions.", first, trigger="quote")


# --------------------------------------------------------------------------------------------
# Opt-in checks: DoubleBooleanNegation, NegatedIsNil, IoPuts
# --------------------------------------------------------------------------------------------


@register
class DoubleBooleanNegation(CredoCheck):
    """`!!value` / `not not value` used to coerce a value to a boolean."""

    name = "Credo.Check.Refactor.DoubleBooleanNegation"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Double negation hides intent; make the boolean conversion explicit."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        negations = _negations(src)
        consumed: set[int] = set()
        for node in negations:
            if node.id in consumed:
                continue
            inner = _negation_operand(node)
            second = _is_negation(inner) if inner is not None else None
            if second is None:
                continue
            if inner is not None and inner.type == "unary_operator":
                consumed.add(inner.id)  # Credo continues below the inner negation
            first = _op(node)
            trigger = "!!" if first == "!" and second == "!" else f"{first} {second}"
            yield ctx.issue("Double boolean negation found; convert to a boolean explicitly.",
                            _line(node), trigger=trigger)


@register
class NegatedIsNil(CredoCheck):
    """`when not is_nil(x)` / `when !is_nil(x)`: match on nil in an earlier clause instead."""

    name = "Credo.Check.Refactor.NegatedIsNil"
    category = "refactor"
    base_priority = "low"
    enabled_by_default = False
    summary = "Negated is_nil in a guard; add a nil clause first or guard on the expected type."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for when in _operator_nodes(src, "when"):
            guard = when.child_by_field_name("right")
            # Credo looks at the guard and down its chain of first operands
            while guard is not None:
                guard = _unparen(guard)
                negator = _is_negation(guard)
                if negator is not None and guard.type == "unary_operator":
                    inner = _negation_operand(guard)
                    if inner is not None and inner.type == "call" and local_call_name(src, inner) == "is_nil":
                        yield ctx.issue("Negated `is_nil` in a guard; match `nil` in an earlier clause instead.",
                                        _op_line(when), trigger=negator)
                        break
                guard = self._first_operand(guard)

    @staticmethod
    def _first_operand(node: Node) -> Node | None:
        if node.type in ("binary_operator", "unary_operator"):
            named = _named(node)
            return node.child_by_field_name("left") or (named[0] if named else None)
        if node.type == "call":
            positional = _call_lists(node)[0]
            return positional[0] if positional else None
        return None


@register
class IoPuts(CredoCheck):
    """`IO.puts` calls, which in application code should usually be Logger calls."""

    name = "Credo.Check.Refactor.IoPuts"
    category = "refactor"
    base_priority = 0
    enabled_by_default = False
    summary = "Prefer Logger over IO.puts in application code."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in remote_calls_to(src, "IO"):
            if remote_call(src, call) == ("IO", "puts"):
                yield ctx.issue("There should be no calls to `IO.puts/1`; use Logger.", _line(call), trigger="IO.puts")


__all__ = ["complexity_of"]
