"""Credo's Readability checks: names, numbers, layout and constructs that read better another way."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from tree_sitter import Node

from ..ast import (
    call_args,
    calls_named,
    def_head,
    do_block,
    local_call_name,
    module_name,
    operator,
    strip_parens,
)
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ..source import SourceFile
from ._shared import body_nodes, defs, in_attribute, keyword_block

_ALL_DEFS = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard", "defguardp"})
_SNAKE = re.compile(r"^_*[a-z][a-z0-9_]*[?!]?$|^_+$")
_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_LITERAL_TYPES = ("string", "charlist", "sigil", "comment", "quoted_atom", "quoted_keyword")


def is_snake_case(name: str, allow_acronyms: bool = False) -> bool:
    """Credo's snake_case rule: lower-case words joined by underscores (leading underscores allowed)."""
    if _SNAKE.match(name):
        return True
    return allow_acronyms and bool(re.match(r"^_*[a-zA-Z][a-zA-Z0-9_]*[?!]?$", name))


class LiteralRanges:
    """Byte ranges of strings, charlists, sigils and comments, for text checks that must skip them."""

    def __init__(self, src: SourceFile, types: tuple[str, ...] = _LITERAL_TYPES) -> None:
        spans = sorted((n.start_byte, n.end_byte) for t in types for n in src.by_type(t))
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        self._line_starts = src._line_starts

    def contains(self, byte: int) -> bool:
        """True when the byte offset lies inside a literal."""
        i = bisect.bisect_right(self.starts, byte) - 1
        return i >= 0 and byte < self.ends[i]

    def offset(self, line_no: int, col0: int) -> int:
        """Byte offset of a 0-based byte column on a 1-based line."""
        return self._line_starts[line_no - 1] + col0


def _literals(src: SourceFile) -> LiteralRanges:
    cached = getattr(src, "_literal_ranges", None)
    if cached is None:
        cached = LiteralRanges(src)
        src._literal_ranges = cached  # type: ignore[attr-defined]
    return cached


# --------------------------------------------------------------------- names


@register
class FunctionNames(CredoCheck):
    """Function, macro and guard names must be snake_case."""

    name = "Credo.Check.Readability.FunctionNames"
    category = "readability"
    base_priority = "high"
    default_params = {"allow_acronyms": False}
    summary = "Function names should be written in snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        seen: set[tuple[str, int]] = set()
        for call, _kind in defs(src, _ALL_DEFS):
            head = def_head(src, call)
            if head is None or in_attribute(src, call):
                continue
            name = head[0]
            if not re.match(r"^[A-Za-z_]", name) or name.startswith("unquote"):
                continue
            if name.startswith("sigil_") and len(name) > 6:
                name_tail = name[6:]
                if re.match(r"^[a-zA-Z]$|^[A-Z][A-Z0-9]*$", name_tail):
                    continue
            if is_snake_case(name, bool(ctx.params.get("allow_acronyms"))):
                continue
            key = (name, len(head[1]))
            if key in seen:  # one issue per function, not per clause
                continue
            seen.add(key)
            yield ctx.issue("Function names should be written in snake_case.", src.line_of(call), trigger=name)


@register
class VariableNames(CredoCheck):
    """Variable names must be snake_case."""

    name = "Credo.Check.Readability.VariableNames"
    category = "readability"
    base_priority = "high"
    summary = "Variable names should be written in snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        seen: set[tuple[str, int]] = set()
        for node in src.by_type("binary_operator"):
            if operator(src, node) not in ("=", "<-"):
                continue
            left = node.child_by_field_name("left")
            if left is None:
                continue
            for ident in [left, *src.nodes_of_type("identifier", node=left)]:
                if ident.type != "identifier":
                    continue
                name = src.node_text(ident)
                parent = ident.parent
                if parent is not None and parent.type in ("call", "dot") and ident != left:
                    continue
                if name in ("__MODULE__", "__CALLER__", "__ENV__", "__DIR__", "__STACKTRACE__"):
                    continue
                if not is_snake_case(name):
                    key = (name, src.line_of(ident))
                    if key not in seen:
                        seen.add(key)
                        yield ctx.issue("Variable names should be written in snake_case.", key[1], trigger=name)


