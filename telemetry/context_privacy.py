"""Privacy for the text around a cursor: scrubbed before it is cut, and a half-typed secret never stored.

The feedback store keeps the prompt's surroundings for retraining: the tail of the text before
the cursor and the head of the text after it. Two ways a secret slipped through:

- cutting first: a 2,000-character window can start inside a private key, after its BEGIN
  line, and the key pattern no longer matches what is left. Here a wider window is scrubbed and
  only then cut (`scrub_tail`, `scrub_head`);
- typing: while a secret is being typed, the cursor sits inside the string literal. The prefix
  holds its start, the suffix its end and the completion its middle; each alone may look
  harmless, and together they rebuild it. `redact_open_string` finds a cursor inside a string
  literal on its line and, when the literal looks like a secret (a known pattern, a random-looking
  value, or a name such as `password` or `token` before it), replaces both halves and the
  completion with `[REDACTED]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .privacy import REDACTED, find_secrets, looks_random, scrub, secret_spans

# Scrubbed beyond the kept window so that a secret crossing its edge (a PEM block is ~3 KB) is
# recognised whole before the cut.
SCRUB_MARGIN = 16 * 1024

_SECRET_NAME = re.compile(r"(?i)(?:pass|pwd|secret|token|key|auth|cred|salt|bearer|private)\w{0,40}\W{0,10}$")


def scrub_tail(text: str, keep: int) -> str:
    """The last `keep` characters of `text`, scrubbed before they were cut."""
    window = text[-(keep + SCRUB_MARGIN):]
    return (scrub(window) or "")[-keep:] if keep > 0 else ""


def scrub_head(text: str, keep: int) -> str:
    """The first `keep` characters of `text`, scrubbed before they were cut."""
    window = text[: keep + SCRUB_MARGIN]
    return (scrub(window) or "")[:keep] if keep > 0 else ""


@dataclass(frozen=True)
class CursorText:
    """Text before the cursor, after it, and what was proposed at it."""

    prefix: str
    suffix: str
    proposal: str


def _open_quote(line: str) -> tuple[int, str] | None:
    """Where the string literal open at the end of `line` starts, and its quote (None when none is open)."""
    quote: str | None = None
    start = -1
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is None:
            if ch == "#":
                return None  # a comment: nothing after it is code
            if ch in "\"'":
                quote, start = ch, i
        elif ch == "\\":
            i += 1
        elif ch == quote:
            quote = None
        i += 1
    return (start, quote) if quote is not None else None


def _close_quote(line: str, quote: str) -> int:
    """Where the literal that continues into `line` ends (the whole line when it does not)."""
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i
        i += 1
    return len(line)


_PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def _inside_private_key(text: CursorText) -> CursorText | None:
    """The cursor inside a PEM private key: all of the key, on both sides, and the proposal go."""
    begins = list(_PEM_BEGIN.finditer(text.prefix, max(0, len(text.prefix) - SCRUB_MARGIN)))
    begin = begins[-1] if begins else None
    if begin is None or _PEM_END.search(text.prefix, begin.end()):
        return None
    end = _PEM_END.search(text.suffix)
    suffix = text.suffix[end.end():] if end is not None else ""
    return CursorText(text.prefix[:begin.start()] + REDACTED, REDACTED + suffix, REDACTED if text.proposal else "")


def _across_cursor(text: CursorText) -> CursorText | None:
    """A secret on the cursor's line that the cursor splits (each half alone matches nothing): both halves
    and the proposal go."""
    line_start = text.prefix.rfind("\n") + 1
    line = text.prefix[line_start:][-2000:]
    rest = text.suffix.split("\n", 1)[0][:2000]
    for start, end in secret_spans(line + rest):
        if start <= len(line) <= end:  # touching counts: the other half names what the secret is
            cut = len(text.prefix) - (len(line) - start)
            return CursorText(text.prefix[:cut] + REDACTED, REDACTED + text.suffix[end - len(line):],
                              REDACTED if text.proposal else "")
    return None


def redact_open_string(text: CursorText) -> CursorText:
    """`text` with a secret-looking string literal (or a private key) around the cursor replaced, in all three
    parts."""
    for rule in (_inside_private_key, _across_cursor):
        redacted = rule(text)
        if redacted is not None:
            return redacted
    line_start = text.prefix.rfind("\n") + 1
    line = text.prefix[line_start:]
    opened = _open_quote(line)
    if opened is None:
        return text
    start, quote = opened
    left = line[start + 1:]
    rest = text.suffix.split("\n", 1)[0]
    right = rest[: _close_quote(rest, quote)]
    typed = text.proposal.split("\n", 1)[0]
    literal = left + typed + right
    before = line[:start]
    if not (find_secrets(f"{before}{quote}{literal}{quote}") or looks_random(literal)
            or (_SECRET_NAME.search(before[-200:]) and len(literal) >= 4)):
        return text
    cut = len(text.prefix) - len(left)
    return CursorText(text.prefix[:cut] + REDACTED, REDACTED + text.suffix[len(right):],
                      REDACTED if text.proposal else text.proposal)
