"""Credo's Consistency checks: find the style most of the project uses and report the places that differ.

Every check here counts, per file, how often each style occurs (Credo's "collector"), adds the
counts up over all analysed files, and takes the most frequent style as the expected one (a
`force:` param overrides it; on a tie the style whose name sorts first wins, as Credo's
`Enum.max_by` over a small map does). Files that use any other style are then searched for
the occurrences to report.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator as operator_module
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from ..ast import arguments_node, call_args, calls_named, do_block, keyword_pairs, local_call_name, operator
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ..source import SourceFile


def _force(params: Any) -> str | None:
    """The `force:` param as a plain style name (`:before` and "before" both give "before")."""
    value = params.get("force") if params else None
    if value is None or value is False or value == "":
        return None
    return str(value).lstrip(":")


def _expected_style(counts: Counter[Any], forced: Any) -> Any:
    """The style to enforce: the forced one, else the most frequent (ties go to the lowest key)."""
    if forced is not None:
        return forced
    best = max(counts.values())
    return min(k for k, v in counts.items() if v == best)


@dataclass
class _FileStyles:
    """What a collector found in one file: style counts, and whatever it needs to locate issues later."""

    ctx: CheckContext
    counts: Counter[Any]
    data: Any = field(default=None)


class _ConsistencyCheck(CredoCheck):
    """Shared driver: collect per file, total, pick the expected style, report the other files' occurrences."""

    category = "consistency"
    base_priority = "high"
    default_params = {"force": None}

    def collect(self, ctx: CheckContext) -> _FileStyles:
        """Style counts of one file."""
        raise NotImplementedError

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterable[Issue]:
        """Issues in a file that uses a style other than `expected`."""
        raise NotImplementedError

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        """A single file on its own is a project of one file."""
        yield from self.run_project([ctx])

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        per_file = [self.collect(ctx) for ctx in contexts]
        total: Counter[Any] = Counter()
        for found in per_file:
            total.update(found.counts)
        total = Counter({k: v for k, v in total.items() if v > 0})
        if not total:
            return
        expected = _expected_style(total, self.forced_style(contexts[0].params))
        for found in per_file:
            if any(style != expected and n > 0 for style, n in found.counts.items()):
                yield from self.issues_for(expected, found)

    def forced_style(self, params: Any) -> Any:
        """The style named by `force:`, if any."""
        return _force(params)


# --- literal masking shared by the text-based collectors --------------------------------------------

_LITERAL_TYPES = ("string", "charlist", "sigil", "quoted_atom")
_START_BYTE = operator_module.attrgetter("start_byte")


def _is_heredoc(node: Node) -> bool:
    return any(not c.is_named and c.type in ('"""', "'''") for c in node.children)


def _literal_spans(src: SourceFile) -> list[tuple[int, int, str]]:
    """(content start, content end, kind) byte spans of the outermost literals, in source order; cached."""
    cached = getattr(src, "_consistency_literal_spans", None)
    if cached is not None:
        return cached
    nodes = sorted((n for t in _LITERAL_TYPES for n in src.by_type(t)), key=_START_BYTE)
    spans: list[tuple[int, int, str]] = []
    end = -1
    for node in nodes:
        if node.start_byte < end:
            continue
        end = node.end_byte
        delims = [c for c in node.children if not c.is_named and c.type != "~"]
        if len(delims) < 2:
            continue
        kind = "heredoc" if _is_heredoc(node) else node.type
        spans.append((delims[0].end_byte, delims[-1].start_byte, kind))
    src._consistency_literal_spans = spans  # type: ignore[attr-defined]
    return spans


