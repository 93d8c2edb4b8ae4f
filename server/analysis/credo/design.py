"""Credo's Design checks: TODO/FIXME tags and nested module names that should be aliased."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from tree_sitter import Node

from ..ast import ancestors, calls_named, local_call_name, operator, remote_call
from ..checks import CheckContext, CredoCheck, register
from ..issues import Issue
from ..source import SourceFile

_DOC_ATTRIBUTES = ("@doc", "@moduledoc", "@shortdoc", "@typedoc")


def _tag_in_comment(tag: str) -> re.Pattern[str]:
    # `#` then the tag, not preceded by `?` (a `?#` character literal is not a comment)
    return re.compile(rf"(\A|[^?])#\s*{tag}:?\s*", re.I)


def _tag_in_doc(tag: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{tag}:?\s*", re.I | re.M)


def _doc_strings(src: SourceFile) -> Iterator[Node]:
    for node in src.by_type("unary_operator"):
        if operator(src, node) == "@" and src.node_text(node).startswith(_DOC_ATTRIBUTES):
            yield from src.nodes_of_type("string", "sigil", node=node)


class _TagCheck(CredoCheck):
    """Shared rule: a tag such as TODO in a comment (and, with include_doc, in documentation)."""

    tag: str
    category = "design"
    default_params = {"include_doc": True}

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        if self.tag.lower() not in src.text.lower():
            return
        comment_re = _tag_in_comment(self.tag)
        for node in src.by_type("comment"):
            text = src.node_text(node)
            if comment_re.search(text):
                yield ctx.issue(f"Found a {self.tag} tag in a comment: {text.strip()}", src.line_of(node),
                                trigger=self.tag)
        if ctx.params.get("include_doc"):
            doc_re = _tag_in_doc(self.tag)
            for doc in _doc_strings(src):
                text = src.node_text(doc)
                for match in doc_re.finditer(text):
                    line = src.line_of(doc) + text.count("\n", 0, match.start())
                    if match.start() > 0 and text[match.start() - 1] != "\n" and line == src.line_of(doc):
                        continue
                    yield ctx.issue(f"Found a {self.tag} tag in documentation.", line, trigger=self.tag)


@register
class TagTODO(_TagCheck):
    """TODO tags in comments and documentation."""

    name = "Credo.Check.Design.TagTODO"
    base_priority = "normal"
    summary = "TODO tags should become issues in the tracker."
    tag = "TODO"


@register
class TagFIXME(_TagCheck):
    """FIXME tags in comments and documentation."""

    name = "Credo.Check.Design.TagFIXME"
    base_priority = "high"
    summary = "FIXME tags mark known bugs that should be fixed."
    tag = "FIXME"


_EXCLUDED_LASTNAMES = frozenset(
    "Access Agent Application Atom Base Behaviour Bitwise Code Date DateTime Dict Enum Exception File Float "
    "GenEvent GenServer HashDict HashSet Integer IO Kernel Keyword List Macro Map MapSet Module NaiveDateTime "
    "Node OptionParser Path Port Process Protocol Range Record Regex Registry Set Stream String StringIO "
    "Supervisor System Task Time Tuple URI Version".split()
)


_STDLIB_ROOTS = frozenset("Calendar Config Collectable Enumerable Inspect List.Chars Logger Mix ExUnit IEx EEx".split())


@register
class AliasUsage(CredoCheck):
    """Calls through fully nested module names (`Foo.Bar.baz()`) that an `alias` would shorten."""

    name = "Credo.Check.Design.AliasUsage"
    category = "design"
    base_priority = "normal"
    default_params = {
        "excluded_namespaces": ["File", "IO", "Inspect", "Kernel", "Macro", "Supervisor", "Task", "Version"],
        "excluded_lastnames": sorted(_EXCLUDED_LASTNAMES),
        "if_nested_deeper_than": 0,
        "if_called_more_often_than": 0,
        "if_referenced": False,
        "only": None,
    }
    summary = "Nested modules could be aliased at the top of the invoking module."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        excluded_ns = set(ctx.params.get("excluded_namespaces") or [])
        excluded_last = set(ctx.params.get("excluded_lastnames") or [])
        deeper = int(ctx.params.get("if_nested_deeper_than") or 0)
        more_often = int(ctx.params.get("if_called_more_often_than") or 0)
        candidates: list[tuple[str, Node]] = []
        for call in src.calls:
            rc = remote_call(src, call)
            if rc is None or "." not in rc[0] or not rc[0][:1].isupper():
                continue
            parts = rc[0].split(".")
            if parts[0] in excluded_ns or parts[-1] in excluded_last or len(parts) - 1 <= deeper:
                continue
            # Elixir's own namespaces (Calendar.ISO, String.Chars, Code.Fragment) read better in full.
            if parts[0] in _EXCLUDED_LASTNAMES or parts[0] in _STDLIB_ROOTS:
                continue
            if parts[0] in ("__MODULE__", "Elixir") or any(not p[:1].isupper() for p in parts):
                continue
            if _inside_quote_or_alias(src, call):
                continue
            candidates.append((rc[0], call))
        if not candidates:
            return
        aliased = _aliased_lastnames(src)
        counts = Counter(name for name, _ in candidates)
        lastnames = Counter(name.split(".")[-1] for name in counts)
        for name, call in candidates:
            last = name.split(".")[-1]
            # an alias would clash with another module of the same last name, or with one already aliased
            if lastnames[last] > 1 or aliased.get(last, name) != name or counts[name] <= more_often:
                continue
            yield ctx.issue(f"Nested modules could be aliased at the top of the invoking module: {name}",
                            src.line_of(call), trigger=name)


def _inside_quote_or_alias(src: SourceFile, node: Node) -> bool:
    for anc in ancestors(node):
        if anc.type == "call" and local_call_name(src, anc) in ("quote", "alias", "import", "require", "use"):
            return True
        if anc.type == "unary_operator" and operator(src, anc) == "@":
            return True
    return False


def _aliased_lastnames(src: SourceFile) -> dict[str, str]:
    out: dict[str, str] = {}
    for call in calls_named(src, "alias"):
        text = src.node_text(call)
        m = re.match(r"alias\s+([A-Z][\w.]*)(?:\s*,\s*as:\s*([A-Z]\w*))?", text)
        if m:
            out[m.group(2) or m.group(1).split(".")[-1]] = m.group(1)
    return out