@register
class ModuleAttributeNames(CredoCheck):
    """Module attribute names must be snake_case."""

    name = "Credo.Check.Readability.ModuleAttributeNames"
    category = "readability"
    base_priority = "high"
    summary = "Module attribute names should be written in snake_case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("unary_operator"):
            if operator(src, node) != "@" or not node.named_children:
                continue
            operand = node.named_children[-1]
            target = operand.child_by_field_name("target") if operand.type == "call" else operand
            if target is None or target.type != "identifier":
                continue
            name = src.node_text(target)
            if not is_snake_case(name):
                yield ctx.issue("Module attribute names should be written in snake_case.",
                                src.line_of(node), trigger=f"@{name}")


@register
class ModuleNames(CredoCheck):
    """Module names must be PascalCase."""

    name = "Credo.Check.Readability.ModuleNames"
    category = "readability"
    base_priority = "high"
    default_params = {"ignore": []}
    summary = "Module names should be written in PascalCase."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "defmodule"):
            name = module_name(src, call)
            if name is None or name in ctx.params.get("ignore", []):
                continue
            if not all(_PASCAL.match(part) for part in name.split(".")):
                yield ctx.issue("Module names should be written in PascalCase.", src.line_of(call), trigger=name)


@register
class PredicateFunctionNames(CredoCheck):
    """Predicate functions should end in `?` and not start with `is_` (guard macros keep `is_`)."""

    name = "Credo.Check.Readability.PredicateFunctionNames"
    category = "readability"
    base_priority = "high"
    summary = "Predicate function names should end with ? and not start with is_."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        seen: set[str] = set()
        kinds = frozenset({"def", "defp", "defmacro", "defmacrop", "defguard"})
        for call, kind in defs(src, kinds):
            head = def_head(src, call)
            if head is None or in_attribute(src, call):
                continue
            name = head[0]
            if not name.startswith("is_") or name in seen:
                continue
            if kind in ("defmacro", "defmacrop") and not name.endswith("?"):
                continue  # guard-style macros are named is_*
            if _has_impl_true(src, call):
                continue
            seen.add(name)
            if name.endswith("?"):
                message = "Predicate function names should not start with 'is'."
            else:
                message = "Predicate function names should not start with 'is', and should end in a question mark."
            yield ctx.issue(message, src.line_of(call), trigger=name)


def _has_impl_true(src: SourceFile, def_call: Node) -> bool:
    """Whether the definition is a callback marked `@impl` (its name is not ours to choose)."""
    prev = def_call.prev_named_sibling
    while prev is not None and prev.type == "comment":
        prev = prev.prev_named_sibling
    if prev is None or prev.type != "unary_operator":
        return False
    text = src.node_text(prev)
    return text.startswith("@impl") and not text.replace(" ", "").endswith("false")


# --------------------------------------------------------------------- numbers and strings


def _large_number_issue(text: str, threshold: int) -> bool:
    if text[:2].lower() in ("0x", "0o", "0b"):
        return False
    digits = text.split(".")[0].split("e")[0].split("E")[0]
    try:
        value = int(digits.replace("_", ""))
    except ValueError:
        return False
    if value <= threshold:
        return False
    groups = digits.lstrip("-").split("_")
    well_formed = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    return not well_formed or (len(groups) == 1 and len(groups[0]) > 3)


def _formatted(text: str) -> str:
    head, dot, tail = text.partition(".")
    digits = head.replace("_", "")
    parts: list[str] = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return "_".join(parts) + (dot + tail if dot else "")


@register
class LargeNumbers(CredoCheck):
    """Numbers above `only_greater_than` written without underscores every three digits."""

    name = "Credo.Check.Readability.LargeNumbers"
    category = "readability"
    base_priority = "high"
    default_params = {"only_greater_than": 9999, "trailing_digits": []}
    summary = "Large numbers should use underscores between groups of three digits."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        threshold = int(ctx.params["only_greater_than"])
        for node in [*src.by_type("integer"), *src.by_type("float")]:
            text = src.node_text(node)
            if _large_number_issue(text, threshold):
                yield ctx.issue(
                    f"Numbers larger than {threshold} should be written with underscores: {_formatted(text)}",
                    src.line_of(node),
                    trigger=text,
                    column=src.column_of(node),
                )


