"""Credo's Readability checks: naming, definitions, aliases, numbers, strings and small syntax habits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from ..ast import (
    ancestors,
    call_args,
    call_target,
    calls_named,
    do_block,
    keyword_pairs,
    local_call_name,
    operator,
)
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ..source import SourceFile
from ..terms import Regex
from . import readability_text  # noqa: F401  (registers the line-based checks)
from ._shared import body_nodes, keyword_block, pipes
from .readability_text import LiteralRanges, _literals, quoted_kind  # noqa: F401  (re-exported)

# --- names -----------------------------------------------------------------------------------------


_SNAKE_ASCII = re.compile(r"[a-z0-9_?!]+\Z")
_SNAKE_ASCII_BYTES = re.compile(rb"[a-z0-9_?!]+\Z")


def snake_case(name: str, allow_acronyms: bool = False) -> bool:
    """Credo's `Name.snake_case?`: lower-case letters, digits, `_`, `?` and `!` only (Unicode-aware)."""
    if name.isascii():
        if _SNAKE_ASCII.match(name):
            return True
    elif name and all(_snake_char(ch) for ch in name):
        return True
    if allow_acronyms:
        parts = name.split("_")
        return all(
            part and (all(_lower_or_digit(c) for c in part) or all(_upper_or_digit(c) for c in part))
            for part in parts
        )
    return False


def _snake_char(ch: str) -> bool:
    return ch in "_?!" or _lower_or_digit(ch)


def _lower_or_digit(ch: str) -> bool:
    return unicodedata.category(ch) in ("Ll", "Nd")