def _masked_text(src: SourceFile, sigil_fill: str) -> str:
    """The file with literal contents blanked (newlines kept): sigils get `sigil_fill` per character."""
    key = f"_consistency_masked_{sigil_fill!r}"
    cached = getattr(src, key, None)
    if cached is not None:
        return cached
    data = src.data
    parts: list[str] = []
    pos = 0
    for start, end, kind in _literal_spans(src):
        if end <= start:
            continue
        parts.append(data[pos:start].decode("utf-8", "replace"))
        fill = sigil_fill if kind == "sigil" else " "
        content = data[start:end].decode("utf-8", "replace")
        parts.append("\n".join(fill * len(line) for line in content.split("\n")))
        pos = end
    parts.append(data[pos:].decode("utf-8", "replace"))
    text = "".join(parts)
    setattr(src, key, text)
    return text


def _inside_literal(spans: list[tuple[int, int, str]], starts: list[int], byte: int) -> bool:
    i = bisect.bisect_right(starts, byte) - 1
    return i >= 0 and spans[i][0] <= byte < spans[i][1]


# --- ParameterPatternMatching ------------------------------------------------------------------------


@register
class ParameterPatternMatching(_ConsistencyCheck):
    """Where the name goes when a parameter is pattern matched: `%{} = var` or `var = %{}`.

    Credo looks at the parameters of `def`/`defp` heads that have a body and no guard: a
    parameter `var = pattern` counts as "before", `pattern = var` as "after" (a variable on
    both sides counts as "before"). The line and trigger are those of the variable.
    """

    name = "Credo.Check.Consistency.ParameterPatternMatching"
    default_params = {"force": None}
    summary = "Put the parameter's name on the same side of its pattern everywhere."

    def collect(self, ctx: CheckContext) -> _FileStyles:
        src = ctx.src
        found: list[tuple[str, Node]] = []
        data = src.data
        for call in calls_named(src, "def") + calls_named(src, "defp"):
            args = arguments_node(call)
            if args is None or args.named_child_count == 0:
                continue
            if args.named_child_count < 2 and do_block(call) is None:
                continue  # a bodyless head
            head = args.named_children[0]
            if head.type == "call":
                params_node = arguments_node(head)
                params = params_node.named_children if params_node is not None else []
            elif head.type == "binary_operator" and operator(src, head) not in ("when", None):
                params = head.named_children  # `def a + b`
            else:
                continue  # `def f`, or a guard: Credo's match reads `when` as the name and skips it
            for param in params:
                if param.type != "binary_operator":
                    continue
                op = param.child_by_field_name("operator")
                if op is None or data[op.start_byte : op.end_byte] != b"=":
                    continue
                left, right = param.child_by_field_name("left"), param.child_by_field_name("right")
                if left is not None and left.type == "identifier":
                    found.append(("before", left))
                elif right is not None and right.type == "identifier":
                    found.append(("after", right))
        found.sort(key=lambda f: f[1].start_byte)
        return _FileStyles(ctx, Counter(style for style, _ in found), found)

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterator[Issue]:
        src = found.ctx.src
        if expected == "before":
            message = "Most files put the variable before the pattern (`var = pattern`); this one puts it after."
        else:
            message = "Most files put the variable after the pattern (`pattern = var`); this one puts it before."
        for style, var in found.data:
            if style != expected:
                yield found.ctx.issue(message, src.line_of(var), trigger=src.node_text(var))


# --- LineEndings --------------------------------------------------------------------------------------


@register
class LineEndings(_ConsistencyCheck):
    """Unix (`\\n`) or Windows (`\\r\\n`) line endings, the same in every file.

    Every line but the last counts as `windows` when it ends in `\\r`, else `unix`; a file with
    lines of the other kind gets one issue, at its first such line.
    """

    name = "Credo.Check.Consistency.LineEndings"
    summary = "Use the same line endings in every file."

    def collect(self, ctx: CheckContext) -> _FileStyles:
        lines = ctx.src.lines[:-1]
        windows = sum(1 for line in lines if line.endswith("\r"))
        return _FileStyles(ctx, Counter({"windows": windows, "unix": len(lines) - windows}))

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterator[Issue]:
        for line_no, line in enumerate(found.ctx.src.lines, 1):
            if ("windows" if line.endswith("\r") else "unix") != expected:
                if expected == "unix":
                    message, trigger = "This file uses Windows line endings; most files use Unix ones.", "\r\n"
                else:
                    message, trigger = "This file uses Unix line endings; most files use Windows ones.", "\n"
                issue = found.ctx.issue(message, line_no, trigger=trigger)
                yield dataclasses.replace(issue, column=None, column_end=None)
                return


