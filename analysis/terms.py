"""Read Elixir literal terms (maps, keyword lists, atoms, strings, regex sigils) into Python values.

`.credo.exs` and `.sobelow-conf` are Elixir files holding one literal term; we read them
without evaluating code. Anything that is not a literal (a function call, a variable) comes
back as an `Opaque` holding its source text, so callers can ignore or report it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from .source import SourceFile


@dataclass(frozen=True)
class Atom:
    """An Elixir atom such as `:strict` (stored without the colon)."""

    name: str

    def __str__(self) -> str:
        return f":{self.name}"


@dataclass(frozen=True)
class Opaque:
    """A non-literal expression, kept as source text."""

    source: str


@dataclass(frozen=True)
class Regex:
    """A `~r/.../flags` sigil, compiled lazily to a Python pattern."""

    pattern: str
    flags: str = ""

    def compile(self) -> re.Pattern[str]:
        """The equivalent Python regex (i, m, s, x flags carried over)."""
        flag_bits = 0
        for ch, bit in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
            if ch in self.flags:
                flag_bits |= bit
        return re.compile(self.pattern, flag_bits)


class TermError(ValueError):
    """The file does not hold a readable Elixir term."""


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0", "e": "\x1b", "s": " "}


def parse_term_file(text: str, filename: str = "config.exs") -> Any:
    """Parse the last top-level expression of an Elixir file as a literal term."""
    src = SourceFile(filename, text)
    root = src.root
    if root is None:
        raise TermError(f"{filename}: file too large")
    exprs = [c for c in root.named_children if c.type != "comment"]
    if not exprs:
        raise TermError(f"{filename}: no term found")
    problems = src.syntax_problems()
    if problems:
        p = problems[0]
        raise TermError(f"{filename}:{p.line}:{p.column}: {p.message}")
    return to_python(src, exprs[-1])


def to_python(src: SourceFile, node: Node) -> Any:
    """Convert one literal node to Python: maps -> dict, keyword lists -> list of (key, value)."""
    t = node.type
    if t == "map":
        return _map(src, node)
    if t == "list":
        return _list(src, node)
    if t == "tuple":
        return tuple(to_python(src, c) for c in node.named_children if c.type != "comment")
    if t == "keywords":
        return [(Atom(k), to_python(src, v)) for k, v in _pairs(src, node)]
    if t == "atom":
        return Atom(src.node_text(node)[1:])
    if t == "quoted_atom":
        return Atom(_string_content(src, node))
    if t == "boolean":
        return src.node_text(node) == "true"
    if t == "nil":
        return None
    if t == "integer":
        text = src.node_text(node).replace("_", "")
        return int(text, 0) if text[:2] in ("0x", "0o", "0b") else int(text)
    if t == "float":
        return float(src.node_text(node).replace("_", ""))
    if t in ("string", "charlist"):
        return _string_content(src, node)
    if t == "sigil":
        return _sigil(src, node)
    if t == "alias":
        return Atom("Elixir." + src.node_text(node))
    if t == "block" and node.named_child_count == 1:
        return to_python(src, node.named_children[0])
    if t == "unary_operator" and src.node_text(node).startswith("-"):
        value = to_python(src, node.named_children[-1])
        if isinstance(value, int | float):
            return -value
    return Opaque(src.node_text(node))


def _pairs(src: SourceFile, keywords: Node) -> list[tuple[str, Node]]:
    out = []
    for pair in keywords.named_children:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        value = pair.child_by_field_name("value")
        if key is None or value is None:
            continue
        key_text = src.node_text(key).strip()
        if key_text.startswith('"'):
            key_text = _string_content(src, key)
        else:
            key_text = key_text.rstrip(":").strip()
        out.append((key_text, value))
    return out


def _map(src: SourceFile, node: Node) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for content in node.named_children:
        if content.type != "map_content":
            continue
        for item in content.named_children:
            if item.type == "keywords":
                for key, value in _pairs(src, item):
                    result[Atom(key)] = to_python(src, value)
            elif item.type == "binary_operator":  # "key" => value
                left = item.child_by_field_name("left")
                right = item.child_by_field_name("right")
                if left is not None and right is not None:
                    result[_hashable(to_python(src, left))] = to_python(src, right)
    return result


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(value.items())
    return value


def _list(src: SourceFile, node: Node) -> list[Any]:
    out: list[Any] = []
    for child in node.named_children:
        if child.type == "comment":
            continue
        if child.type == "keywords":
            out.extend((Atom(k), to_python(src, v)) for k, v in _pairs(src, child))
        else:
            out.append(to_python(src, child))
    return out


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def _string_content(src: SourceFile, node: Node) -> str:
    parts = []
    for child in node.named_children:
        if child.type == "quoted_content":
            parts.append(_unescape(src.node_text(child)))
        elif child.type == "escape_sequence":
            parts.append(_unescape(src.node_text(child)))
        elif child.type == "interpolation":
            parts.append(src.node_text(child))
    return "".join(parts)


def _sigil(src: SourceFile, node: Node) -> Any:
    name = flags = ""
    for child in node.named_children:
        if child.type == "sigil_name":
            name = src.node_text(child)
        elif child.type == "sigil_modifiers":
            flags = src.node_text(child)
    raw = "".join(src.node_text(c) for c in node.named_children if c.type in ("quoted_content", "escape_sequence"))
    if name == "r":
        return Regex(raw, flags)
    if name in ("w", "W"):
        words = raw.split()
        if "a" in flags:
            return [Atom(w) for w in words]
        return words
    return _unescape(raw) if name.islower() else raw


def keyword_get(keywords: Any, key: str, default: Any = None) -> Any:
    """Value for `key` in a keyword list (list of (Atom, value)) or an atom-keyed dict."""
    if isinstance(keywords, dict):
        return keywords.get(Atom(key), default)
    if isinstance(keywords, list):
        for item in keywords:
            if isinstance(item, tuple) and len(item) == 2 and item[0] == Atom(key):
                return item[1]
    return default


def to_plain(value: Any) -> Any:
    """Convert terms to plain Python: atoms to strings, keyword lists to dicts, regexes kept."""
    if isinstance(value, Atom):
        return value.name
    if isinstance(value, list):
        if value and all(isinstance(i, tuple) and len(i) == 2 and isinstance(i[0], Atom) for i in value):
            return {k.name: to_plain(v) for k, v in value}
        return [to_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, dict):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    return value