def _upper_or_digit(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lu", "Nd")


_PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
_NO_CASE = re.compile(r"^[^a-zA-Z0-9]+$")


def _text(src: SourceFile, node: Node) -> str:
    return src.node_text(node)


# --- definitions -------------------------------------------------------------------------------------


def _def_head_parts(src: SourceFile, def_call: Node) -> tuple[Node, Node | None, list[Node] | None] | None:
    """(head node, name node, params) of a definition; params is None for a name without parentheses.

    For `def f(a) when g` the head is the `when` operator and the name node is None (Credo's AST
    puts `:when` where the name would be); `def_head_unwrapped` looks through the guard.
    """
    args = call_args(def_call)
    if not args:
        return None
    head = args[0]
    if head.type == "identifier":
        return head, head, None
    if head.type == "call":
        target = call_target(head)
        if target is None:
            return None
        params_node = next((c for c in head.named_children if c.type == "arguments"), None)
        params = list(params_node.named_children) if params_node is not None else []
        return head, target, params
    return head, None, None


def _unwrap_when(src: SourceFile, head: Node) -> Node:
    if head.type == "binary_operator" and operator(src, head) == "when":
        return head.child_by_field_name("left") or head
    return head


def _name_and_params(src: SourceFile, node: Node) -> tuple[Node, list[Node] | None] | None:
    """Name node and params of a head expression (`f`, `f()`, `f(a)`); None for other shapes."""
    if node.type == "identifier":
        return node, None
    if node.type == "call":
        target = call_target(node)
        if target is None or target.type != "identifier":
            return None  # `unquote(name)()` and other computed names
        params_node = next((c for c in node.named_children if c.type == "arguments"), None)
        return target, list(params_node.named_children) if params_node is not None else []
    return None


class DefHead:
    """One definition call as the naming checks see it (computed once per file, params on demand)."""

    __slots__ = ("call", "kind", "head", "guarded", "name_node", "_params", "_params_done")

    def __init__(self, call: Node, kind: str, head: Node, guarded: bool, name_node: Node | None) -> None:
        self.call = call
        self.kind = kind
        self.head = head  # the head with a `when` guard looked through
        self.guarded = guarded
        self.name_node = name_node  # identifier naming the function, None for other head shapes
        self._params: list[Node] | None = None
        self._params_done = False

    @property
    def params(self) -> list[Node] | None:
        """Parameter nodes; None when the name is written without parentheses."""
        if not self._params_done:
            self._params_done = True
            if self.head.type == "call":
                args = self.head.named_child(1) if self.head.named_child_count > 1 else None
                self._params = list(args.named_children) if args is not None and args.type == "arguments" else []
        return self._params


_ALL_DEF_KINDS = ("def", "defp", "defmacro", "defmacrop", "defguard", "defguardp")


def def_heads(src: SourceFile) -> list[DefHead]:
    """Every definition call (`def` ... `defguardp`) of a file with its head, in source order."""
    cached = getattr(src, "_readability_def_heads", None)
    if cached is not None:
        return cached
    data = src.data
    out: list[DefHead] = []
    for kind in _ALL_DEF_KINDS:
        for call in calls_named(src, kind):
            args = call.named_child(1) if call.named_child_count > 1 else None
            if args is None or args.type != "arguments" or args.named_child_count == 0:
                continue
            head = args.named_child(0)
            if head is None:
                continue
            guarded = False
            if head.type == "binary_operator":
                op = head.child_by_field_name("operator")
                if op is not None and data[op.start_byte : op.end_byte] == b"when":
                    guarded = True
                    head = head.child_by_field_name("left") or head
            name_node: Node | None = None
            if head.type == "identifier":
                name_node = head
            elif head.type == "call":
                target = head.child_by_field_name("target")
                if target is not None and target.type == "identifier":
                    name_node = target
            out.append(DefHead(call, kind, head, guarded, name_node))
    out.sort(key=lambda d: d.call.start_byte)
    src._readability_def_heads = out  # type: ignore[attr-defined]
    return out


def _is_unquote(src: SourceFile, name_node: Node) -> bool:
    return name_node.type == "identifier" and _text(src, name_node) in ("unquote", "unquote_splicing")


def _impl_signatures(src: SourceFile, kinds: frozenset[str]) -> set[tuple[str, int]]:
    """(name, arity) of definitions that directly follow an `@impl` (not `@impl false`) in the same block."""
    found: set[tuple[str, int]] = set()
    for impl in calls_named(src, "impl"):
        attr = impl.parent
        if attr is None or attr.type != "unary_operator" or operator(src, attr) != "@":
            continue
        args = call_args(impl)
        if len(args) != 1 or _text(src, args[0]) == "false":
            continue
        sibling = attr.next_named_sibling
        while sibling is not None:
            if sibling.type == "call" and local_call_name(src, sibling) in kinds and call_args(sibling):
                head = _unwrap_when(src, call_args(sibling)[0])
                parts = _name_and_params(src, head)
                if parts is not None:
                    found.add((_text(src, parts[0]), len(parts[1] or [])))
                break
            if sibling.type == "unary_operator" and operator(src, sibling) == "@":
                inner = sibling.named_children[-1] if sibling.named_children else None
                if inner is not None and inner.type == "call" and local_call_name(src, inner) == "impl":
                    # another @impl: it records the next definition itself
                    break
            sibling = sibling.next_named_sibling
    return found


@register
class FunctionNames(CredoCheck):
    """Function, macro and guard names that are not snake_case."""

    name = "Credo.Check.Readability.FunctionNames"
    category = "readability"
    base_priority = "high"
    default_params = {"allow_acronyms": False}
    summary = "Function, macro and guard names should be snake_case."

    _KINDS = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp"})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        allow_acronyms = bool(ctx.params.get("allow_acronyms"))
        by_signature: dict[tuple[str, int], Issue] = {}
        data = src.data
        for d in def_heads(src):
            if d.name_node is not None and _SNAKE_ASCII_BYTES.match(data, d.name_node.start_byte, d.name_node.end_byte):
                continue  # the common case, decided without building anything else
            found = _head_name(src, d.head)
            if found is None:
                continue
            name, arity, anchor = found
            if name in _OVERRIDABLE_OPERATORS:
                continue
            if name.startswith("sigil_"):
                letters = name[6:]
                if len(letters) == 1 and letters.isascii() and letters.isalpha():
                    continue
                if re.fullmatch(r"[A-Z]+", letters):
                    continue
            if snake_case(name, allow_acronyms):
                continue
            by_signature[(name, arity)] = ctx.issue(
                f"Function name `{name}` is not snake_case; write function, macro and guard names in snake_case.",
                src.line_of(anchor),
                trigger=name,
            )
        yield from sorted(by_signature.values(), key=lambda i: (i.line_no or 0, i.trigger or ""))


# Operators a module may define (Credo leaves their names alone); `=`, `^`, `::` and `..//` are not among them.
_OVERRIDABLE_OPERATORS = frozenset(
    "! && ++ -- .. <> =~ @ |> || != !== * + - / ** < <= == === > >= ||| &&& <<< >>> <<~ ~>> <~ ~> <~> <|> "
    "^^^ ~~~ +++ ---".split()
)


def _head_name(src: SourceFile, head: Node) -> tuple[str, int, Node] | None:
    """(name, arity, node carrying the line) of a definition head as Credo's AST names it.

    Besides `f` and `f(a)`: operators (`a + b` is `+`/2, `a..b//c` is `..//`/3), and tuples and
    maps written as the head (`def({a, b, c})` inside a `defmacro def(...)`) are named `{}` / `%{}`.
    Returns None for `unquote(...)` names and shapes Credo skips.
    """
    t = head.type
    if t in ("identifier", "call"):
        parts = _name_and_params(src, head)
        if parts is None or parts[0].type != "identifier" or _is_unquote(src, parts[0]):
            return None
        return _text(src, parts[0]), len(parts[1] or []), parts[0]
    if t == "binary_operator":
        op = operator(src, head)
        if op is None:
            return None
        left = head.child_by_field_name("left")
        if op == "//" and left is not None and left.type == "binary_operator" and operator(src, left) == "..":
            return "..//", 3, head.child_by_field_name("operator") or head
        return op, 2, head.child_by_field_name("operator") or head
    if t == "unary_operator":
        op = operator(src, head)
        return (op, 1, head) if op else None
    if t == "tuple" and len(head.named_children) != 2:
        return "{}", len(head.named_children), head
    if t == "map":
        return "%{}", len(head.named_children), head
    return None


@register
class PredicateFunctionNames(CredoCheck):
    """Functions named `is_foo` or `is_foo?`: predicates end in `?` and drop the `is_` prefix."""

    name = "Credo.Check.Readability.PredicateFunctionNames"
    category = "readability"
    base_priority = "high"
    summary = "Predicate functions should end in `?` rather than start with `is_`."

    _KINDS = frozenset({"def", "defp", "defmacro"})

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if b"is_" not in src.data:
            return
        candidates: list[tuple[str, int, int]] = []
        for d in def_heads(src):
            # a guarded head names `when` in Credo's AST, so it is never a candidate
            if d.kind not in self._KINDS or d.guarded or d.name_node is None or _is_unquote(src, d.name_node):
                continue
            name = _text(src, d.name_node)
            if not name.startswith("is_"):
                continue
            if name.endswith("?") or d.kind != "defmacro":
                candidates.append((name, len(d.params or []), src.line_of(d.name_node)))
        if not candidates:
            return
        impls = _impl_signatures(src, self._KINDS)
        for name, arity, line in candidates:
            if (name, arity) in impls:
                continue
            yield ctx.issue(
                f"Predicate `{name}` should not start with `is_`; name it with a trailing `?` instead.",
                line,
                trigger=name,
            )


_WORD_CHAR = re.compile(r"\w")


def _credo_column(line: str, word: str) -> int | None:
    """Where Credo finds a name on its line (1-based): first match starting at a word boundary.

    A name ending in a word character must also end at one (`foo` is not found inside `foobar`).
    """
    m = re.search(r"\b" + re.escape(word) + (r"\b" if word[-1:].isalnum() or word[-1:] == "_" else ""), line)
    return m.start() + 1 if m else None


@register
class ParenthesesOnZeroArityDefs(CredoCheck):
    """Zero-arity definitions written with `()` (or without, when `parens: true`)."""

    name = "Credo.Check.Readability.ParenthesesOnZeroArityDefs"
    category = "readability"
    base_priority = "low"
    default_params = {"parens": False}
    summary = "Zero-arity function definitions should be written consistently without (or with) parentheses."

    _KINDS = ("def", "defp", "defmacro", "defmacrop")
    _PARENS = re.compile(r"^\((\w*)\)")

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        enforce = bool(ctx.params.get("parens"))
        if not enforce and b"()" not in src.data:
            return
        for d in def_heads(src):
            # `when` heads and operators have arguments in Credo's AST
            if d.kind not in self._KINDS or d.guarded or d.name_node is None:
                continue
            name_node = d.name_node
            if d.head.type == "call":
                args = d.head.named_child(1) if d.head.named_child_count > 1 else None
                if args is not None and args.named_child_count > 0:
                    continue  # has parameters
            if _is_unquote(src, name_node):
                continue
            name = _text(src, name_node)
            line_no = src.line_of(name_node)
            line = src.line(line_no)
            col = _credo_column(line, name)
            skip = (col if col is not None else -1) + len(name) - 1
            rest = line[skip:] if skip >= 0 else line[len(line) + skip :]
            has_parens = bool(self._PARENS.match(rest))
            if has_parens and not enforce:
                yield ctx.issue(
                    f"Zero-arity definition `{name}` has empty parentheses; leave them out.",
                    line_no,
                    trigger=name,
                )
            elif not has_parens and enforce:
                yield ctx.issue(
                    f"Zero-arity definition `{name}` has no parentheses; add `()`.",
                    line_no,
                    trigger=name,
                )


@register
class PreferImplicitTry(CredoCheck):
    """A function whose whole body is one `try`: the function itself can `rescue`."""

    name = "Credo.Check.Readability.PreferImplicitTry"
    category = "readability"
    base_priority = "low"
    summary = "Use the implicit try of a function body instead of wrapping it in `try`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for try_call in calls_named(src, "try"):
            call = self._enclosing_def(src, try_call)
            if call is None:
                continue
            args = call_args(call)
            block = do_block(call)
            if block is not None:
                if len(args) != 1 or any(
                    c.type in ("else_block", "rescue_block", "catch_block", "after_block") for c in block.named_children
                ):
                    continue
            elif len(args) != 2 or args[1].type != "keywords" or len(args[1].named_children) != 1:
                continue
            if args[0].type not in ("identifier", "call", "binary_operator", "unary_operator"):
                continue
            body = body_nodes(src, call)
            if len(body) == 1 and body[0] == try_call:
                yield ctx.issue(
                    "The function body is a single `try`; drop it and let the function rescue directly.",
                    src.line_of(try_call),
                    trigger="try",
                )

    @staticmethod
    def _enclosing_def(src: SourceFile, try_call: Node) -> Node | None:
        """The def/defp/defmacro whose `do` body directly holds this `try`, if any."""
        parent = try_call.parent
        if parent is None:
            return None
        if parent.type == "do_block":
            owner = parent.parent
        elif parent.type == "pair":
            keywords = parent.parent
            args = keywords.parent if keywords is not None else None
            owner = args.parent if args is not None else None
        else:
            return None
        if owner is not None and owner.type == "call" and local_call_name(src, owner) in ("def", "defp", "defmacro"):
            return owner
        return None


# --- variables ----------------------------------------------------------------------------------------

_SHAPE_TABLE = bytes(
    ord("a") if (97 <= i <= 122 or 48 <= i <= 57 or i == 95) else ord("A") if (65 <= i <= 90 or i >= 128) else 32
    for i in range(256)
)
_SPECIAL_VARS = frozenset({"__CALLER__", "__DIR__", "__ENV__", "__MODULE__"})


@register
class VariableNames(CredoCheck):
    """Variables bound in patterns (`=`, `<-`, `->` heads, parameters) whose names are not snake_case."""

    name = "Credo.Check.Readability.VariableNames"
    category = "readability"
    base_priority = "high"
    summary = "Variable names should be snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        root = src.root
        if root is None:
            return
        data = src.data
        seen: set[int] = set()
        # Every name that is not snake_case has a lower-case letter, digit or `_` right before an
        # upper-case (or non-ASCII) letter; a byte translation finds those spots at C speed.
        shape = data.translate(_SHAPE_TABLE)
        pos = shape.find(b"aA")
        while pos >= 0:
            node = root.descendant_for_byte_range(pos, pos + 1)
            pos = shape.find(b"aA", pos + 1)
            if node is None or node.type != "identifier" or node.start_byte in seen:
                continue
            seen.add(node.start_byte)
            name = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
            if name in _SPECIAL_VARS or snake_case(name) or _NO_CASE.match(name):
                continue
            if not _is_variable(node):
                continue
            for _ in range(_pattern_count(src, node)):
                yield ctx.issue(
                    f"Variable `{name}` is not snake_case; write variable names in snake_case.",
                    src.line_of(node),
                    trigger=name,
                )


def _is_variable(ident: Node) -> bool:
    """An identifier used as a variable: not a call name and not the field of `a.b`."""
    parent = ident.parent
    if parent is None:
        return True
    if parent.type == "call" and parent.child_by_field_name("target") == ident:
        return False
    if parent.type == "dot" and parent.child_by_field_name("right") == ident:
        return False
    return True


def _pattern_count(src: SourceFile, ident: Node) -> int:
    """How many of the patterns Credo inspects hold this identifier.

    Those are the left sides of `=` and `<-`, the heads of `->` clauses, the parameters of a
    guarded `def`/`defp`, and the first parameter of a two-parameter `def`/`defp`.
    """
    count = 0
    child, parent = ident, ident.parent
    while parent is not None:
        t = parent.type
        if t == "binary_operator":
            if parent.child_by_field_name("left") == child and operator(src, parent) in ("=", "<-"):
                count += 1
        elif t == "stab_clause":
            if parent.child_by_field_name("left") == child:
                count += 1
        elif t == "arguments" and child.type != "keywords":
            count += _def_param_hit(src, parent, child)
        child, parent = parent, parent.parent
    return count


def _def_param_hit(src: SourceFile, params: Node, param: Node) -> int:
    """1 when `param` is a parameter Credo checks in a `def`/`defp` head held by `params`."""
    head = params.parent
    if head is None or head.type != "call":
        return 0
    holder = head.parent
    guarded = False
    if holder is not None and holder.type == "binary_operator" and operator(src, holder) == "when":
        if holder.child_by_field_name("left") != head:
            return 0
        guarded, holder = True, holder.parent
    if holder is None or holder.type != "arguments":
        return 0
    definition = holder.parent
    if definition is None or definition.type != "call" or local_call_name(src, definition) not in ("def", "defp"):
        return 0
    def_args = call_args(definition)
    if len(def_args) != 2 or def_args[0] != (head if not guarded else head.parent):
        return 0
    if guarded:
        return 1
    named = params.named_children
    return 1 if len(named) == 2 and named[0] == param else 0


# --- modules and attributes ---------------------------------------------------------------------------


_ODD_ATTRIBUTE = re.compile(rb"@\s*[a-z_0-9]*[^a-z_0-9?!\s(\[{\"'@:.,)\]}]")


@register
class ModuleAttributeNames(CredoCheck):
    """Module attributes (`@fooBar`) whose names are not snake_case."""

    name = "Credo.Check.Readability.ModuleAttributeNames"
    category = "readability"
    base_priority = "high"
    summary = "Module attribute names should be snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if not _ODD_ATTRIBUTE.search(src.data):
            return  # every `@name` in the file is lower-case ASCII
        for op in src.by_type("unary_operator"):
            if operator(src, op) != "@":
                continue
            operand = op.named_children[-1] if op.named_children else None
            if operand is None:
                continue
            if operand.type == "call":
                target = call_target(operand)
                if target is None or target.type != "identifier":
                    continue
                name = _text(src, target)
            elif operand.type == "identifier":
                name = _text(src, operand)
            else:
                continue
            if snake_case(name):
                continue
            yield ctx.issue(
                f"Module attribute `@{name}` is not snake_case; write attribute names in snake_case.",
                src.line_of(op),
                trigger=f"@{name}",
                column=src.column_of(op),
            )


def _alias_parts(src: SourceFile, node: Node) -> list[str] | None:
    """Segments of a module name (`Foo.Bar`, `__MODULE__.Foo`), or None when it is not a plain alias."""
    if node.type == "alias":
        return [p.strip() for p in _text(src, node).split(".")]
    if node.type == "identifier" and _text(src, node) == "__MODULE__":
        return ["__MODULE__"]
    if node.type == "dot":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None or right.type != "alias":
            return None
        base = _alias_parts(src, left)
        return None if base is None else base + _alias_parts(src, right)  # type: ignore[operator]
    return None


def _ignore_matches(name: str, patterns: Any, exact: bool) -> bool:
    """Credo's name filters: regexes match, strings (and module atoms) equal or are contained."""
    for pattern in patterns or []:
        if isinstance(pattern, Regex):
            if pattern.compile().search(name):
                return True
        elif isinstance(pattern, re.Pattern):
            if pattern.search(name):
                return True
        else:
            text = str(pattern).removeprefix("Elixir.")
            if (name == text) if exact else (text in name):
                return True
    return False


@register
class ModuleNames(CredoCheck):
    """Module names with a segment that is not PascalCase."""

    name = "Credo.Check.Readability.ModuleNames"
    category = "readability"
    base_priority = "high"
    default_params = {"ignore": []}
    summary = "Module names should be PascalCase."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "defmodule"):
            args = call_args(call)
            if not args:
                continue
            parts = _alias_parts(src, args[0])
            if parts is None:
                continue
            name = ".".join(p for p in parts if p != "__MODULE__")
            if all(_PASCAL.match(p) for p in name.split(".")):
                continue
            if _ignore_matches(name, ctx.params.get("ignore"), exact=True):
                continue
            yield ctx.issue(
                f"Module name `{name}` is not PascalCase; write module names in PascalCase.",
                src.line_of(args[0]),
                trigger=name,
            )