# --- TabsOrSpaces -------------------------------------------------------------------------------------


def _indentation(line: str) -> str | None:
    if line.startswith("  "):
        return "spaces"
    if line.startswith("\t"):
        return "tabs"
    return None


@register
class TabsOrSpaces(_ConsistencyCheck):
    """Indentation with spaces or with tabs, the same everywhere.

    A line starting with two spaces counts as `spaces`, one starting with a tab as `tabs`
    (lines are taken as they are, heredoc lines included); each line indented the other way
    is reported.
    """

    name = "Credo.Check.Consistency.TabsOrSpaces"
    summary = "Indent with the same character everywhere."

    def collect(self, ctx: CheckContext) -> _FileStyles:
        counts: Counter[str] = Counter()
        for line in ctx.src.lines:
            style = _indentation(line)
            if style:
                counts[style] += 1
        return _FileStyles(ctx, counts)

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterator[Issue]:
        actual = "tabs" if expected == "spaces" else "spaces"
        message = f"This file indents with {actual}; most files indent with {expected}."
        for line_no, line in enumerate(found.ctx.src.lines, 1):
            style = _indentation(line)
            if style and style != expected:
                yield found.ctx.issue(message, line_no)


# --- SpaceInParentheses -------------------------------------------------------------------------------

_SIP_WITH_SPACE = re.compile(r"[^?]([{\[(]\s+\S|\S\s+[)\]}]\])")
_SIP_WITHOUT_SPACE = re.compile(r"[^?]([{\[(]\S|\S[)\]}])")
_SIP_WITHOUT_SPACE_ALLOW_EMPTY = re.compile(r"[^?](?!\{\}|\[\])([{\[(]\S|\S[)\]}])")
_SIP_REGEXES = {
    "with_space": _SIP_WITH_SPACE,
    "without_space": _SIP_WITHOUT_SPACE,
    "without_space_allow_empty_enums": _SIP_WITHOUT_SPACE_ALLOW_EMPTY,
}
# The same patterns over a whole file, each finding at most one match per line (`[^?\n]` and
# `[^\S\n]` keep a match on its line, as Credo's line-by-line matching does).
_SIP_LINE_COUNTERS = {
    kind: re.compile(r"^[^\n]*?" + regex.pattern.replace("[^?]", "[^?\n]").replace("\\s", "[^\\S\n]"), re.M)
    for kind, regex in _SIP_REGEXES.items()
}
_COMMENT_TAIL = re.compile(r"(\A|[^?])#.+")


def _code_text(src: SourceFile) -> str:
    """The file with string/charlist contents blanked, sigil contents removed and comments dropped."""
    cached = getattr(src, "_consistency_code_text", None)
    if cached is None:
        cached = _masked_text(src, "")
        if "#" in cached:
            cached = _COMMENT_TAIL.sub(r"\1", cached)
        src._consistency_code_text = cached  # type: ignore[attr-defined]
    return cached


# Raw text that a `with_space` line needs somewhere (masking literals never creates it).
_WITH_SPACE_HINT = re.compile(r"[(\[{][^\S\n]+\S|\s[)\]}]\]")


def _with_space_lines(src: SourceFile) -> int:
    """How many code lines have a space just inside a bracket (Credo's `with_space`)."""
    if not _WITH_SPACE_HINT.search(src.text):
        return 0
    return sum(1 for line in _code_lines(src) if _SIP_WITH_SPACE.search(line))


