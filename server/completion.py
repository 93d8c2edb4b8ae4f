"""Completion logic without the server: where the cursor is, how much to write, what to keep.

Pure functions over text: the handlers in `features/completion.py` call them, and tests call
them directly. The decisions follow what an Elixir developer expects from ghost text:

- In the middle of a line (code after the cursor) a completion finishes that line only.
- At the end of a line that opens a block (`do`, `->`, `fn`, an open `[` or `{`), or on a blank
  line inside a block, it may write several lines, and stops where the block it is in ends.
  After an open `(` it finishes the line: arguments mostly follow on the same line.
- It never repeats the text that already follows the cursor, and whitespace-only or duplicate
  proposals are dropped.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

# A line that ends by opening a block or a multi-line construct: the next lines belong to it.
_OPENS_BLOCK = re.compile(r"(?:\bdo|->|\bfn|[\[{])\s*(?:#.*)?$")
# A line after which the next lines are indented one level deeper (an open `(` too).
_OPENS_INDENT = re.compile(r"(?:\bdo|->|\bfn|[(\[{])\s*(?:#.*)?$")
_CLOSERS = set(")]}>")


@dataclass(frozen=True)
class CursorContext:
    """The cursor's surroundings.

    Args:
        prefix / suffix: the document text before and after the cursor.
        line_prefix / line_suffix: the cursor line's text before and after the cursor.
        multiline: whether the completion may span several lines.
        indent: the indentation of the block the cursor is in (lines less indented end it).
    """

    prefix: str
    suffix: str
    line_prefix: str
    line_suffix: str
    multiline: bool
    indent: int


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _previous_code_line(prefix_lines: list[str]) -> str | None:
    for line in reversed(prefix_lines):
        if line.strip():
            return line
    return None


def cursor_context(prefix: str, suffix: str) -> CursorContext:
    """Classify the cursor: single- or multi-line completion, and the indentation of its block."""
    prefix_lines = prefix.split("\n")
    line_prefix = prefix_lines[-1]
    line_suffix = suffix.split("\n", 1)[0]
    before = _previous_code_line(prefix_lines[:-1])
    rest_of_line = line_suffix.strip()
    only_closers = bool(rest_of_line) and all(c in _CLOSERS or c in " ,;" for c in rest_of_line)
    if line_prefix.strip():
        # Writing on a line: several lines only when this line opens a block and nothing follows.
        multiline = not rest_of_line and bool(_OPENS_BLOCK.search(line_prefix))
        indent = _indent_of(line_prefix) + (2 if multiline else 0)
    else:
        # A blank (or indentation-only) line: the user is starting new code in this block.
        multiline = not rest_of_line or only_closers
        indent = len(line_prefix)
        if before is not None and not line_prefix:
            # Cursor at column 0 of an empty line: the block is the previous line's (or deeper).
            opens = bool(_OPENS_INDENT.search(before.rstrip()))
            indent = _indent_of(before) + (2 if opens else 0)
    return CursorContext(prefix, suffix, line_prefix, line_suffix, multiline, indent)


def _cut_single_line(text: str) -> str:
    """The first line of a completion (leading newlines kept only when nothing else is on the line)."""
    stripped = text.lstrip("\n")
    lead = len(text) - len(stripped)
    first = stripped.split("\n", 1)[0]
    return text[:lead] + first if first.strip() else ""


def _cut_block(text: str, ctx: CursorContext) -> str:
    """Lines up to where the cursor's block ends: a line indented less than the block closes it."""
    lines = text.split("\n")
    kept = [lines[0]]
    for line in lines[1:]:
        if line.strip() and _indent_of(line) < ctx.indent:
            break
        kept.append(line)
    return "\n".join(kept).rstrip()


def _drop_suffix_overlap(text: str, ctx: CursorContext) -> str:
    """Remove the tail of a completion that the document already has after the cursor."""
    rest = ctx.line_suffix.strip()
    if rest and "\n" not in text.strip("\n"):
        # `foo(a, b)` proposed before an existing `)`: keep `foo(a, b`.
        for size in range(len(rest), 0, -1):
            tail = rest[:size]
            if text.rstrip().endswith(tail):
                return text.rstrip()[: -len(tail)]
        return text
    following = [ln for ln in ctx.suffix.split("\n")[1:] if ln.strip()][:8]
    lines = text.split("\n")
    # Trailing lines equal to the next lines of the document (often the block's `end`).
    while len(lines) > 1 and following and lines[-1].strip() == following[0].strip():
        lines.pop()
        following.pop(0)
    return "\n".join(lines)