@register
class StringSigils(CredoCheck):
    """Strings with more than `maximum_allowed_quotes` escaped quotes: a sigil avoids the escapes."""

    name = "Credo.Check.Readability.StringSigils"
    category = "readability"
    base_priority = "low"
    default_params = {"maximum_allowed_quotes": 3}
    summary = "Use a sigil for strings with many escaped quotes."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = int(ctx.params["maximum_allowed_quotes"])
        for node in src.by_type("string"):
            text = src.node_text(node)
            if text.startswith('"""') or in_attribute(src, node) or node.named_children and any(
                c.type == "interpolation" for c in node.named_children
            ):
                continue
            if text.count('\\"') > limit:
                yield ctx.issue(
                    f"More than {limit} quotes found inside string literal, consider using a sigil instead.",
                    src.line_of(node),
                    trigger=text.split("\n")[0][:40],
                    column=src.column_of(node),
                )


# --------------------------------------------------------------------- definitions and blocks


@register
class ParenthesesOnZeroArityDefs(CredoCheck):
    """Zero-arity definitions written with empty parentheses (`def foo()`), with parens: false."""

    name = "Credo.Check.Readability.ParenthesesOnZeroArityDefs"
    category = "readability"
    base_priority = "low"
    default_params = {"parens": False}
    summary = "Zero-arity functions are defined without parentheses."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        want_parens = bool(ctx.params.get("parens"))
        for call, _kind in defs(src, frozenset({"def", "defp", "defmacro", "defmacrop"})):
            args = call_args(call)
            if not args:
                continue
            head = args[0]
            if head.type == "binary_operator" and operator(src, head) == "when":
                head = head.child_by_field_name("left") or head
            if head.type == "call":
                params = call_args(head)
                has_parens = not params and "(" in src.node_text(head)
                if params:
                    continue
                name = src.node_text(head.child_by_field_name("target") or head)
                if name.startswith("unquote"):
                    continue
            elif head.type == "identifier":
                has_parens = False
                name = src.node_text(head)
            else:
                continue
            if has_parens and not want_parens:
                yield ctx.issue("Do not use parentheses when defining a function which has no arguments.",
                                src.line_of(call), trigger=name)
            elif want_parens and not has_parens:
                yield ctx.issue("Use parentheses () when defining a function which has no arguments.",
                                src.line_of(call), trigger=name)


@register
class PreferImplicitTry(CredoCheck):
    """A function whose whole body is a `try` block: the def can rescue directly."""

    name = "Credo.Check.Readability.PreferImplicitTry"
    category = "readability"
    base_priority = "low"
    summary = "Prefer the def's implicit try over an explicit try block."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call, _kind in defs(src, frozenset({"def", "defp", "defmacro", "defmacrop"})):
            body = body_nodes(src, call)
            if len(body) == 1 and body[0].type == "call" and local_call_name(src, body[0]) == "try":
                if do_block(call) is None or keyword_block(src, call, "rescue") is None:
                    yield ctx.issue("Prefer using an implicit `try` rather than explicit `try`.",
                                    src.line_of(body[0]), trigger="try")


@register
class WithSingleClause(CredoCheck):
    """`with` with a single `<-` clause and an `else`: a `case` says the same."""

    name = "Credo.Check.Readability.WithSingleClause"
    category = "readability"
    base_priority = "normal"
    summary = "with with a single clause and else should be a case."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in calls_named(src, "with"):
            if keyword_block(src, call, "else") is None:
                continue
            clauses = [a for a in call_args(call) if a.type != "keywords"]
            arrows = [c for c in clauses if c.type == "binary_operator" and operator(src, c) == "<-"]
            if len(clauses) == 1 and len(arrows) == 1:
                yield ctx.issue("`with` contains only one <- clause and an `else` branch, consider using `case` instead",
                                src.line_of(call), trigger="with")


@register
class ParenthesesInCondition(CredoCheck):
    """`if (cond) do` / `unless (cond) do`: the parentheses add nothing."""

    name = "Credo.Check.Readability.ParenthesesInCondition"
    category = "readability"
    base_priority = "high"
    summary = "No parentheses around if/unless conditions."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in src.calls:
            kind = local_call_name(src, call)
            if kind not in ("if", "unless"):
                continue
            args = call_args(call)
            if not args or args[0].type != "block":
                continue
            inner = strip_parens(args[0])
            if inner is args[0]:
                continue
            arguments = args[0].parent
            if arguments is not None and src.node_text(arguments).startswith("(") and len(args) > 1:
                continue  # `if(cond, do: x)`: the parentheses belong to the call
            yield ctx.issue(f"The condition of `{kind}` should not be wrapped in parentheses.",
                            src.line_of(call), trigger=kind)