def _code_lines(src: SourceFile) -> list[str]:
    """`_code_text` split into lines."""
    return _code_text(src).split("\n")


@register
class SpaceInParentheses(_ConsistencyCheck):
    """Spaces just inside brackets (`( x )`, `[ 1 ]`, `{ :ok }`) or none, the same everywhere.

    Credo counts code lines (strings, sigils and comments removed) that have an opening bracket
    followed by spaces, or spaces before a closing one, as `with_space`, and lines with a
    bracket touching its content as `without_space`; lines of the minority kind are reported
    with the matched text as the trigger. `allow_empty_enums: true` lets `[]` and `%{}` pass
    when spaces are the rule.
    """

    name = "Credo.Check.Consistency.SpaceInParentheses"
    default_params = {"allow_empty_enums": False}
    summary = "Use the same spacing inside parentheses and brackets everywhere."

    def run_project(self, contexts: list[CheckContext]) -> Iterator[Issue]:
        # Issues need lines of both kinds somewhere. Lines with spaces inside brackets are rare and
        # cheap to rule out, so the costly count of the other kind is only made when there are some.
        if self.forced_style(contexts[0].params if contexts else None) is None and not any(
            _with_space_lines(ctx.src) for ctx in contexts
        ):
            return
        yield from super().run_project(contexts)

    def collect(self, ctx: CheckContext) -> _FileStyles:
        text = _code_text(ctx.src)
        # one match per line that has one (the lazy prefix runs from the line start)
        counts = Counter({kind: len(regex.findall(text)) for kind, regex in _SIP_LINE_COUNTERS.items()})
        return _FileStyles(ctx, counts)

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterator[Issue]:
        if expected == "with_space":
            allow = found.ctx.params.get("allow_empty_enums") is True
            actual = "without_space_allow_empty_enums" if allow else "without_space"
            message = "Most code puts spaces inside parentheses and brackets; this line does not."
        else:
            actual = "with_space"
            message = "Most code has no spaces inside parentheses and brackets; this line does."
        regex = _SIP_REGEXES[actual]
        for line_no, line in enumerate(_code_lines(found.ctx.src), 1):
            match = regex.search(line)
            if match is None:
                continue
            trigger = match.group(1)
            if expected == "without_space" and trigger == ", ]":
                continue
            yield found.ctx.issue(message, line_no, trigger=trigger)


# --- SpaceAroundOperators -----------------------------------------------------------------------------

# Token kinds Credo looks at: comparison, relational, +/-, * and /, concatenation, and/or, `=`,
# `<-` and `\\`, `|` and `->`. `|>` and the other arrows, `..`, `//`, `::`, `**`, `when` and
# `in` are left alone.
_SAO_OPERATORS = frozenset({
    "==", "!=", "=~", "===", "!==", "<", ">", "<=", ">=", "+", "-", "*", "/", "++", "--", "+++", "---",
    "<>", "&&", "&&&", "and", "||", "|||", "or", "=", "<-", "\\\\", "|", "->",
})
_SAO_OPERATOR_BYTES = frozenset(op.encode() for op in _SAO_OPERATORS)


_WORD_OPERATORS = frozenset({"and", "or", "not", "in", "when"})
_KEYWORD_TOKENS = frozenset({"end", "do", "fn", "true", "false", "nil", "after", "else", "catch", "rescue"})
_OPERATOR_CHARS = frozenset("=<>!~+-*/|&^\\.:")
_BITSTRING_OPEN = re.compile(rb"(?<![<:?&.])<<(?![<~])")
_SPEC_OR_TYPE = re.compile(rb"@\s*(spec|type)\b")
_CAPTURE_HEAD = re.compile(r"[\s\w.:@!?()]*")
_CALL_IN_CAPTURE = re.compile(r"(\w+[!?]?)\(")
_NUMBER_WITH_SIGN = re.compile(r"(\A\s+|@[a-zA-Z0-9_]+\.?|[|\\{\[(,:><=+\-*/])\s*$")
_NUMBER_IN_RANGE = re.compile(r"^\d+\.\.")
_ARROW_IN_TYPESPEC = re.compile(r"\(\s*$")
_NUMBER_IN_CAPTURE = re.compile(r"[.&][a-z0-9_]+[!?]?$")
_BINARY_TYPES = "(integer|native|signed|unsigned|binary|size|little|float)"
_TYPED_AFTER = re.compile(rf"^\s*{_BINARY_TYPES}")
_TYPED_BEFORE = re.compile(rf"{_BINARY_TYPES}\s*$")
_TRAILING_WORD = re.compile(r"[\w]+[?!]?$")
_TRAILING_OPERATOR = re.compile(r"[=<>!~+\-*/|&^\\.:]+$")