_MODULEDOC_IGNORE_NAMES = Regex(
    r"(\.\w+Controller|\.Endpoint|\.\w+Live(\.\w+)?|\.Repo|\.Router|\.\w+Socket|\.\w+View|\.\w+HTML|\.\w+JSON"
    r"|\.Telemetry|\.Layouts|\.Mailer)$"
)


def _attribute_value(src: SourceFile, module: Node, attr: str) -> tuple[bool, Node | None]:
    """(found, value node) of the last `@attr value` inside a module node, nested modules included."""
    found, value = False, None
    for call in calls_named(src, attr):
        if call.start_byte < module.start_byte or call.end_byte > module.end_byte:
            continue
        parent = call.parent
        if parent is None or parent.type != "unary_operator" or operator(src, parent) != "@":
            continue
        args = call_args(call)
        if len(args) == 1:
            found, value = True, args[0]
    return found, value


def _plain_string(src: SourceFile, node: Node) -> str | None:
    """The text of a string literal without interpolation, or None for anything else."""
    if node.type != "string":
        return None
    if any(c.type == "interpolation" for c in node.named_children):
        return None
    return "".join(_text(src, c) for c in node.named_children if c.type in ("quoted_content", "escape_sequence"))


@register
class ModuleDoc(CredoCheck):
    """Modules without a `@moduledoc` (or with an empty one); `.exs` files and exceptions are skipped."""

    name = "Credo.Check.Readability.ModuleDoc"
    category = "readability"
    base_priority = 0
    default_params = {
        "ignore_names": [_MODULEDOC_IGNORE_NAMES],
        "ignore_modules_using": ["Credo.Check", "Ecto.Schema", "Phoenix.LiveView", Regex(r"\.Web$")],
    }
    summary = "Every module should have a @moduledoc (or `@moduledoc false`)."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if src.filename.endswith(".exs"):
            return
        ignored: list[tuple[int, int]] = []
        for call in calls_named(src, "defmodule"):
            if any(s <= call.start_byte and call.end_byte <= e for s, e in ignored):
                continue
            args = call_args(call)
            parts = _alias_parts(src, args[0]) if args else None
            if parts is None:
                # `defmodule unquote(name)`, `defmodule name` in a quote, or a `defmacro defmodule(...)`
                # head: Credo reports none of these (real Credo yields nothing for them on Elixir's lib).
                continue
            mod_name = ".".join(parts)
            if _ignore_matches(mod_name, ctx.params.get("ignore_names"), exact=False) or self._uses_ignored(
                src, call, ctx.params.get("ignore_modules_using")
            ):
                ignored.append((call.start_byte, call.end_byte))
                continue
            found, value = _attribute_value(src, call, "moduledoc")
            if not found:
                if self._is_exception(src, call):
                    continue
                yield ctx.issue(
                    f"Module `{mod_name}` has no @moduledoc; document it or add `@moduledoc false`.",
                    src.line_of(call),
                    trigger=mod_name,
                )
                continue
            text = _plain_string(src, value) if value is not None else None
            if text is not None and text.strip() == "":
                yield ctx.issue(
                    f"Module `{mod_name}` has an empty @moduledoc; use `@moduledoc false` to skip documentation.",
                    src.line_of(call),
                    trigger=mod_name,
                )

    @staticmethod
    def _is_exception(src: SourceFile, module: Node) -> bool:
        return any(
            module.start_byte <= c.start_byte and c.end_byte <= module.end_byte
            for c in calls_named(src, "defexception")
        )

    @staticmethod
    def _uses_ignored(src: SourceFile, module: Node, patterns: Any) -> bool:
        if not patterns:
            return False
        for stmt in body_nodes(src, module):
            if stmt.type == "call" and local_call_name(src, stmt) == "use":
                args = call_args(stmt)
                parts = _alias_parts(src, args[0]) if args else None
                if parts and _ignore_matches(".".join(parts), patterns, exact=False):
                    return True
        return False