def trim_completion(text: str, ctx: CursorContext) -> str:
    """What to show of a raw model continuation: cut to the line or block, without what follows the cursor."""
    if not text:
        return ""
    cut = _cut_block(text, ctx) if ctx.multiline else _cut_single_line(text)
    cut = _drop_suffix_overlap(cut.rstrip(), ctx)
    if not cut.strip():
        return ""
    if ctx.line_prefix.strip() and ctx.line_prefix[-1:] in (" ", "\t"):
        # The cursor already follows a space: a proposal starting with one would double it.
        cut = cut.lstrip(" ")
    return cut


def unique_proposals(texts: list[str]) -> list[str]:
    """Non-blank proposals in order, without repeats."""
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        key = text.rstrip()
        if key.strip() and key not in seen:
            seen.add(key)
            out.append(text)
    return out


@dataclass
class _Entry:
    prefix_len: int
    prefix_tail: str
    suffix_head: str
    texts: list[str]


def _size(entry: _Entry) -> int:
    return len(entry.prefix_tail) + len(entry.suffix_head) + sum(len(t) for t in entry.texts)


def _same_model(a: str, b: str) -> bool:
    """Keys `version:adapter:mode` name the same model when all but the mode agree."""
    return a.rsplit(":", 1)[0] == b.rsplit(":", 1)[0]


class CompletionCache:
    """An LRU of shown completions that also serves one while the user types what it predicted.

    Keyed by (model key, the text around the cursor). When the user types characters that a
    cached proposal starts with, the rest of that proposal is served without running the
    model.

    Args:
        capacity: entries kept.
        tail: characters of the prefix compared (enough to identify the position in practice).
        max_typed_ahead: longest typed text that may still be served from a cached proposal.
    """

    def __init__(self, capacity: int = 256, tail: int = 2000, max_typed_ahead: int = 200,
                 max_chars: int = 256 * 1024) -> None:
        self.capacity = capacity
        self.max_chars = max_chars  # the byte budget, in characters of context and proposals held
        self._chars = 0
        self.tail = tail
        self.max_typed_ahead = max_typed_ahead
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self.hits = 0
        self.typed_ahead_hits = 0
        self.misses = 0

    def _key(self, model_key: str, prefix: str, suffix: str) -> tuple[str, str, str]:
        return model_key, prefix[-self.tail :], suffix[: self.tail // 4]

    def put(self, model_key: str, prefix: str, suffix: str, texts: list[str]) -> None:
        """Remember the proposals shown for a cursor."""
        key = self._key(model_key, prefix, suffix)
        old = self._entries.pop(key, None)
        if old is not None:
            self._chars -= _size(old)
        entry = _Entry(len(prefix), key[1], key[2], list(texts))
        self._entries[key] = entry
        self._chars += _size(entry)
        while len(self._entries) > 1 and (len(self._entries) > self.capacity or self._chars > self.max_chars):
            _, dropped = self._entries.popitem(last=False)
            self._chars -= _size(dropped)

    def get(self, model_key: str, prefix: str, suffix: str) -> list[str] | None:
        """Proposals for this cursor: cached ones, or the untyped rest of one the user is typing."""
        key = self._key(model_key, prefix, suffix)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return list(entry.texts)
        suffix_head = key[2]
        for (mk, _, _), old in reversed(self._entries.items()):
            typed = len(prefix) - old.prefix_len
            # The mode part of the key (single/multi-line) may flip while the user types through a
            # proposal (a blank line is no longer blank); the proposal is the same model's either way.
            if (_same_model(mk, model_key) is False or not 0 < typed <= self.max_typed_ahead
                    or old.suffix_head != suffix_head):
                continue
            start = old.prefix_len - len(old.prefix_tail)
            if prefix[start : old.prefix_len] != old.prefix_tail:
                continue
            typed_text = prefix[old.prefix_len :]
            rests = [t[len(typed_text) :] for t in old.texts if t.startswith(typed_text) and len(t) > len(typed_text)]
            rests = [r for r in rests if r.strip()]
            if rests:
                self.typed_ahead_hits += 1
                return rests
        self.misses += 1
        return None