@register
class PipeIntoAnonymousFunctions(CredoCheck):
    """`|> (fn x -> ... end).()`: name the function or use `then/2`."""

    name = "Credo.Check.Readability.PipeIntoAnonymousFunctions"
    category = "readability"
    base_priority = "low"
    summary = "Avoid piping into anonymous functions; use then/2."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for node in src.by_type("binary_operator"):
            if operator(src, node) != "|>":
                continue
            right = node.child_by_field_name("right")
            if right is None or right.type != "call":
                continue
            target = right.child_by_field_name("target")
            if target is not None and target.type == "dot":
                left = target.child_by_field_name("left")
                if left is not None and strip_parens(left).type == "anonymous_function":
                    yield ctx.issue("Avoid piping into anonymous functions; use `then/2` instead.",
                                    src.line_of(node), trigger="|>")


# --------------------------------------------------------------------- aliases and modules


def _alias_calls(src: SourceFile) -> list[Node]:
    return [c for c in src.calls if local_call_name(src, c) == "alias"]


def _alias_sort_key(src: SourceFile, call: Node) -> str | None:
    args = call_args(call)
    if not args:
        return None
    first = args[0]
    if first.type == "alias":
        return src.node_text(first)
    if first.type == "dot":
        left = first.child_by_field_name("left")
        return src.node_text(left) if left is not None else None
    return None


@register
class AliasOrder(CredoCheck):
    """Consecutive `alias` lines not in alphabetical order."""

    name = "Credo.Check.Readability.AliasOrder"
    category = "readability"
    base_priority = "low"
    default_params = {"sort_method": "alpha"}
    summary = "Aliases in a group should be alphabetically ordered."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        groups: list[list[Node]] = []
        for call in _alias_calls(src):
            prev = groups[-1][-1] if groups else None
            if (
                prev is not None
                and prev.parent == call.parent
                and call.start_point[0] - prev.end_point[0] == 1
            ):
                groups[-1].append(call)
            else:
                groups.append([call])
        for group in groups:
            keys = [_alias_sort_key(src, c) for c in group]
            for i in range(1, len(group)):
                a, b = keys[i - 1], keys[i]
                if a is None or b is None:
                    continue
                if b.lower() < a.lower():
                    yield ctx.issue("The alias `" + b + "` is not alphabetically ordered among its group.",
                                    src.line_of(group[i]), trigger=b)
                    break


@register
class UnnecessaryAliasExpansion(CredoCheck):
    """`alias Foo.{Bar}`: a multi-alias with one name."""

    name = "Credo.Check.Readability.UnnecessaryAliasExpansion"
    category = "readability"
    base_priority = "low"
    summary = "Multi-alias with a single module should be a plain alias."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for call in _alias_calls(src):
            args = call_args(call)
            if not args or args[0].type != "dot":
                continue
            right = args[0].child_by_field_name("right")
            if right is not None and right.type == "tuple" and right.named_child_count == 1:
                name = src.node_text(right.named_children[0])
                yield ctx.issue("Unnecessary alias expansion for " + name + ", consider removing braces.",
                                src.line_of(call), trigger=name)


_MODULEDOC_IGNORE = re.compile(
    r"(\.\w+Controller|\.Endpoint|\.\w+Live(\.\w+)?|\.Repo|\.Router|\.\w+Socket|\.\w+View|\.\w+HTML|\.\w+JSON"
    r"|\.Telemetry|\.Layouts|\.Mailer)$"
)


