"""Erlang sources in `deps/` (rebar3 packages such as cowboy, ranch, jsx) as `ModuleApi` values.

Elixir calls an Erlang module as `:cowboy_req.reply(...)`: what it may call is the module's
`-export([...])` lists. A module compiled with `-compile(export_all)` exports every function it
defines, which this reader does not list: it is `open`, and calls to it stay unconstrained.
Exports inside `-ifdef(TEST)` blocks are kept: the index would rather allow a test-only function
than refuse a real one.

Comments (`%` to the end of the line) are dropped first, minding strings, quoted atoms and
character literals (`$%`), so an export list written across lines with comments reads whole.
"""

from __future__ import annotations

import re

from .api_model import ApiFunction, ModuleApi

# An atom as Erlang writes it: bare (`cowboy_req`) or quoted (`'Elixir.Foo'`, `'and'`).
_ATOM = r"(?:[a-z][A-Za-z0-9_@]*|'(?:[^'\\]|\\.)*')"
_MODULE = re.compile(rf"^-module\s*\(\s*({_ATOM})\s*\)\s*\.", re.M)
_EXPORT = re.compile(r"^-export\s*\(\s*\[(.*?)\]\s*\)\s*\.", re.M | re.S)
_COMPILE = re.compile(r"^-compile\s*\((.*?)\)\s*\.", re.M | re.S)
_EXPORT_ALL = re.compile(r"\bexport_all\b")  # not `nowarn_export_all`: `_` is a word character
_NAME_ARITY = re.compile(rf"({_ATOM})\s*/\s*(\d+)")


def strip_comments(text: str) -> str:
    """`text` without `%` comments (outside strings, quoted atoms and `$c` character literals)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "%":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "$" and i + 1 < n:  # a character literal: `$%`, `$"`, `$\n`
            width = 3 if text[i + 1] == "\\" and i + 2 < n else 2
            out.append(text[i:i + width])
            i += width
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _atom_name(atom: str) -> str:
    if atom.startswith("'") and atom.endswith("'") and len(atom) >= 2:
        return re.sub(r"\\(.)", r"\1", atom[1:-1])
    return atom


def erlang_module(text: str) -> ModuleApi | None:
    """The module an `.erl` source defines, with its exported functions; None without `-module`.

    Args:
        text: the source.
    """
    code = strip_comments(text)
    match = _MODULE.search(code)
    if match is None:
        return None
    functions: dict[tuple[str, int], ApiFunction] = {}
    for export in _EXPORT.finditer(code):
        for name, arity in _NAME_ARITY.findall(export.group(1)):
            key = (_atom_name(name), int(arity))
            functions.setdefault(key, ApiFunction(key[0], key[1]))
    export_all = any(_EXPORT_ALL.search(options.group(1)) for options in _COMPILE.finditer(code))
    return ModuleApi(":" + _atom_name(match.group(1)), tuple(functions.values()), None, export_all, "deps")

