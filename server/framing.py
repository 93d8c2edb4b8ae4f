"""LSP base-protocol framing that no client can break: bytes in, JSON bodies and problems out.

A frame is a header block (`Content-Length: N`, optionally `Content-Type`, lines ending in
CRLF, an empty line) and N bytes of JSON. Clients get this wrong in many ways, and pygls'
reader then drops everything until a bare CRLF or allocates whatever length it is told.
`FrameParser` is a pure state machine over a byte buffer that:

- never holds more than `max_frame` bytes: a longer frame is discarded as it streams in
  (its length is only trusted until the next header shows up) and reported;
- reads header names case-insensitively, accepts LF-only line ends, and reports duplicate,
  missing, zero or non-numeric lengths;
- resynchronises instead of stalling: when a body does not parse at its declared length
  (too short, too long, missing), the bytes are rescanned for a complete JSON value or the
  next `Content-Length:` line. A JSON body cannot contain a raw newline followed by
  `Content-Length:` (newlines inside strings are escaped), so that line marks a frame start;
- answers a body whose declared length is longer than what was sent once the client goes
  quiet (`on_idle`), so a request is not left waiting for bytes that never come.

It does no I/O and knows nothing of JSON-RPC: `jsonrpc_guard` feeds it and dispatches.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# The default limit on one frame: far above any document the analyzer accepts (maxFileBytes
# is 2 MiB by default; JSON escaping can double it), far below what would hurt the machine.
DEFAULT_MAX_FRAME = 64 * 1024 * 1024
# A header block longer than this is junk, not headers.
MAX_HEADER = 8 * 1024
# Kept while discarding an oversized frame: enough to find a header split across reads.
_TAIL = 64

# Where a frame may start. The strong form (a number and a raw line end) cannot occur inside a
# valid JSON body: raw newlines are only allowed between tokens, and this text is not a token.
_HEADER_START = re.compile(rb"content-length[ \t]*:", re.I)
_FRAME_START = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.I)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE = re.compile(rb"^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*\r?$")
_FIRST_HEADER = re.compile(rb"[\r\n]*[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*:")


@dataclass(frozen=True)
class Frame:
    """One message body; `recovered` when it was found by rescanning rather than by its length."""

    body: bytes
    recovered: bool = False


@dataclass(frozen=True)
class Problem:
    """Something wrong with the byte stream, for the log; nothing to answer."""

    message: str


Event = Frame | Problem


def _complete_json(data: bytes) -> int | None:
    """Length of the JSON object or array at the start of `data` (after whitespace); None if there is none yet."""
    stripped = data.lstrip()
    if not stripped or stripped[:1] not in (b"{", b"["):
        return None
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = stripped[: exc.start].decode("utf-8")
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return len(data) - len(stripped) + len(text[:end].encode("utf-8"))


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:  # UnicodeDecodeError is one
        return False
    return True


class FrameParser:
    """Turns a byte stream into frames, resynchronising after any malformed input.

    Args:
        max_frame: the largest body accepted; larger ones are discarded without being stored.
    """

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()
        self._length: int | None = None  # declared length of the body being read
        self._scanning = False  # the body's length is unknown or wrong: look for its end
        self._discard = 0  # bytes of an oversized body still to drop
        self._checked = 0  # how far the pending body was searched for a frame header
        self._junk_bytes = 0  # skipped since the last frame, not yet reported
        self.frames = 0
        self.problems = 0

    @property
    def buffered(self) -> int:
        """Bytes held (never much more than `max_frame`)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        """Take bytes read from the client; returns the frames and problems they complete."""
        events: list[Event] = []
        if self._discard:
            data = self._drop_oversized(data, events)
        self._buf += data
        while self._step(events):
            pass
        if len(self._buf) > self.max_frame + MAX_HEADER:
            self._problem(events, f"{len(self._buf)} bytes without a frame; dropped")
            self._reset(keep_from=len(self._buf) - _TAIL)
        return events

    def on_idle(self) -> list[Event]:
        """The client sent nothing for a while: a complete JSON value waiting for more declared bytes is served."""
        events: list[Event] = []
        if (self._length is not None or self._scanning) and self._buf:
            end = _complete_json(bytes(self._buf))
            if end is not None:
                declared = f"declared {self._length} bytes" if self._length is not None else "no usable length"
                self._problem(events, f"frame body of {end} bytes ({declared}); the client sent nothing more")
                self._emit(events, bytes(self._buf[:end]), recovered=True)
                self._reset(keep_from=end)
                while self._step(events):
                    pass
        return events

    # --- the state machine -----------------------------------------------------------------------

    def _step(self, events: list[Event]) -> bool:
        """Make one unit of progress; False when more bytes are needed."""
        if self._discard:
            return False
        if self._scanning:
            return self._scan(events)
        if self._length is not None:
            return self._body(events)
        return self._header(events)

    def _header(self, events: list[Event]) -> bool:
        if not self._buf:
            return False
        first = _FIRST_HEADER.match(self._buf)
        if first is None:
            return self._junk(events)
        end = _HEADER_END.search(self._buf, first.start())
        lead = len(self._buf) - len(self._buf.lstrip(b"\r\n"))
        if end is not None and end.start() < lead:  # blank lines before the header: not a block end
            del self._buf[:lead]
            return True
        if end is None:
            if len(self._buf) > MAX_HEADER:
                self._problem(events, f"header block over {MAX_HEADER} bytes; skipped")
                del self._buf[:1]
                return self._junk(events) or bool(self._buf)
            return False
        header = bytes(self._buf[lead: end.start()])
        del self._buf[: end.end()]
        self._start_body(self._content_length(header, events), events)
        return True

    def _junk(self, events: list[Event]) -> bool:
        """The buffer does not start with a header: a body sent without one, or bytes to skip."""
        stripped = self._buf.lstrip()
        if stripped[:1] in (b"{", b"["):
            self._problem(events, "a body without a frame header; reading it as one")
            self._scanning = True
            return True
        if not stripped:
            self._buf.clear()
            return False
        nxt = _HEADER_START.search(self._buf, 1)
        drop = nxt.start() if nxt is not None else max(0, len(self._buf) - _TAIL)
        if drop == 0:
            return False
        self._junk_bytes += drop  # reported once, when the next header is found
        del self._buf[:drop]
        if nxt is not None:
            self._problem(events, f"skipped {self._junk_bytes} bytes that are not a frame header")
            self._junk_bytes = 0
        return nxt is not None

    def _content_length(self, header: bytes, events: list[Event]) -> int | None:
        """The declared length; None (reported) when missing, repeated with different values, or not a number."""
        values: list[bytes] = []
        for line in header.split(b"\n"):
            match = _HEADER_LINE.match(line)
            if match is None:
                if line.strip():
                    self._problem(events, f"malformed header line {line[:80]!r}")
                continue
            if match.group(1).lower() == b"content-length":
                values.append(match.group(2))
        if not values:
            self._problem(events, "header without Content-Length")
            return None
        if len(set(values)) > 1:
            self._problem(events, f"conflicting Content-Length headers {[v.decode('latin-1') for v in values]}")
            return None
        raw = values[0]
        if len(values) > 1:
            self._problem(events, "repeated Content-Length header")
        if not raw.isdigit():
            self._problem(events, f"Content-Length {raw[:40].decode('latin-1')!r} is not a number")
            return None
        if len(raw) > 30:  # Python refuses to parse very long numbers; this one is too big anyway
            self._problem(events, f"Content-Length of {len(raw)} digits")
            return self.max_frame + 1
        return int(raw)

    def _start_body(self, length: int | None, events: list[Event]) -> None:
        if length is None or length == 0:
            if length == 0:
                self._problem(events, "Content-Length: 0")
            self._scanning = True  # whatever follows may still be a body: look for one
            return
        if length > self.max_frame:
            self._problem(events, f"frame of {length} bytes is over the limit of {self.max_frame}; skipped")
            self._discard = length
            data, self._buf = bytes(self._buf), bytearray()
            self._buf += self._drop_oversized(data, events)
            return
        self._length = length
        self._checked = 0

    def _body(self, events: list[Event]) -> bool:
        length = self._length or 0
        if len(self._buf) < length:
            # A frame header right after a complete JSON value: the declared length was too long.
            nxt = _FRAME_START.search(self._buf, self._checked)
            self._checked = max(0, len(self._buf) - _TAIL)  # search each byte about once
            if nxt is not None:
                end = _complete_json(bytes(self._buf[: nxt.start()]))
                if end is not None and not self._buf[end: nxt.start()].strip():
                    self._problem(events, f"Content-Length {length} runs into the next frame")
                    self._length, self._scanning = None, True
                    return True
            return False
        body = bytes(self._buf[:length])
        if _parses(body):
            self._reset(keep_from=length)
            self._emit(events, body)
            return True
        self._problem(events, f"body of declared length {length} is not JSON; rescanning")
        self._length, self._scanning = None, True
        return True

    def _scan(self, events: list[Event]) -> bool:
        """Find the end of a body whose length is unknown or wrong: a complete JSON value, or the next frame."""
        data = bytes(self._buf)
        nxt = _FRAME_START.search(data)
        limit = nxt.start() if nxt is not None else len(data)
        head = data[:limit]
        end = _complete_json(head) if (b"}" in head or b"]" in head) else None
        if end is not None:
            self._emit(events, data[:end], recovered=True)
            self._reset(keep_from=end)
            return True
        if nxt is not None:
            if head.strip():
                self._problem(events, f"skipped {limit} bytes that are not a JSON body")
            self._reset(keep_from=limit)
            return True
        if head.lstrip()[:1] not in (b"", b"{", b"["):
            self._problem(events, "bytes that are neither a header nor a JSON body")
            self._scanning = False
            return self._junk(events)
        return False

    def _drop_oversized(self, data: bytes, events: list[Event]) -> bytes:
        """Drop the rest of an oversized body; a frame header seen on the way ends it early. Returns what follows."""
        window = bytes(self._buf[-_TAIL:]) + data if self._buf else data
        nxt = _FRAME_START.search(window)
        if len(data) >= self._discard and (nxt is None or nxt.start() >= len(window) - len(data) + self._discard):
            rest = data[self._discard:]
            self._discard = 0
            self._buf = bytearray()
            return rest
        if nxt is not None:
            self._problem(events, "a frame header inside the oversized body; reading from there")
            self._discard = 0
            self._buf = bytearray()
            return window[nxt.start():]
        self._discard -= len(data)
        self._buf = bytearray(window[-_TAIL:])  # only for finding a header split across reads
        return b""

    # --- helpers ---------------------------------------------------------------------------------

    def _emit(self, events: list[Event], body: bytes, recovered: bool = False) -> None:
        self.frames += 1
        events.append(Frame(body, recovered))

    def _problem(self, events: list[Event], message: str) -> None:
        self.problems += 1
        events.append(Problem(message))

    def _reset(self, keep_from: int) -> None:
        del self._buf[:keep_from]
        self._length = None
        self._scanning = False
        self._checked = 0
