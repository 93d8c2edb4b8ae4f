"""Where templates hand values to `raw/1`: EEx and HEEx files and `~H` sigils, scanned like Sobelow.

Sobelow compiles each template and walks it for `raw(...)` calls and pipes ending in `raw`,
recording the variables (`@assign`s and plain variables) that reach them. Here each embedded
expression (`<%= ... %>`, `<% ... %>`, and HEEx's `{...}`) is parsed as Elixir with the same
parser the analyzer uses, so nested calls (`raw(markdown(@post.body))`) and pipes
(`@body |> render() |> raw()`) are followed the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from ..ast import call_args, local_call_name
from ..brackets import closing_bracket
from ..file_reading import read_regular_file
from ..source import MAX_PARSE_BYTES, SourceFile
from .skips import is_ignored_file

# Files Sobelow treats as templates (under the web/lib root).
TEMPLATE_SUFFIXES = (".eex", ".heex", ".leex")
_EEX_TAG = re.compile(r"<%(?!%)(?:=|/|\||)(.*?)%>", re.S)


@dataclass(frozen=True)
class RawUse:
    """One variable given to `raw` in a template: its 1-based line and name (`@title`, `body`)."""

    line: int
    variable: str


def _heex_expressions(text: str) -> Iterator[tuple[int, str]]:
    """(offset, code) of HEEx `{...}` expressions outside EEx tags (balanced braces, strings skipped)."""
    masked = _EEX_TAG.sub(lambda m: " " * len(m.group(0)), text)
    i = 0
    while i < len(masked):
        if masked[i] == "{":
            close = closing_bracket(masked, i, "{", "}")
            if close != -1:
                yield i + 1, text[i + 1 : close]
                i = close + 1
                continue
        i += 1


def expressions(text: str, heex: bool) -> Iterator[tuple[int, str]]:
    """(offset in text, Elixir code) of every embedded expression of a template."""
    for m in _EEX_TAG.finditer(text):
        yield m.start(1), m.group(1)
    if heex:
        yield from _heex_expressions(text)


def _variables(src: SourceFile, node: Node) -> list[str]:
    """`@assign`s and variables inside an expression, in order, each once (call names are not variables)."""
    found: list[str] = []
    for n in src.walk(node):
        name = None
        if n.type == "unary_operator" and src.node_text(n).startswith("@"):
            operand = n.named_children[-1] if n.named_children else None
            if operand is not None and operand.type == "identifier":
                name = "@" + src.node_text(operand)
        elif n.type == "identifier":
            parent = n.parent
            is_target = parent is not None and parent.type == "call" and parent.child_by_field_name("target") == n
            is_field = parent is not None and parent.type == "dot" and parent.child_by_field_name("right") == n
            in_attr = parent is not None and parent.type == "unary_operator" and src.node_text(parent).startswith("@")
            if not (is_target or is_field or in_attr):
                name = src.node_text(n)
        if name and name not in found:
            found.append(name)
    return found


def _raw_arguments(src: SourceFile) -> Iterator[Node]:
    """The value handed to each `raw`: the argument of `raw(x)`, or the left side of `x |> raw()`."""
    for call in src.calls:
        if local_call_name(src, call) != "raw":
            continue
        parent = call.parent
        if parent is not None and parent.type == "binary_operator" and parent.child_by_field_name("right") == call:
            op = parent.child_by_field_name("operator")
            if op is not None and src.node_text(op) == "|>":
                left = parent.child_by_field_name("left")
                if left is not None:
                    yield left
                continue
        args = call_args(call)
        if args:
            yield args[0]


def template_raw_uses(path: Path) -> list[RawUse] | None:
    """`raw_uses` of a template file, remembered while its size and modification time stay the same
    (a project analysis rescans templates on every run); None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _TEMPLATE_CACHE:
        try:
            text = read_regular_file(path, MAX_PARSE_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if len(_TEMPLATE_CACHE) > 4096:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[key] = raw_uses(text, heex=path.name.endswith((".heex", ".leex")))
    return _TEMPLATE_CACHE[key]


_TEMPLATE_CACHE: dict[tuple[str, int, int], list[RawUse]] = {}


def raw_uses(text: str, heex: bool, line_offset: int = 0) -> list[RawUse]:
    """Every (line, variable) reaching `raw` in a template's text."""
    out: list[RawUse] = []
    for offset, code in expressions(text, heex):
        if "raw" not in code:
            continue
        # keep the expression on its own lines so reported lines match the template's
        prefix_lines = text.count("\n", 0, offset)
        src = SourceFile("template.ex", code)
        for arg in _raw_arguments(src):
            line = prefix_lines + src.line_of(arg) + line_offset
            out.extend(RawUse(line, var) for var in _variables(src, arg))
    return sorted(set(out), key=lambda u: (u.line, u.variable))


def template_files(lib_root: Path, ignored: set[Path] | None = None) -> list[Path]:
    """EEx/HEEx templates under the root Sobelow scans, sorted."""
    if not lib_root.is_dir():
        return []
    # the name first: a stat per template, not per file of the folder
    out = [p for p in lib_root.rglob("*") if p.name.endswith(TEMPLATE_SUFFIXES) and p.is_file()]
    return sorted(p for p in out if not is_ignored_file(p, ignored or set()))


def sigil_raw_uses(src: SourceFile) -> list[RawUse]:
    """`raw` inside `~H` sigils of an Elixir file (LiveView components and views); kept on the SourceFile."""
    cached = getattr(src, "_sigil_raw_uses", None)
    if cached is None:
        cached = src._sigil_raw_uses = _sigil_raw_uses(src)  # type: ignore[attr-defined]
    return cached


def _sigil_raw_uses(src: SourceFile) -> list[RawUse]:
    out: list[RawUse] = []
    for sigil in src.by_type("sigil"):
        name = next((c for c in sigil.children if c.type == "sigil_name"), None)
        if name is None or src.node_text(name) != "H":
            continue
        content = next((c for c in sigil.children if c.type == "quoted_content"), None)
        if content is None:
            continue
        out.extend(raw_uses(src.node_text(content), heex=True, line_offset=content.start_point[0]))
    return out