@dataclass(frozen=True)
class _OperatorSite:
    """One operator occurrence with what Credo's token rules need about its neighbours."""

    node: Node
    op: str
    line_no: int
    column: int  # 1-based character column
    line: str
    before: str  # line text before the operator
    after: str  # line text after the operator
    with_space: bool
    without_space: bool


def _prev_kind(before: str) -> str:
    """Kind of the token that ends a line prefix: identifier, number, alias, string, atom, an operator..."""
    text = before.rstrip()
    if not text:
        return "eol"
    last = text[-1]
    if last in "\"'":
        return "string"
    if last in "([{,":
        return last
    if last in ")]}":
        return "close"
    word = _TRAILING_WORD.search(text)
    if word:
        w = word.group(0)
        prefix = text[: word.start()]
        if prefix.endswith(":") and not prefix.endswith("::"):
            return "atom"
        if w[0].isdigit():
            return "number"
        if w[0].isupper():
            return "alias"
        if w in _WORD_OPERATORS:
            return "operator"
        if w in _KEYWORD_TOKENS:
            return "keyword"
        return "identifier"
    if last == ":" and not text.endswith("::") and text[-2:-1].isalnum():
        return "atom"  # a keyword key (`do:`), which Credo also measures one character short
    op = _TRAILING_OPERATOR.search(text)
    if op:
        return "op:" + op.group(0)
    return "other"


def _next_kind(after: str) -> str:
    text = after.lstrip(" \t")
    if not text or text.startswith("#") or text == "\r":
        return "eol"
    first = text[0]
    if first.isdigit():
        return "number"
    if first.isalpha() or first == "_":
        return "alias" if first.isupper() else "identifier"
    return "other"


def _usually_no_space_before(prev: str, op: str) -> bool:
    if op != "-":
        return False
    return prev not in ("identifier", "number") or prev == "op:^"


def _usually_no_space_after(prev: str, op: str, nxt: str) -> bool:
    if op != "-":
        return False
    if prev in ("(", ",") and nxt in ("identifier", "number"):
        return True
    return prev in ("op:^", "op:=", "op:..")


def _capture_skipped(src: SourceFile, node: Node) -> bool:
    """`/` of `&name/2`, `&Mod.fun/2`, `&unquote(f)/1`: Credo drops these tokens before it looks."""
    parent = node.parent
    if parent is None or parent.type != "unary_operator" or operator(src, parent) != "&":
        return False
    op_node = node.child_by_field_name("operator")
    amp = parent.child_by_field_name("operator")
    if op_node is None or amp is None:
        return False
    between = src.data[amp.end_byte : op_node.start_byte].decode("utf-8", "replace")
    if between.strip() and all(ch in _OPERATOR_CHARS for ch in between.strip().rsplit(".", 1)[-1]):
        return True  # `&>=/2`, `&Kernel.+/2`: the operator is read as a function name
    if not _CAPTURE_HEAD.fullmatch(between):
        return False
    return all(m.group(1) == "unquote" for m in _CALL_IN_CAPTURE.finditer(between))