# --- aliases --------------------------------------------------------------------------------------


def _alias_target(src: SourceFile, call: Node) -> Node | None:
    args = call_args(call)
    return args[0] if args else None


def _multi_alias(src: SourceFile, node: Node) -> tuple[Node, list[Node]] | None:
    """(base, children) of `Base.{A, B}`."""
    if node.type != "dot":
        return None
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if left is None or right is None or right.type != "tuple":
        return None
    return left, list(right.named_children)


@register
class AliasOrder(CredoCheck):
    """Aliases in a group (consecutive lines) that are not in alphabetical order."""

    name = "Credo.Check.Readability.AliasOrder"
    category = "readability"
    base_priority = "low"
    default_params = {"sort_method": "alpha"}
    summary = "Aliases should be sorted alphabetically within their group."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        method = str(ctx.params.get("sort_method", "alpha")).lstrip(":")
        groups: list[list[tuple[tuple[str, int, int], dict[str, Any]]]] = []
        memo: list[tuple[tuple[str, int, int], dict[str, Any]]] = []
        skip_until = -1
        for call in calls_named(src, "alias"):
            if call.start_byte < skip_until:
                continue
            target = _alias_target(src, call)
            if target is None:
                continue
            line = src.line_of(call)
            candidate: tuple[tuple[str, int, int], dict[str, Any]] | None = None
            parts = _alias_parts(src, target)
            multi = _multi_alias(src, target) if parts is None else None
            if parts is not None:
                full = ".".join(parts)
                meta = {"module": full, "trigger": full, "line": line, "column": src.column_of(target)}
                candidate = ((self._compare(full, method), line, line), meta)
            elif multi is not None and len(call_args(call)) == 1:
                base = _alias_parts(src, multi[0])
                if base is None:
                    continue
                inner = []
                for child in multi[1]:
                    child_parts = _alias_parts(src, child)
                    if child_parts is None:
                        continue
                    full = ".".join(base + child_parts)
                    child_line = src.line_of(child)
                    inner.append(
                        (
                            (self._compare(full, method), child_line, child_line),
                            {"module": full, "trigger": ".".join(child_parts), "line": child_line,
                             "column": src.column_of(child)},
                        )
                    )
                if not inner:
                    continue
                end_line = call.end_point[0] + 1
                candidate = ((inner[0][0][0], line, end_line), {"multi": inner, "line": line})
            if candidate is None:
                continue
            skip_until = call.end_byte
            if not memo or line != memo[-1][0][2] + 1:
                if memo:
                    groups.append(memo)
                memo = []
            memo.append(candidate)
        if memo:
            groups.append(memo)
        for group in groups:
            for _key, meta in group:
                if "multi" in meta:
                    yield from self._issue(ctx, meta["multi"])  # type: ignore[arg-type]
            yield from self._issue(ctx, group)

    @staticmethod
    def _compare(name: str, method: str) -> str:
        value = name.lower() if method == "alpha" else name
        value = re.sub(r"[{}]", "", value)
        return re.sub(r",.+", "", value)

    def _issue(self, ctx: CheckContext, group: list[tuple[tuple[str, int, int], dict[str, Any]]]) -> Iterator[Issue]:
        ordered = sorted(group, key=lambda c: c[0])
        for actual, expected in zip(group, ordered, strict=True):
            if actual[0] != expected[0]:
                meta = actual[1]
                if "multi" in meta:
                    meta = meta["multi"][0][1]
                yield ctx.issue(
                    f"Alias `{meta['module']}` is out of alphabetical order within its group.",
                    meta["line"],
                    trigger=meta["trigger"],
                    column=meta["column"],
                )
                return


