"""Quick fixes: pure functions from (document text, issue) to text edits, one per check where a fix is safe.

An edit is (start offset, end offset, new text) over the document string. Every fixer
returns None when it cannot fix this particular occurrence safely; the server then offers
no action rather than a wrong one. `FIXERS` maps Credo check names to fixers,
`FINDING_FIXERS` Sobelow finding types to fixers of findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from elixir_coder.analysis.ast import call_args, local_call_name, operator, remote_call, strip_parens
from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.source import SourceFile


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (character offsets) with `new_text`."""

    start: int
    end: int
    new_text: str


Fixer = Callable[[str, Issue], list[Edit] | None]
FindingFixer = Callable[[str, Finding], list[Edit] | None]
FIXERS: dict[str, Fixer] = {}
TITLES: dict[str, str] = {}
FINDING_FIXERS: dict[str, FindingFixer] = {}
FINDING_TITLES: dict[str, str] = {}


def fixer(check: str, title: str) -> Callable[[Fixer], Fixer]:
    """Register a fixer for a check (short name, e.g. `Readability.LargeNumbers`)."""

    def wrap(fn: Fixer) -> Fixer:
        FIXERS["Credo.Check." + check] = fn
        TITLES["Credo.Check." + check] = title
        return fn

    return wrap


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (any order) to a text."""
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: e.start] + e.new_text + text[e.end :]
    return text


def line_offset(text: str, line_no: int) -> int:
    """Character offset where 1-based line `line_no` starts."""
    offset = 0
    for _ in range(line_no - 1):
        nl = text.find("\n", offset)
        if nl < 0:
            return len(text)
        offset = nl + 1
    return offset


def _line(text: str, line_no: int) -> tuple[int, str]:
    start = line_offset(text, line_no)
    end = text.find("\n", start)
    return start, text[start : end if end >= 0 else len(text)]


class _Doc:
    """A parsed document with node offsets in characters (tree-sitter counts bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.src = SourceFile("fix.ex", text)
        self._ascii = text.isascii()

    def off(self, byte: int) -> int:
        if self._ascii:
            return byte
        return len(self.src.data[:byte].decode("utf-8", errors="replace"))

    def span(self, node: Node) -> tuple[int, int]:
        return self.off(node.start_byte), self.off(node.end_byte)

    def text_of(self, node: Node) -> str:
        return self.src.node_text(node)

    def calls_on_line(self, line_no: int) -> list[Node]:
        return [c for c in self.src.calls if c.start_point[0] + 1 == line_no]


# --------------------------------------------------------------------- text fixes


def group_digits(number: str) -> str | None:
    """`1234567.5` -> `1_234_567.5`: the integer part in groups of three (None for non-decimal literals)."""
    if number[:2].lower() in ("0x", "0o", "0b") or not number[:1].isdigit():
        return None
    head, dot, tail = number.partition(".")
    digits = head.replace("_", "")
    if not digits.isdigit():
        return None
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return "_".join(groups) + dot + tail


@fixer("Readability.LargeNumbers", "Add underscores to the number")
def fix_large_number(text: str, issue: Issue) -> list[Edit] | None:
    if not issue.trigger or not issue.line_no:
        return None
    grouped = group_digits(issue.trigger)
    if grouped is None or grouped == issue.trigger:
        return None
    start, line = _line(text, issue.line_no)
    col = (issue.column or 0) - 1
    if col < 0 or line[col : col + len(issue.trigger)] != issue.trigger:
        col = line.find(issue.trigger)
    if col < 0:
        return None
    return [Edit(start + col, start + col + len(issue.trigger), grouped)]


@fixer("Readability.TrailingWhiteSpace", "Remove trailing white-space")
def fix_trailing_whitespace(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    stripped = line.rstrip(" \t")
    if stripped == line:
        return None
    return [Edit(start + len(stripped), start + len(line), "")]


@fixer("Readability.TrailingBlankLine", "Add a final newline")
def fix_trailing_blank_line(text: str, issue: Issue) -> list[Edit] | None:
    return None if text.endswith("\n") else [Edit(len(text), len(text), "\n")]


@fixer("Readability.RedundantBlankLines", "Remove the extra blank lines")
def fix_redundant_blank_lines(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    if line.strip():
        return None
    end = start
    while True:  # remove this and every following blank line of the run
        nl = text.find("\n", end)
        if nl < 0 or text[end:nl].strip():
            break
        end = nl + 1
    return [Edit(start, end, "")] if end > start else None


@fixer("Readability.SpaceAfterCommas", "Add a space after the comma")
def fix_space_after_comma(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    col = (issue.column or 0) - 1
    if not (0 <= col < len(line)) or line[col] != ",":
        return None
    return [Edit(start + col + 1, start + col + 1, " ")]


@fixer("Readability.Semicolons", "Put each expression on its own line")
def fix_semicolon(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    col = (issue.column or 0) - 1
    if not (0 <= col < len(line)) or line[col] != ";":
        return None
    indent = line[: len(line) - len(line.lstrip())]
    rest = line[col + 1 :]
    end = col + 1 + (len(rest) - len(rest.lstrip()))
    if not line[end:].strip():
        return [Edit(start + col, start + len(line), "")]
    return [Edit(start + col, start + end, "\n" + indent)]


@fixer("Readability.ParenthesesOnZeroArityDefs", "Remove the empty parentheses")
def fix_zero_arity_parens(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    m = re.search(rf"\b(defp?|defmacrop?)\s+{re.escape(issue.trigger or '')}(\(\s*\))", line)
    if m is None:
        return None
    return [Edit(start + m.start(2), start + m.end(2), "")]


@fixer("Readability.UnnecessaryAliasExpansion", "Write the alias without braces")
def fix_alias_expansion(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    m = re.search(r"\.\{\s*([A-Z][\w.]*)\s*\}", line)
    if m is None:
        return None
    return [Edit(start + m.start(), start + m.end(), "." + m.group(1))]


@fixer("Readability.AliasOrder", "Sort the aliases alphabetically")
def fix_alias_order(text: str, issue: Issue) -> list[Edit] | None:
    lines = text.split("\n")
    row = (issue.line_no or 0) - 1
    pattern = re.compile(r"^(\s*)alias\s+([A-Z][\w.]*)")
    if not (0 <= row < len(lines)) or not pattern.match(lines[row]):
        return None
    first = row
    while first > 0 and pattern.match(lines[first - 1]):
        first -= 1
    last = row
    while last + 1 < len(lines) and pattern.match(lines[last + 1]):
        last += 1
    group = lines[first : last + 1]
    if any("{" in ln or "," in ln for ln in group):
        return None  # multi-line or multi-alias groups are left to the user
    ordered = sorted(group, key=lambda ln: pattern.match(ln).group(2).lower())  # type: ignore[union-attr]
    start = line_offset(text, first + 1)
    end = start + len("\n".join(group))
    return [Edit(start, end, "\n".join(ordered))]


# --------------------------------------------------------------------- structural fixes


def _call_at(doc: _Doc, issue: Issue, pred: Callable[[Node], bool]) -> Node | None:
    for call in doc.calls_on_line(issue.line_no or 0):
        if pred(call) and (issue.column is None or doc.src.column_of(call) <= issue.column + 1):
            return call
    return None


def _remove_debug_call(text: str, issue: Issue, module: str | None, fun: str) -> list[Edit] | None:
    doc = _Doc(text)

    def is_target(c: Node) -> bool:
        rc = remote_call(doc.src, c)
        return rc == (module, fun) if module else (local_call_name(doc.src, c) == fun or rc == ("Kernel", fun))

    call = _call_at(doc, issue, is_target)
    if call is None:
        return None
    parent = call.parent
    if parent is not None and parent.type == "binary_operator" and operator(doc.src, parent) == "|>" \
            and parent.child_by_field_name("right") == call:
        left = parent.child_by_field_name("left")
        if left is None:
            return None
        s, e = doc.span(parent)
        return [Edit(s, e, doc.text_of(left))]
    args = call_args(call)
    if not args:
        return None
    s, e = doc.span(call)
    return [Edit(s, e, doc.text_of(args[0]))]


@fixer("Warning.IoInspect", "Remove the IO.inspect call")
def fix_io_inspect(text: str, issue: Issue) -> list[Edit] | None:
    return _remove_debug_call(text, issue, "IO", "inspect")


@fixer("Warning.Dbg", "Remove the dbg call")
def fix_dbg(text: str, issue: Issue) -> list[Edit] | None:
    return _remove_debug_call(text, issue, None, "dbg")


@fixer("Warning.IExPry", "Remove the IEx.pry call")
def fix_iex_pry(text: str, issue: Issue) -> list[Edit] | None:
    start, line = _line(text, issue.line_no or 0)
    if line.strip() not in ("IEx.pry()", "IEx.pry"):
        return None
    end = start + len(line) + (1 if start + len(line) < len(text) else 0)
    return [Edit(start, end, "")]


@fixer("Warning.ExpensiveEmptyEnumCheck", "Use Enum.empty?/1")
def fix_empty_enum_check(text: str, issue: Issue) -> list[Edit] | None:
    doc = _Doc(text)
    for node in doc.src.by_type("binary_operator"):
        if node.start_point[0] + 1 != issue.line_no:
            continue
        op = operator(doc.src, node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or op not in ("==", "===", "!=", "!==", ">", "<"):
            continue
        counted, zero, zero_right = (left, right, True) if doc.text_of(right) == "0" else (right, left, False)
        if doc.text_of(zero) != "0":
            continue
        counted = strip_parens(counted)
        if counted.type != "call":
            continue
        name = local_call_name(doc.src, counted)
        if name != "length" and remote_call(doc.src, counted) != ("Enum", "count"):
            continue
        args = call_args(counted)
        if len(args) != 1:
            continue
        if op in ("==", "==="):
            negate = False
        elif op in ("!=", "!==") or (op == ">" and zero_right) or (op == "<" and not zero_right):
            negate = True
        else:
            continue
        replacement = f"Enum.empty?({doc.text_of(args[0])})"
        s, e = doc.span(node)
        return [Edit(s, e, f"not {replacement}" if negate else replacement)]
    return None


def _to_existing_atom(text: str, line_no: int, module: str = "String|List") -> list[Edit] | None:
    start, line = _line(text, line_no)
    m = re.search(rf"\b({module})\.to_atom\b(?!\?)", line)
    if m is None:
        return None
    return [Edit(start + m.start(), start + m.end(), f"{m.group(1)}.to_existing_atom")]


@fixer("Warning.UnsafeToAtom", "Use the to_existing_atom variant")
def fix_unsafe_to_atom(text: str, issue: Issue) -> list[Edit] | None:
    return _to_existing_atom(text, issue.line_no or 0)


def finding_fixer(type_name: str, title: str) -> Callable[[FindingFixer], FindingFixer]:
    """Register a fixer for a Sobelow finding type (e.g. `DOS.StringToAtom`)."""

    def wrap(fn: FindingFixer) -> FindingFixer:
        FINDING_FIXERS[type_name] = fn
        FINDING_TITLES[type_name] = title
        return fn

    return wrap


@finding_fixer("DOS.StringToAtom", "Use String.to_existing_atom")
def fix_string_to_atom_finding(text: str, finding: Finding) -> list[Edit] | None:
    return _to_existing_atom(text, finding.line, "String") if finding.line > 0 else None


@finding_fixer("DOS.ListToAtom", "Use List.to_existing_atom")
def fix_list_to_atom_finding(text: str, finding: Finding) -> list[Edit] | None:
    return _to_existing_atom(text, finding.line, "List") if finding.line > 0 else None


def _branches(doc: _Doc, call: Node) -> tuple[Node, list[Node], list[Node], Node] | None:
    """(condition, do-body nodes, else-body nodes, do_block) of an if/unless written with do/else/end."""
    block = next((c for c in call.named_children if c.type == "do_block"), None)
    args = call_args(call)
    if block is None or len(args) != 1:
        return None
    do_body = [c for c in block.named_children if not c.type.endswith("_block")]
    else_block = next((c for c in block.named_children if c.type == "else_block"), None)
    if else_block is None or any(c.type.endswith("_block") and c.type != "else_block" for c in block.named_children):
        return None
    return args[0], do_body, list(else_block.named_children), block


def _swap_branches(text: str, issue: Issue, kind: str, new_kind: str, negated: bool) -> list[Edit] | None:
    doc = _Doc(text)
    call = _call_at(doc, issue, lambda c: local_call_name(doc.src, c) == kind)
    if call is None:
        return None
    parts = _branches(doc, call)
    if parts is None:
        return None
    cond, do_body, else_body, _block = parts
    if negated:
        inner = strip_parens(cond)
        if inner.type != "unary_operator" or operator(doc.src, inner) not in ("!", "not"):
            return None
        cond_text = doc.text_of(strip_parens(inner.named_children[-1]))
    else:
        cond_text = doc.text_of(cond)
    if not do_body or not else_body:
        return None
    indent = " " * call.start_point[1]
    body_indent = indent + "  "

    def body(nodes: list[Node]) -> str:
        s, _ = doc.span(nodes[0])
        _, e = doc.span(nodes[-1])
        chunk = text[s:e]
        return "\n".join(body_indent + ln.strip() if i == 0 else ln for i, ln in enumerate(chunk.split("\n")))

    new = f"{new_kind} {cond_text} do\n{body(else_body)}\n{indent}else\n{body(do_body)}\n{indent}end"
    s, e = doc.span(call)
    return [Edit(s, e, new)]


@fixer("Refactor.UnlessWithElse", "Rewrite as if/else")
def fix_unless_with_else(text: str, issue: Issue) -> list[Edit] | None:
    return _swap_branches(text, issue, "unless", "if", negated=False)


@fixer("Refactor.NegatedConditionsWithElse", "Drop the negation and swap the branches")
def fix_negated_condition_with_else(text: str, issue: Issue) -> list[Edit] | None:
    return _swap_branches(text, issue, "if", "if", negated=True)


def fixes_for(text: str, issue: Issue) -> list[Edit] | None:
    """The edits that fix this issue, or None when no safe fix exists."""
    fn = FIXERS.get(issue.check)
    if fn is None:
        return None
    try:
        return fn(text, issue) or None
    except (ValueError, IndexError, AttributeError, TypeError):
        return None


def fixes_for_finding(text: str, finding: Finding) -> list[Edit] | None:
    """The edits that fix this Sobelow finding, or None when no safe fix exists."""
    fn = FINDING_FIXERS.get(finding.type_name)
    if fn is None:
        return None
    try:
        return fn(text, finding) or None
    except (ValueError, IndexError, AttributeError, TypeError):
        return None


def keeps_parsing(text: str, edits: list[Edit]) -> bool:
    """Safety net: the edits introduce no syntax error (a file that did not parse must not get worse)."""
    before = SourceFile("fix.ex", text)
    after = SourceFile("fix.ex", apply_edits(text, edits))
    if before.root is None or after.root is None:
        return True
    return not after.syntax_problems() or bool(before.syntax_problems())