class _OperatorScan:
    """The operator occurrences of one file that Credo's token walk would look at.

    `counts` holds each occurrence's with/without-space verdicts; the details needed to report
    an occurrence (`site`) are only worked out for the ones that are reported.
    """

    def __init__(self, src: SourceFile) -> None:
        self.src = src
        self.entries: list[tuple[Node, Node, bool, bool]] = []
        data = src.data
        spans = _literal_spans(src)
        starts = [s for s, _, _ in spans]
        hidden = sorted([(s, e) for s, e, _ in spans] + [(c.start_byte, c.end_byte) for c in src.by_type("comment")])
        hidden_starts = [s for s, _ in hidden]
        skipped = self._spec_lines(src, hidden, hidden_starts)
        cutoff = self._bitstring_cutoff(src, hidden, hidden_starts, skipped)
        for node, op_node in self._operator_nodes(cutoff):
            start, end = op_node.start_byte, op_node.end_byte
            if starts and _inside_literal(spans, starts, start):
                continue  # inside a string's interpolation: Credo's tokens nest it away
            row = op_node.start_point[0]
            if row in skipped and start >= skipped[row]:
                continue
            if data[start - 1 : start] in (b" ", b"\t") and data[end : end + 1] in (b" ", b"\t"):
                line_start = data.rfind(b"\n", 0, start) + 1
                if data[line_start:start].strip():
                    self.entries.append((node, op_node, True, False))
                    continue
            site = self.site(node, op_node)
            if site.with_space or site.without_space:
                self.entries.append((node, op_node, site.with_space, site.without_space))

    @staticmethod
    def _hidden(hidden: list[tuple[int, int]], hidden_starts: list[int], byte: int) -> bool:
        i = bisect.bisect_right(hidden_starts, byte) - 1
        return i >= 0 and hidden[i][0] <= byte < hidden[i][1]

    def _spec_lines(self, src: SourceFile, hidden: list[tuple[int, int]], hidden_starts: list[int]) -> dict[int, int]:
        """0-based row -> byte offset from which a `@spec`/`@type` line is skipped."""
        out: dict[int, int] = {}
        data = src.data
        if b"@" not in data:
            return out
        row, last = 0, 0
        for m in _SPEC_OR_TYPE.finditer(data):
            row += data.count(b"\n", last, m.start())
            last = m.start()
            if not self._hidden(hidden, hidden_starts, m.start()):
                out.setdefault(row, m.start())
        return out

    def _bitstring_cutoff(self, src: SourceFile, hidden: list[tuple[int, int]], hidden_starts: list[int],
                          skipped: dict[int, int]) -> int | None:
        """Byte offset of the first `<<` Credo's walk meets: it stops looking there (it never finds the `>>`)."""
        data = src.data
        if b"<<" not in data:
            return None
        for m in _BITSTRING_OPEN.finditer(data):
            pos = m.start()
            if self._hidden(hidden, hidden_starts, pos):
                continue
            row = data.count(b"\n", 0, pos)
            if row in skipped and pos >= skipped[row]:
                continue
            return pos
        return None

    def _operator_nodes(self, cutoff: int | None) -> Iterator[tuple[Node, Node]]:
        """(operator's parent node, operator token) of the operators Credo's token walk compares."""
        src = self.src
        data = src.data
        limit = cutoff if cutoff is not None else len(data) + 1
        for node in src.by_type("binary_operator"):
            if node.start_byte >= limit:
                break
            op_node: Node | None = node.child(1)
            if op_node is None or op_node.is_named:
                op_node = node.child_by_field_name("operator")
                if op_node is None:
                    continue
            if op_node.start_byte >= limit:
                continue
            op = data[op_node.start_byte : op_node.end_byte]
            if op not in _SAO_OPERATOR_BYTES or (op == b"/" and _capture_skipped(src, node)):
                continue
            yield node, op_node
        for node in src.by_type("unary_operator"):
            if node.start_byte >= limit:
                break
            if data[node.start_byte : node.start_byte + 1] in (b"-", b"+"):
                op_node = node.child(0)
                if op_node is not None:
                    yield node, op_node
        for clause in src.by_type("stab_clause"):
            if clause.start_byte >= limit:
                break
            for child in clause.children:
                if child.type == "->":
                    if child.start_byte < limit:
                        yield clause, child
                    break

    def site(self, node: Node, op_node: Node) -> _OperatorSite:
        """An occurrence with its line text and Credo's verdicts."""
        src = self.src
        op = src.node_text(op_node)
        line_no = op_node.start_point[0] + 1
        line = src.line(line_no)
        column = src.char_column(line_no, op_node.start_point[1])
        before = line[: column - 1]
        after = line[column - 1 + len(op) :]
        prev = _prev_kind(before)
        nxt = _next_kind(after)
        if prev == "eol":
            adj_before = space_before = False
        else:
            space_before = before[-1:] in (" ", "\t")
            adj_before = not space_before
            if adj_before and prev in ("string", "atom"):
                # Credo measures these tokens one character short, so they never touch the operator
                adj_before, space_before = False, True
        if after == "" or after == "\r":
            adj_after, space_after = True, False
        else:
            space_after = after[0] in (" ", "\t")
            adj_after = not space_after
        with_space = space_before or space_after
        without_space = (not _usually_no_space_before(prev, op) and adj_before) or (
            not _usually_no_space_after(prev, op, nxt) and adj_after and nxt != "eol"
        )
        return _OperatorSite(node, op, line_no, column, line, before, after, with_space, without_space)


