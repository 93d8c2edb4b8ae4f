"""Helpers shared by several Warning checks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tree_sitter import Node

from ...ast import ancestors, call_args, do_block, local_call_name, remote_call, remote_calls_to
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile

# --------------------------------------------------------------------- shared helpers


def _text(src: SourceFile, node: Node) -> str:
    return src.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def binops(src: SourceFile) -> dict[str, list[Node]]:
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
    index = binops(src)
    found = [n for op in ops for n in index.get(op, ())]
    found.sort(key=lambda n: n.start_byte)
    return found


def op_text(src: SourceFile, node: Node) -> str | None:
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


def same_expr(src: SourceFile, left: Node, right: Node) -> bool:
    """Whether two expressions are the same code, ignoring whitespace, comments and outer parentheses."""
    left, right = _unparen(left), _unparen(right)
    if left.type != right.type:
        return False
    lt, rt = _text(src, left), _text(src, right)
    if "".join(lt.split()) != "".join(rt.split()):
        return False
    return lt == rt or _tokens(left) == _tokens(right)


def block_statements(node: Node) -> list[Node]:
    """Expressions of a do/else/after block, a clause body or a parenthesised block."""
    return [c for c in node.named_children if c.type != "comment" and not c.type.endswith("_block")]


def _remote(src: SourceFile, module: str, funs: Iterable[str] | None = None) -> Iterator[tuple[Node, str]]:
    wanted = frozenset(funs) if funs is not None else None
    for call in remote_calls_to(src, module):
        rc = remote_call(src, call)
        if rc is not None and (wanted is None or rc[1] in wanted):
            yield call, rc[1]


def bare_identifiers(src: SourceFile, name: str, captures: bool = True) -> list[Node]:
    """A function name used without a call: piped bare (`x |> name`) or captured (`&name/1`)."""
    wanted = name.encode()
    found = []
    for pipe in binops(src).get("|>", ()):
        right = pipe.child_by_field_name("right")
        if right is not None and right.type == "identifier" and right.text == wanted:
            found.append(right)
    if captures:
        for slash in binops(src).get("/", ()):
            left = slash.child_by_field_name("left")
            outer = slash.parent
            if left is not None and left.type == "identifier" and left.text == wanted and outer is not None \
                    and outer.type == "unary_operator" and op_text(src, outer) == "&":
                found.append(left)
    return found


def int_literal(src: SourceFile, node: Node) -> int | None:
    node = _unparen(node)
    if node.type != "integer":
        return None
    try:
        return int(_text(src, node).replace("_", ""), 0)
    except ValueError:
        return None


# --------------------------------------------------------------------- unused return values


HEAD_EXPR_OPS = frozenset({"if", "unless", "case", "for", "quote"})


RETURN_DEF_OPS = frozenset({"def", "defp", "defmacro"})


PASS_THROUGH = frozenset({"arguments", "dot", "list", "keywords", "pair", "stab_clause", "anonymous_function",
                           "map_content"})


def falsified(src: SourceFile, candidate: Node) -> bool:
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
            if local in RETURN_DEF_OPS:
                if child.type == "do_block":
                    return not def_block_verdict(child, candidate)
                return False  # in the head, or `def f, do: ...`
            if local in HEAD_EXPR_OPS:
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
            elif child.type == "arguments" and module_call_target(node):
                return False  # an argument of a Mod.fun / :mod.fun / var.fun call
        elif t == "binary_operator":
            # the left of a pipe is used; its right passes on; every other operator uses its operands
            if op_text(src, node) != "|>" or node.child_by_field_name("right") != child:
                return False
        elif t in BLOCKS:
            if not (t == "do_block" and child.type.endswith("_block")):
                statements = block_statements(node)
                if len(statements) > 1 and statements[-1] != child \
                        and not any(s.type == "stab_clause" for s in statements):
                    return True
        elif t == "tuple":
            if sum(1 for c in node.named_children if c.type != "comment") != 2:
                return False  # `{a, b, c}` is a call of `{}` in Elixir's AST
        elif t == "source":
            return False
        elif t not in PASS_THROUGH:
            return False  # maps, strings, sigils, unary operators, access: the value is used
        child = node
    return False


BLOCKS = frozenset({"do_block", "else_block", "after_block", "rescue_block", "catch_block", "body", "block"})


def module_call_target(call: Node) -> bool:
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


def has_def_ancestor(src: SourceFile, node: Node) -> bool:
    return any(a.type == "call" and local_call_name(src, a) in RETURN_DEF_OPS for a in ancestors(node))


def def_block_verdict(def_block: Node, inner: Node) -> bool:
    """Inside the do ... end of a definition: used when last in the body or in the last rescue/catch clause."""
    for part in def_block.named_children:
        if part.type in ("rescue_block", "catch_block") and _contains(part, inner):
            clauses = [c for c in part.named_children if c.type == "stab_clause"]
            return bool(clauses) and _contains(clauses[-1], inner)
        if part.type in ("else_block", "after_block") and _contains(part, inner):
            return False
    statements = block_statements(def_block)
    return bool(statements) and _contains(statements[-1], inner)


def unused_calls(src: SourceFile, module: str, funs: frozenset[str] | None) -> Iterator[tuple[Node, str]]:
    for call, fun in _remote(src, module, funs):
        if falsified(src, call) and has_def_ancestor(src, call):
            yield call, fun


class UnusedOperation(CredoCheck):
    """Shared rule of the Unused*Operation checks: a pure function's result that is thrown away."""

    module: str = ""
    functions: frozenset[str] | None = None  # None: every function of the module
    category = "warning"
    base_priority = "high"

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call, fun in unused_calls(src, self.module, self.functions):
            yield ctx.issue(f"The result of `{self.module}.{fun}` is not used; {self.module} functions return a new "
                            "value instead of changing their argument.", src.line_of(call),
                            trigger=f"{self.module}.{fun}", column=src.column_of(call))


def unused_check(module: str, functions: Iterable[str] | None = None) -> Any:
    """Class decorator: configure and register one Unused*Operation check."""

    def wrap(cls: type[UnusedOperation]) -> type[UnusedOperation]:
        cls.module = module
        cls.functions = frozenset(functions) if functions is not None else None
        cls.summary = f"Use the result of {module} functions; they do not change their arguments."
        return register(cls)  # type: ignore[return-value]

    return wrap
