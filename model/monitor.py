"""The monitor of monitor-guided decoding: which identifier may come next, by what static analysis knows.

After `Module.` only that module's public functions may follow; inside `%Struct{` a key must be
one of the struct's fields; after `@` in a function body only an attribute the module defines
(or one Elixir reserves). `Monitor.check` reads the completion as it grows and reports the first
identifier that can no longer become a valid one (prefix consistency: `Enum.ma` is fine while
`map` exists, `Enum.mapp` is not). What exists comes from an `ApiView` the caller provides (the
language server's API index); a module it does not know answers None and stays unconstrained.

Identifiers inside strings, heredocs and comments are not checked. The monitor needs no model
and no tokenizer: model/guided.py turns its verdicts into decoding decisions.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Protocol

from .regions import unit_start

# How much of the prefix the monitor sees at most (in units of 4): the unit being written, enough
# for a struct literal opened a few lines up.
HEAD_CHARS = 1500

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[?!]?")
_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_?!")
# A module as written just before a `.`: an alias chain, `__MODULE__`, or an Erlang module atom.
_MODULE_BEFORE_DOT = re.compile(r"(?:(?<![\w.:])(?:__MODULE__|[A-Z]\w*)(?:\.[A-Z]\w*)*|(?<![\w:]):[a-z_]\w*)$")
_STRUCT_BEFORE_BRACE = re.compile(r"%((?:__MODULE__|[A-Z]\w*)(?:\.[A-Z]\w*)*)$")
_OPENERS = {")": "(", "]": "[", "}": "{"}
# Words before a name that define it rather than call it.
_DEFINERS = re.compile(r"(?:\bdef|\bdefp|\bdefmacro|\bdefmacrop|\bdefguard|\bdefguardp|\bdefdelegate|\bdefn|\bdefnp)\s+$")


class ApiView(Protocol):
    """What exists at the cursor (the language server's `CursorApi` implements it)."""

    def functions(self, module: str) -> frozenset[str] | None:
        """Public function names of a module as written at the cursor; None when unknown."""
        ...

    def fields(self, struct: str) -> frozenset[str] | None:
        """Fields of a struct as written at the cursor; None when unknown."""
        ...

    @property
    def attributes(self) -> frozenset[str] | None:
        """Attributes usable after `@` at the cursor; None when any may be (module level)."""
        ...

    @property
    def callable(self) -> frozenset[str] | None:
        """Names callable without a module (local, imported, Kernel); None when unknown (`use`)."""
        ...


@dataclass(frozen=True)
class Violation:
    """An identifier that cannot become a valid one.

    Args:
        kind: "member" (after `Module.`), "field" (a struct key), "attribute", or "local" (a call
            without a module: `name(`).
        owner: the module or struct as written ("" for attributes).
        at: where the identifier starts, in completion offsets (negative: typed before the cursor).
        names: the valid names there, sorted.
    """

    kind: str
    owner: str
    at: int
    names: tuple[str, ...]


def has_prefix(names: tuple[str, ...], prefix: str) -> bool:
    """Whether some name in the sorted `names` starts with `prefix`."""
    i = bisect.bisect_left(names, prefix)
    return i < len(names) and names[i].startswith(prefix)


def _in_template_code(window: str, opener: int, pos: int) -> bool:
    """Inside a template sigil heredoc (`~H`, `~E`, `~L`): whether `pos` is in an expression (`{...}`, `<%= %>`)."""
    if window[max(0, opener - 2): opener - 1] != "~" or window[opener - 1] not in "HELF":
        return False
    body = window[opener + 3: pos]
    if body.rfind("<%") > body.rfind("%>"):
        return True
    return body.count("{") > body.count("}")


def _in_code(window: str, pos: int) -> bool:
    """Rough lexical test: `pos` is not inside a string, heredoc or comment of its line (expressions
    inside a HEEx/EEx template heredoc count as code)."""
    if window.count('"""', 0, pos) % 2:
        return _in_template_code(window, window.rfind('"""', 0, pos), pos)
    line_start = window.rfind("\n", 0, pos) + 1
    quoted = False
    i = line_start
    while i < pos:
        c = window[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == "#" and not quoted:
            return False
        i += 1
    return not quoted


def _struct_owner(window: str, before: int) -> str | None:
    """The struct whose literal encloses `before` at its top level (`%User{a: 1, |`), else None."""
    depth: dict[str, int] = {"(": 0, "[": 0, "{": 0}
    i = before - 1
    while i >= 0:
        c = window[i]
        if c in _OPENERS:
            depth[_OPENERS[c]] += 1
        elif c in depth:
            if depth[c]:
                depth[c] -= 1
            elif c != "{":
                return None
            else:
                match = _STRUCT_BEFORE_BRACE.search(window, max(0, i - 200), i)
                return match.group(1) if match else None
        i -= 1
    return None


class Monitor:
    """Checks a completion's identifiers against an `ApiView` as it grows.

    Args:
        api: what exists at the cursor.
        prefix: the text before the cursor (its tail is read for context).
    """

    def __init__(self, api: ApiView, prefix: str) -> None:
        self.api = api
        # From the start of the unit being written (model/regions.py), never from inside a heredoc:
        # the string test counts `"""` from the head's start.
        start = unit_start(prefix)
        if len(prefix) - start > 4 * HEAD_CHARS:
            start = len(prefix) - 4 * HEAD_CHARS  # a huge unit: rare; the string test may then err
        self.head = prefix[start:]
        self._names: dict[tuple[str, str], tuple[str, ...] | None] = {}

    def _valid(self, kind: str, owner: str) -> tuple[str, ...] | None:
        key = (kind, owner)
        if key not in self._names:
            if kind == "member":
                found = self.api.functions(owner)
            elif kind == "field":
                found = self.api.fields(owner)
            elif kind == "local":
                found = self.api.callable
            else:
                found = self.api.attributes
            self._names[key] = tuple(sorted(found)) if found else None
        return self._names[key]

    def slot(self, window: str, start: int, end: int) -> tuple[str, str, bool] | None:
        """What the identifier at `window[start:end]` must be: (kind, owner, must be a key), or None.

        For a struct key the identifier only has to be a field when `:` follows it.
        """
        before = window[start - 1] if start else ""
        if before == ".":
            if not window[start].islower() and window[start] != "_":
                return None  # an alias continues (`MyApp.Accounts`)
            match = _MODULE_BEFORE_DOT.search(window, max(0, start - 200), start - 1)
            return ("member", match.group(0), False) if match else None
        if before == "@":
            if start >= 2 and window[start - 2] in _IDENT_CHARS | {"@"}:
                return None
            return "attribute", "", False
        j = start - 1
        while j >= 0 and window[j] in " \t\n":
            j -= 1
        if j >= 0 and window[j] in "{,|":
            owner = _struct_owner(window, j + 1)
            if owner is not None:
                # Right after `{` the identifier may be the struct being updated (`%U{u | ...}`).
                return "field", owner, window[j] == "{"
        if (window[start].islower() or window[start] == "_") and window[end: end + 1] == "(" and before != ":" \
                and not _DEFINERS.search(window, max(0, start - 12), start):
            return "local", "", False
        return None

    def unfinished(self, text: str) -> Violation | None:
        """The identifier `text` ends with when it is a checked one that is not a whole name yet
        (`Accounts.get_us` when the token budget ran out), else None."""
        window = self.head + text
        offset = len(self.head)
        start = len(window)
        while start > offset and window[start - 1] in _IDENT_CHARS:
            start -= 1
        if start == len(window) or start == offset and window[offset - 1: offset] in _IDENT_CHARS:
            return None
        slot = self.slot(window, start, len(window))
        if slot is None or slot[2] or slot[0] == "local":
            return None
        names = self._valid(slot[0], slot[1])
        if names is None or window[start:] in names or not _in_code(window, start):
            return None
        return Violation(slot[0], slot[1], start - offset, names)

    def check(self, text: str, new_from: int) -> Violation | None:
        """The first identifier touched by `text[new_from:]` that can no longer be valid, or None.

        Args:
            text: the completion so far.
            new_from: where the newest piece starts in `text`.
        """
        window = self.head + text
        offset = len(self.head)
        pos = offset + new_from
        # Back up to the start of an identifier the new piece continues or ends.
        while pos > 0 and window[pos - 1] in _IDENT_CHARS:
            pos -= 1
        for match in IDENT.finditer(window, pos):
            start, end = match.span()
            slot = self.slot(window, start, end)
            if slot is None:
                continue
            kind, owner, key_only = slot
            complete = end < len(window)
            if key_only and not (complete and window[end] == ":" and window[end + 1: end + 2] != ":"):
                continue
            if key_only is False and kind == "field" and complete and window[end] != ":":
                continue  # `%S{a, b}`: not a key (and not valid Elixir either); leave it to the syntax check
            names = self._valid(kind, owner)
            if names is None or not _in_code(window, start):
                continue
            word = match.group(0)
            if (word in names) if complete else has_prefix(names, word):
                continue
            typed = window[start: max(start, offset + new_from)]
            if kind != "local" and not has_prefix(names, typed):
                continue  # already wrong before this piece (the user typed it): not ours to fix
            if kind == "local" and (start < offset or re.search(rf"\bdef\w*\s+{re.escape(word)}\b", window)):
                continue  # typed by the user, or defined right here
            return Violation(kind, owner, start - offset, names)
        return None