@register
class UnnecessaryAliasExpansion(CredoCheck):
    """`alias Foo.{Bar}`: braces around a single module."""

    name = "Credo.Check.Readability.UnnecessaryAliasExpansion"
    category = "readability"
    base_priority = "low"
    summary = "Do not use alias braces for a single module."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "alias"):
            args = call_args(call)
            if len(args) != 1:
                continue
            multi = _multi_alias(src, args[0])
            if multi is None or len(multi[1]) != 1:
                continue
            child = multi[1][0]
            if child.type != "alias" or "." in _text(src, child):
                continue
            name = _text(src, child)
            yield ctx.issue(
                f"Braces around the single alias `{name}` are not needed; write the full name instead.",
                src.line_of(child),
                trigger=name,
            )


# --- expressions -------------------------------------------------------------------------------------


def _number_value(text: str, is_float: bool) -> float | int | None:
    clean = text.replace("_", "")
    try:
        if is_float:
            return float(clean)
        if clean[:2] in ("0x", "0o", "0b"):
            return int(clean, 0)
        return int(clean)
    except ValueError:
        return None


def _underscored(digits: str) -> str:
    """`1234567` -> `1_234_567` (Credo groups from the right, three digits at a time)."""
    rev = digits[::-1]
    rev = re.sub(r"(\d{3})(?=\d)", r"\1_", rev)
    return rev[::-1]