def _operator_scan(src: SourceFile) -> _OperatorScan:
    cached = getattr(src, "_consistency_operator_scan", None)
    if cached is None:
        cached = _OperatorScan(src)
        src._consistency_operator_scan = cached  # type: ignore[attr-defined]
    return cached


def _minus_in_binary_size(line: str, before: str, after: str) -> bool:
    hits = [
        "<<" in before,
        ">>" in after,
        "::" in before,
        bool(_TYPED_AFTER.search(after)),
        bool(_TYPED_BEFORE.search(before)),
    ]
    return sum(hits) >= 2


def _parameter_in_function_call(src: SourceFile, site: _OperatorSite) -> bool:
    """Credo's check whether the token before a sign is a call (`foo -1`, `assert -1 == x`, `a == -1`)."""
    prev = _prev_kind(site.before)
    if prev.startswith("op:") or prev in ("operator", "alias"):
        return True
    if prev == "identifier":
        parent = site.node.parent
        return site.node.type == "unary_operator" and parent is not None and parent.type == "arguments"
    return False


def _create_issue(src: SourceFile, site: _OperatorSite) -> bool:
    """Credo's exceptions for signs, typespec arrows, capture arities and binary units."""
    op, before = site.op, site.before
    if site.column == 1:
        before = site.line  # Credo's slice `0..-1` takes the whole line here
    if op in ("+", "-"):
        if _NUMBER_WITH_SIGN.search(before) or _NUMBER_IN_RANGE.search(site.after):
            return False
        if op == "-" and _minus_in_binary_size(site.line, before, site.after):
            return False
        return not _parameter_in_function_call(src, site)
    if op == "->":
        return not _ARROW_IN_TYPESPEC.search(before)
    if op == "/":
        return not _NUMBER_IN_CAPTURE.search(before)
    if op == "*":
        return "_::_*" not in site.line
    return True