@register
class ModuleDoc(CredoCheck):
    """Modules without `@moduledoc` (test files and Phoenix boilerplate modules excepted)."""

    name = "Credo.Check.Readability.ModuleDoc"
    category = "readability"
    base_priority = "normal"
    default_params = {
        "ignore_names": [_MODULEDOC_IGNORE.pattern],
        "ignore_modules_using": ["Credo.Check", "Ecto.Schema", "Phoenix.LiveView", r"\.Web$"],
    }
    summary = "Modules should have a @moduledoc tag."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if src.filename.endswith(".exs"):
            return
        patterns = [re.compile(p) if isinstance(p, str) else p.compile() for p in ctx.params.get("ignore_names", [])]
        for call in calls_named(src, "defmodule"):
            name = module_name(src, call)
            if name is None or any(p.search(name) for p in patterns):
                continue
            body = body_nodes(src, call)
            if _uses_ignored(src, body, ctx.params.get("ignore_modules_using") or []):
                continue
            has_doc = any(
                n.type == "unary_operator" and src.node_text(n).startswith("@moduledoc") for n in body
            )
            is_exception = any(
                n.type == "call" and local_call_name(src, n) == "defexception" for n in body
            )
            if not has_doc and not is_exception and body:
                yield ctx.issue("Modules should have a @moduledoc tag.", src.line_of(call), trigger=name)


def _uses_ignored(src: SourceFile, body: list[Node], ignored: list) -> bool:
    """Whether the module body `use`s one of the ignored modules (names or regexes)."""
    for node in body:
        if node.type != "call" or local_call_name(src, node) != "use":
            continue
        args = call_args(node)
        used = src.node_text(args[0]) if args else ""
        for pattern in ignored:
            text = pattern if isinstance(pattern, str) else getattr(pattern, "pattern", "")
            if used == text or (text.startswith(("\\", "^")) or "$" in text) and re.search(text, used):
                return True
    return False


@register
class Specs(CredoCheck):
    """Public functions without a `@spec` (opt-in)."""

    name = "Credo.Check.Readability.Specs"
    category = "readability"
    base_priority = "normal"
    default_params = {"include_defp": False}
    enabled_by_default = False
    summary = "Functions should have typespecs."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        specced: set[tuple[str, int]] = set()
        for node in src.by_type("unary_operator"):
            text = src.node_text(node)
            if not text.startswith("@spec"):
                continue
            m = re.match(r"@spec\s+([a-z_][\w?!]*)\s*(\((.*?)\))?\s*::", text, re.S)
            if m:
                params = m.group(3)
                arity = 0 if not params or not params.strip() else _count_top_level_commas(params) + 1
                specced.add((m.group(1), arity))
        kinds = frozenset({"def", "defp"} if ctx.params.get("include_defp") else {"def"})
        seen: set[tuple[str, int]] = set()
        for call, _kind in defs(src, kinds):
            head = def_head(src, call)
            if head is None or _has_impl_true(src, call):
                continue
            key = (head[0], len(head[1]))
            if key in seen:
                continue
            seen.add(key)
            defaults = sum(1 for p in head[1] if p.type == "binary_operator" and operator(src, p) == "\\\\")
            if not any((head[0], key[1] - k) in specced for k in range(defaults + 1)):
                yield ctx.issue("Functions should have a @spec type specification.", src.line_of(call),
                                trigger=head[0])


def _count_top_level_commas(text: str) -> int:
    depth = count = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            count += 1
    return count


# --------------------------------------------------------------------- text layout


@register
class MaxLineLength(CredoCheck):
    """Lines longer than `max_length` characters (definitions, heredocs, sigils, strings and URLs ignored)."""

    name = "Credo.Check.Readability.MaxLineLength"
    category = "readability"
    base_priority = "low"
    default_params = {
        "max_length": 120,
        "ignore_definitions": True,
        "ignore_heredocs": True,
        "ignore_specs": False,
        "ignore_sigils": True,
        "ignore_strings": True,
        "ignore_urls": True,
    }
    summary = "Lines should not be longer than 120 characters."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_len = int(ctx.params["max_length"])
        long_lines = [i for i, line in enumerate(src.lines, 1) if len(line) > max_len]
        if not long_lines:
            return
        types = []
        if ctx.params.get("ignore_strings"):
            types += ["string", "charlist", "quoted_atom"]
        if ctx.params.get("ignore_sigils"):
            types.append("sigil")
        types.append("comment")
        literals = LiteralRanges(src, tuple(types))
        def_lines = {
            src.line_of(c) for c, _ in defs(src, _ALL_DEFS | {"defmodule"})
        } if ctx.params.get("ignore_definitions") else set()
        for line_no in long_lines:
            line = src.lines[line_no - 1]
            stripped = line.lstrip()
            if line_no in def_lines:
                continue
            if ctx.params.get("ignore_specs") and stripped.startswith("@spec"):
                continue
            if ctx.params.get("ignore_urls") and re.search(r"https?://\S+", line):
                continue
            # strings and sigils do not count towards the length (Credo measures the line without them)
            base = literals.offset(line_no, 0)
            code_chars, byte = 0, base
            for ch in line:
                if not literals.contains(byte):
                    code_chars += 1
                byte += len(ch.encode())
            if code_chars <= max_len:
                continue
            yield ctx.issue(f"Line is too long (max is {max_len}, was {len(line)}).", line_no,
                            trigger=line[max_len:max_len + 20] or None, column=max_len + 1)