def _expected_forms(value_text: str, trailing: list[int]) -> list[str]:
    forms = [_underscored(value_text)]
    for n in trailing:
        if len(value_text) > n:
            forms.append(f"{_underscored(value_text[:-n] if n else value_text)}_{value_text[-n:] if n else ''}")
    out: list[str] = []
    for f in forms:
        if f not in out:
            out.append(f)
    return out


_BEGIN_RE = re.compile(r"[0-9_oxb]+$")
_END_RE = re.compile(r"^[0-9_.]+")


def _source_fragment(line: str, column: int) -> str:
    """The number text as Credo cuts it out of the line around a token's 1-based column."""
    head = line[1 : column + 1]
    m = _BEGIN_RE.search(head)
    begin = m.group(0) if m else ""
    m2 = _END_RE.match(line[column + 1 :])
    end = m2.group(0) if m2 else ""
    end = re.sub(r"\.\..*", "", end)
    return begin + end


@register
class LargeNumbers(CredoCheck):
    """Decimal numbers above `only_greater_than` written without `_` digit separators."""

    name = "Credo.Check.Readability.LargeNumbers"
    category = "readability"
    base_priority = "high"
    default_params = {"only_greater_than": 9999, "trailing_digits": []}
    summary = "Large numbers should use underscores as thousands separators."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = ctx.params.get("only_greater_than", 9999)
        trailing_param = ctx.params.get("trailing_digits") or []
        if isinstance(trailing_param, int):
            trailing = [trailing_param]
        elif isinstance(trailing_param, range):
            trailing = list(trailing_param)
        else:
            trailing = [int(t) for t in trailing_param]
        nodes = sorted([*src.by_type("integer"), *src.by_type("float")], key=lambda n: n.start_byte)
        for node in nodes:
            text = _text(src, node)
            value = _number_value(text, node.type == "float")
            if value is None or not value > limit:
                continue
            if any(a.type == "interpolation" for a in ancestors(node)):
                continue  # Credo reads top-level tokens only; interpolated code is nested
            line_no = src.line_of(node)
            column = src.column_of(node)
            fragment = _source_fragment(src.line(line_no), column)
            if fragment[:2] in ("0b", "0o", "0x", "") or fragment == "":
                continue
            if isinstance(value, int):
                expected = _expected_forms(str(value), trailing)
            else:
                whole, _, decimals = fragment.partition(".")
                forms = _expected_forms(whole, trailing)
                expected = [f"{f}.{decimals}" for f in forms] if "." in fragment else forms
            if fragment in expected:
                continue
            yield ctx.issue(
                f"Number {fragment} is larger than {limit}; write it with underscores: {' or '.join(expected)}",
                line_no,
                trigger=fragment,
                column=column,
            )