@register
class SpaceAroundOperators(_ConsistencyCheck):
    """Binary operators surrounded by spaces (`a + b`) or not (`a+b`), the same everywhere.

    Each operator counts as `with_space` when a space touches it on either side and as
    `without_space` when it touches a neighbour (signs such as `-1` and `x..-1` excepted).
    Like Credo, `@spec`/`@type` lines, captures like `&fun/2` and everything after the first
    `<<` of a file are left out, and signs, typespec arrows and binary units are not reported.
    """

    name = "Credo.Check.Consistency.SpaceAroundOperators"
    default_params = {"ignore": ["|"]}
    summary = "Use the same spacing around operators everywhere."

    def collect(self, ctx: CheckContext) -> _FileStyles:
        counts: Counter[str] = Counter()
        for _, _, with_space, without_space in _operator_scan(ctx.src).entries:
            counts["with_space"] += with_space
            counts["without_space"] += without_space
        return _FileStyles(ctx, counts)

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterator[Issue]:
        src = found.ctx.src
        ignored = {str(i).lstrip(":") for i in (found.ctx.params.get("ignore") or [])}
        if expected == "with_space":
            message = "Most operators have spaces around them; this one does not."
        else:
            message = "Most operators have no spaces around them; this one does."
        scan = _operator_scan(src)
        for node, op_node, with_space, without_space in scan.entries:
            if not (without_space if expected == "with_space" else with_space):
                continue
            site = scan.site(node, op_node)
            if site.op in ignored or not _create_issue(src, site):
                continue
            yield found.ctx.issue(message, site.line_no, trigger=site.op, column=site.column)


# --- ExceptionNames -----------------------------------------------------------------------------------

_PASCAL_WORD = re.compile(r"[A-Z][^A-Z]*")


def _module_body(src: SourceFile, defmodule: Node) -> list[Node]:
    block = do_block(defmodule)
    if block is not None:
        return [c for c in block.named_children if c.type != "comment"]
    args = call_args(defmodule)
    if len(args) > 1 and args[-1].type == "keywords":
        for key, value in keyword_pairs(src, args[-1]):
            if key == "do":
                return [value]
    return []


def _name_parts(name: str) -> tuple[str, str]:
    """First and last word of a module's last segment split at capitals (`HTTPError` -> `H`, `Error`)."""
    last = name.split(".")[-1]
    words = [w.strip() for w in _PASCAL_WORD.sub(lambda m: " " + m.group(0), last).split()]
    if not words:
        return last, last
    return words[0], words[-1]


@register
class ExceptionNames(_ConsistencyCheck):
    """Exception modules share one naming scheme: a common suffix (`...Error`) or prefix (`Invalid...`).

    Every module whose body calls `defexception` votes for its first and last PascalCase word;
    the most common prefix or suffix is the rule and the exceptions without it are reported.
    """

    name = "Credo.Check.Consistency.ExceptionNames"
    default_params = {}
    summary = "Name exception modules with a common prefix or suffix."

    def collect(self, ctx: CheckContext) -> _FileStyles:
        src = ctx.src
        found: list[tuple[Node, str, str, str]] = []
        for mod in calls_named(src, "defmodule"):
            args = call_args(mod)
            if not args or args[0].type != "alias":
                continue
            body = _module_body(src, mod)
            if not any(n.type == "call" and local_call_name(src, n) == "defexception" for n in body):
                continue
            name = src.node_text(args[0])
            prefix, suffix = _name_parts(name)
            found.append((mod, name, prefix, suffix))
        counts: Counter[Any] = Counter()
        for _, _, prefix, suffix in found:
            counts[("prefix", prefix)] += 1
            counts[("suffix", suffix)] += 1
        return _FileStyles(ctx, counts, found)

    def forced_style(self, params: Any) -> Any:
        return None

    def issues_for(self, expected: Any, found: _FileStyles) -> Iterator[Issue]:
        src = found.ctx.src
        kind, value = expected
        for mod, name, prefix, suffix in found.data:
            if (prefix if kind == "prefix" else suffix) == value:
                continue
            if kind == "prefix":
                message = f"Exception modules should be named consistently: most start with `{value}`, `{name}` does not."
            else:
                message = f"Exception modules should be named consistently: most end in `{value}`, `{name}` does not."
            yield found.ctx.issue(message, src.line_of(mod), trigger=name)