@register
class TrailingWhiteSpace(CredoCheck):
    """Spaces or tabs at the end of a line (inside strings ignored by default)."""

    name = "Credo.Check.Readability.TrailingWhiteSpace"
    category = "readability"
    base_priority = "low"
    default_params = {"ignore_strings": True}
    summary = "There should be no trailing white-space at the end of a line."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        literals = _literals(src) if ctx.params.get("ignore_strings") else None
        for line_no, line in enumerate(src.lines, 1):
            stripped = line.rstrip(" \t\r")
            if line.endswith("\r") and stripped == line.rstrip("\r"):
                continue
            if len(stripped) == len(line.rstrip("\r")):
                continue
            col0 = len(stripped.encode())
            if literals is not None and literals.contains(literals.offset(line_no, col0)):
                continue
            yield ctx.issue("There should be no trailing white-space at the end of a line.", line_no,
                            trigger=line[len(stripped):].rstrip("\r"), column=len(stripped) + 1)


@register
class TrailingBlankLine(CredoCheck):
    """The file should end with exactly one newline."""

    name = "Credo.Check.Readability.TrailingBlankLine"
    category = "readability"
    base_priority = "low"
    summary = "Files should end with a single newline."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if src.text and not src.text.endswith("\n"):
            yield ctx.issue("There should be a final \\n at the end of each file.", len(src.lines),
                            trigger=None)


@register
class RedundantBlankLines(CredoCheck):
    """More than `max_blank_lines` consecutive blank lines (outside strings)."""

    name = "Credo.Check.Readability.RedundantBlankLines"
    category = "readability"
    base_priority = "low"
    default_params = {"max_blank_lines": 1}
    summary = "There should be no more than one consecutive blank line."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = int(ctx.params["max_blank_lines"])
        literals = _literals(src)
        run = 0
        lines = src.lines[:-1] if src.lines and src.lines[-1] == "" else src.lines
        for line_no, line in enumerate(lines, 1):
            if line.strip() == "" and not literals.contains(literals.offset(line_no, 0)):
                run += 1
                if run == limit + 1:
                    yield ctx.issue(f"There should be no more than {limit} consecutive blank lines.", line_no)
            else:
                run = 0


def _code_positions(src: SourceFile, char: str) -> Iterator[tuple[int, int]]:
    """(line, 0-based char column) of each `char` outside strings, sigils and comments."""
    if char not in src.text:
        return
    literals = _literals(src)
    for line_no, line in enumerate(src.lines, 1):
        if char not in line:
            continue
        start = 0
        while (idx := line.find(char, start)) >= 0:
            start = idx + 1
            if not literals.contains(literals.offset(line_no, len(line[:idx].encode()))):
                if idx > 0 and line[idx - 1] == "?":  # character literal ?; / ?,
                    continue
                yield line_no, idx


@register
class Semicolons(CredoCheck):
    """Semicolons separating expressions."""

    name = "Credo.Check.Readability.Semicolons"
    category = "readability"
    base_priority = "high"
    summary = "Don't use ; to separate statements."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        for line_no, col in _code_positions(ctx.src, ";"):
            yield ctx.issue("Don't use ; to separate statements and expressions.", line_no, trigger=";",
                            column=col + 1)


@register
class SpaceAfterCommas(CredoCheck):
    """A comma followed directly by something other than a space or line end."""

    name = "Credo.Check.Readability.SpaceAfterCommas"
    category = "readability"
    base_priority = "normal"
    summary = "Put a space after commas."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        for line_no, col in _code_positions(src, ","):
            line = src.lines[line_no - 1]
            nxt = line[col + 1 : col + 2]
            if nxt and nxt not in " \t\r":
                yield ctx.issue("Space missing after comma.", line_no, trigger="," + nxt, column=col + 1)