_DEF_KINDS = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp"})


def _is_def_head(src: SourceFile, call: Node) -> bool:
    """True when the call is the head of a definition (`defmacro if(condition, clauses)`)."""
    node, parent = call, call.parent
    if parent is not None and parent.type == "binary_operator" and operator(src, parent) == "when":
        if parent.child_by_field_name("left") != call:
            return False
        node, parent = parent, parent.parent
    if parent is None or parent.type != "arguments" or not parent.named_children:
        return False
    if parent.named_children[0] != node:
        return False
    owner = parent.parent
    return owner is not None and owner.type == "call" and local_call_name(src, owner) in _DEF_KINDS


@register
class ParenthesesInCondition(CredoCheck):
    """`if (cond) do` / `unless(cond) do`: parentheses around the condition of if/unless."""

    name = "Credo.Check.Readability.ParenthesesInCondition"
    category = "readability"
    base_priority = "high"
    summary = "Do not wrap the condition of if/unless in parentheses."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "if", "unless"):
            args_node = next((c for c in call.named_children if c.type == "arguments"), None)
            if args_node is None:
                continue
            target = call_target(call)
            if target is None:
                continue
            name = _text(src, target)
            if _is_def_head(src, call):
                continue
            first = args_node.children[0] if args_node.children else None
            if first is not None and first.type == "(" and args_node.start_byte == target.end_byte:
                # `if(...)`: flagged unless the parentheses hold the whole call (`if(a, do: b)`)
                if self._has_do_keyword(src, args_node):
                    continue
                parent = call.parent
                if parent is not None and parent.type == "binary_operator" and operator(src, parent) == "|>":
                    if parent.child_by_field_name("right") == call:
                        continue
                yield self._issue(ctx, call, name)
                continue
            args = call_args(call)
            if not args or args[0].type != "block" or _text(src, args[0])[:1] != "(":
                continue
            if do_block(call) is not None or (len(args) > 1 and args[1].type == "keywords"):
                yield self._issue(ctx, call, name)

    @staticmethod
    def _has_do_keyword(src: SourceFile, args_node: Node) -> bool:
        for arg in args_node.named_children:
            if arg.type == "keywords":
                if any(key == "do" for key, _ in keyword_pairs(src, arg)):
                    return True
        return False

    @staticmethod
    def _issue(ctx: CheckContext, call: Node, name: str) -> Issue:
        return ctx.issue(
            f"Condition of `{name}` is wrapped in parentheses; remove them.",
            ctx.src.line_of(call),
            trigger=name,
        )


_FN_CALL_END = re.compile(rb"end\s*\)\s*\.\s*\(")


@register
class PipeIntoAnonymousFunctions(CredoCheck):
    """`x |> (fn y -> ... end).()`: piping into an anonymous function call."""

    name = "Credo.Check.Readability.PipeIntoAnonymousFunctions"
    category = "readability"
    base_priority = "low"
    summary = "Do not pipe into anonymous functions; use a named function or `then/2`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if not _FN_CALL_END.search(src.data):
            return  # no `(fn ... end).(` anywhere
        for pipe in pipes(src):
            right = pipe.child_by_field_name("right")
            if right is None or right.type != "call":
                continue
            target = call_target(right)
            if target is None or target.type != "dot" or target.child_by_field_name("right") is not None:
                continue
            left = target.child_by_field_name("left")
            while left is not None and left.type == "block" and left.named_child_count == 1:
                left = left.named_children[0]
            if left is None or left.type != "anonymous_function":
                continue
            op = pipe.child_by_field_name("operator")
            anchor = op if op is not None else pipe
            yield ctx.issue(
                "Piping into an anonymous function call; extract a named function instead.",
                src.line_of(anchor),
                trigger="|>",
                column=src.column_of(anchor),
            )


