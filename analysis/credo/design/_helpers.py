"""Helpers shared by several Design checks."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args
from ...checks import CheckContext, CredoCheck
from ...issues import Issue
from ...source import SourceFile

# Credo reads tags from these attributes only (not `@typedoc`), and only when the value is a
# plain string: an interpolated string or a sigil (`~S"""`) is not a binary in the AST.
DOC_ATTRIBUTES = frozenset({"doc", "moduledoc", "shortdoc"})


def doc_strings(src: SourceFile) -> Iterator[tuple[Node, str]]:
    """(attribute node, string content) of every `@doc`/`@moduledoc`/`@shortdoc "..."`."""
    data = src.data
    for node in src.by_type("unary_operator"):
        if data[node.start_byte : node.start_byte + 1] != b"@":
            continue
        operand = node.child_by_field_name("operand")
        if operand is None or operand.type != "call":
            continue
        target = operand.child_by_field_name("target")
        if target is None or data[target.start_byte : target.end_byte].decode() not in DOC_ATTRIBUTES:
            continue
        args = call_args(operand)
        if len(args) != 1 or args[0].type != "string":
            continue
        string = args[0]
        parts = [c for c in string.named_children]
        if any(c.type == "interpolation" for c in parts):
            continue
        content = "".join(src.node_text(c) for c in parts if c.type in ("quoted_content", "escape_sequence"))
        closing = string.children[-1]
        if closing.type == '"""':
            # a heredoc's value starts on the line after `"""` and loses the closing line's indentation
            indent = closing.start_point[1]
            lines = content.removeprefix("\n").split("\n")
            content = "\n".join(line[indent:] if line[:indent].isspace() else line.lstrip(" \t")
                                for line in lines[:-1]) + "\n"
        yield node, content


class TagCheck(CredoCheck):
    """Shared rule: a tag such as TODO at the start of a comment, or (with include_doc) of a doc string."""

    tag: str
    category = "design"
    default_params = {"include_doc": True}

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        found: list[tuple[int, str]] = []
        if ctx.params.get("include_doc") and re.search(rf"@(doc|moduledoc|shortdoc)\s+\"+\s*{self.tag}", src.text, re.I):
            doc_re = re.compile(rf"\A\s*{self.tag}:?\s*.+", re.I)
            for node, content in doc_strings(src):
                if doc_re.match(content):
                    found.append((src.line_of(node), content.rstrip()))
        comment_re = re.compile(rf"(\A|[^?])#\s*{self.tag}:?\s*.+", re.I)
        comments = src.by_type("comment")
        starts = [c.start_byte for c in comments]
        seen: set[int] = set()
        for m in re.finditer(rf"#[^\S\n]*{self.tag}".encode(), src.data, re.I):
            i = bisect.bisect_right(starts, m.start()) - 1
            if i < 0 or i in seen or not comments[i].start_byte <= m.start() < comments[i].end_byte:
                continue
            seen.add(i)
            text = src.node_text(comments[i]).rstrip("\r")
            if comment_re.search(text):
                found.append((src.line_of(comments[i]), text))
        found.sort()
        for line_no, trigger in found:
            issue = ctx.issue(f"Found a {self.tag} tag: {trigger.strip()}", line_no, trigger=trigger)
            # Credo reports these tags without a column
            yield dataclasses.replace(issue, column=None, column_end=None)