def _first_arg_strings(src: SourceFile) -> Iterator[tuple[Node, Node]]:
    """(string, anchor) pairs Credo's StringSigils looks at: strings that open an argument list.

    Credo walks the AST and checks a binary only when it is the first argument of a call or
    operator; an interpolated string is its own `<<>>` node whose first part is checked.
    """
    for node in src.by_type("string"):
        if quoted_kind(node) == "heredoc":
            continue
        children = node.named_children
        if any(c.type == "interpolation" for c in children):
            yield node, node
            continue
        parent = node.parent
        if parent is None:
            continue
        if parent.type == "arguments" and parent.named_children and parent.named_children[0] == node:
            call = parent.parent
            if call is not None and call.type == "call":
                yield node, call
        elif parent.type in ("binary_operator", "unary_operator"):
            operand = parent.named_children[0] if parent.named_children else None
            if operand == node:
                op = parent.child_by_field_name("operator")
                yield node, op if op is not None else parent
        elif parent.type == "tuple" and len(parent.named_children) >= 3 and parent.named_children[0] == node:
            yield node, parent


def _leading_value(src: SourceFile, string: Node) -> str:
    """The string's value up to its first interpolation, escape sequences resolved for quotes."""
    out: list[str] = []
    for child in string.named_children:
        if child.type == "interpolation":
            break
        if child.type == "quoted_content":
            out.append(_text(src, child))
        elif child.type == "escape_sequence":
            esc = _text(src, child)
            out.append(_ESCAPES.get(esc, esc[1:] if len(esc) == 2 else esc))
    return "".join(out)


_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\\\": "\\", '\\"': '"', "\\s": " ", "\\e": "\x1b", "\\0": "\0"}


@register
class StringSigils(CredoCheck):
    """String literals holding more than `maximum_allowed_quotes` escaped quotes: a sigil reads better."""

    name = "Credo.Check.Readability.StringSigils"
    category = "readability"
    base_priority = "low"
    default_params = {"maximum_allowed_quotes": 3}
    summary = "Strings with many escaped quotes should be sigils."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = int(ctx.params["maximum_allowed_quotes"])
        if src.data.count(b'\\"') <= limit:
            return
        for string, anchor in _first_arg_strings(src):
            if string.named_child_count == 0:
                continue
            first = string.named_children[0]
            if first.type == "interpolation":
                continue
            value = _leading_value(src, string)
            if value.count('"') > limit:
                yield ctx.issue(
                    f"String holds more than {limit} quotes; write it as a sigil (e.g. ~s) instead.",
                    src.line_of(anchor),
                    trigger=value,
                )


@register
class WithSingleClause(CredoCheck):
    """`with` that has a single `<-` clause and an `else`: that is a `case`."""

    name = "Credo.Check.Readability.WithSingleClause"
    category = "readability"
    base_priority = 0
    summary = "A `with` with one `<-` clause and an `else` should be a `case`."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            args = call_args(call)
            clauses = args
            if do_block(call) is None:
                if not args or args[-1].type != "keywords":
                    continue
                clauses = args[:-1]
            if not clauses:
                continue
            if keyword_block(src, call, "else") is None or not body_nodes(src, call) and do_block(call) is None:
                continue
            if any(c.type == "call" and local_call_name(src, c) == "unquote_splicing" for c in clauses):
                continue
            arrows = sum(1 for c in clauses if c.type == "binary_operator" and operator(src, c) == "<-")
            if arrows <= 1:
                yield ctx.issue(
                    "`with` has a single `<-` clause and an `else` branch; use `case` instead.",
                    src.line_of(call),
                    trigger="with",
                )


# --- specs (opt-in) -------------------------------------------------------------------------------


def _spec_signatures(src: SourceFile) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for spec in calls_named(src, "spec"):
        args = call_args(spec)
        if len(args) != 1:
            continue
        expr = args[0]
        if expr.type == "binary_operator" and operator(src, expr) == "when":
            expr = expr.child_by_field_name("left") or expr
        if expr.type != "binary_operator" or operator(src, expr) != "::":
            continue
        head = expr.child_by_field_name("left")
        parts = _name_and_params(src, head) if head is not None else None
        if parts is not None:
            found.add((_text(src, parts[0]), len(parts[1] or [])))
    return found


@register
class Specs(CredoCheck):
    """Public functions (and private ones with `include_defp`) without a `@spec`; `@impl` callbacks count as specced."""

    name = "Credo.Check.Readability.Specs"
    category = "readability"
    base_priority = 0
    default_params = {"include_defp": False}
    enabled_by_default = False
    summary = "Functions should have a @spec."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        kinds = ("def", "defp") if ctx.params.get("include_defp") else ("def",)
        defs = calls_named(src, *kinds)
        if not defs:
            return
        specs = _spec_signatures(src) | _impl_signatures(src, frozenset({"def", "defp"}))
        quotes = [(q.start_byte, q.end_byte) for q in calls_named(src, "quote")]
        for call in defs:
            args = call_args(call)
            if not args:
                continue
            if any(s < call.start_byte and call.end_byte <= e for s, e in quotes):
                continue
            parts = _name_and_params(src, _unwrap_when(src, args[0]))
            if parts is None:
                continue
            name = _text(src, parts[0])
            if (name, len(parts[1] or [])) in specs:
                continue
            yield ctx.issue(
                f"Function `{name}` has no @spec; add a type specification.",
                src.line_of(call),
                trigger=name,
            )
