"""What became of each completion the server showed: accepted, edited afterwards, dismissed or ignored.

`FeedbackTracker` remembers recent completions by request id and turns the client's signals
into feedback events: the acceptance command attached to every item, the explicit rejection
command, and a newer completion request for the same document (the earlier one was
ignored). After an acceptance, `edit_check` compares the accepted text with what the
document holds at the same place; the handlers call it after `editCheckDelaySeconds`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Protocol

from elixir_coder.telemetry.context_privacy import CursorText, redact_open_string, scrub_head, scrub_tail
from elixir_coder.telemetry.events import Event, EventKind
from elixir_coder.telemetry.privacy import REDACTED

log = logging.getLogger(__name__)

CONTEXT_PREFIX_CHARS = 2000
CONTEXT_SUFFIX_CHARS = 800
KEPT_LINE_CHARS = 4000


class EventSink(Protocol):
    """Where events go (the telemetry Recorder); `record` must not block."""

    def record(self, event: Event) -> bool: ...  # noqa: D102


@dataclass
class Shown:
    """A completion as shown: enough to join later events and to find the text again."""

    request_id: str
    uri: str
    path: str | None
    language_id: str | None
    model_version: str | None
    adapter: str | None
    items: list[str]
    prefix: str
    suffix: str
    line: int
    latency_ms: float
    shown_at: float = field(default_factory=time.time)
    outcome: str | None = None  # accepted | dismissed | ignored
    accepted_text: str | None = None
    private: bool = False  # proposed inside a secret being typed: its text is never stored


def edit_distance(a: str, b: str, limit: int = 4000) -> int:
    """Levenshtein distance (insert, delete, substitute), over at most `limit` characters of each."""
    a, b = a[:limit], b[:limit]
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def region_after_acceptance(shown: Shown, accepted: str) -> str:
    """The lines the document should hold right after the accepted text was inserted."""
    line_prefix = shown.prefix.rsplit("\n", 1)[-1]
    line_suffix = shown.suffix.split("\n", 1)[0]
    return line_prefix + accepted + line_suffix


def find_region(document: str, expected: str, near_line: int, search: int = 20) -> str:
    """The document's lines that best match `expected` (same line count), searched around `near_line`.

    Lines inserted or deleted above the completion shift it; the window with the smallest
    edit distance within `search` lines either way is taken as where it went.
    """
    doc_lines = document.split("\n")
    height = expected.count("\n") + 1
    best: tuple[int, str] | None = None
    for start in range(max(0, near_line - search), min(len(doc_lines), near_line + search + 1)):
        candidate = "\n".join(doc_lines[start : start + height])
        dist = edit_distance(expected, candidate)
        if best is None or dist < best[0] or (dist == best[0] and start == near_line):
            best = (dist, candidate)
        if dist == 0:
            break
    return best[1] if best is not None else ""


class FeedbackTracker:
    """Joins client signals to shown completions and records events.

    Args:
        sink: the event recorder; None disables recording (the tracker still answers).
        capacity: shown completions remembered.
        in_background: build and record the events on a thread of the tracker's own, in the order
            they happened, instead of in the caller. Scrubbing a shown completion's surroundings
            of secrets takes up to ~8 ms on a large file, and the language server answers the
            completion request without waiting for it; joins (which request id was shown, its
            outcome) are still settled before each method returns.
    """

    def __init__(self, sink: EventSink | None, capacity: int = 512, max_chars: int = 1024 * 1024,
                 in_background: bool = False) -> None:
        self.sink = sink
        self.capacity = capacity
        self.max_chars = max_chars  # the byte budget, in characters of remembered proposals and lines
        self._shown: OrderedDict[str, Shown] = OrderedDict()
        self._latest_by_uri: dict[str, str] = {}
        self._chars = 0
        self._lock = threading.Lock()
        # One thread: events are recorded in the order of the signals (shown before accepted, and
        # an acceptance reads `private`, which recording the shown event sets).
        self._lane = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elixir-coder-feedback") \
            if in_background else None

    def _later(self, record: Callable[[], None]) -> None:
        """Run `record` (building and emitting events) now, or queued on the tracker's thread."""
        if self._lane is None:
            record()
            return
        try:
            self._lane.submit(self._logged, record)
        except RuntimeError:  # closed: the session is over, nothing more is recorded
            pass

    @staticmethod
    def _logged(record: Callable[[], None]) -> None:
        try:
            record()
        except Exception:  # noqa: BLE001 - feedback is never worth a failure; the log says what happened
            log.exception("recording completion feedback failed")

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until what was queued has been recorded."""
        if self._lane is not None:
            with suppress(RuntimeError, TimeoutError):
                self._lane.submit(lambda: None).result(timeout)

    def close(self) -> None:
        """Record what is queued, then stop the tracker's thread."""
        if self._lane is not None:
            self._lane.shutdown(wait=True)

    def _emit(self, kind: EventKind, shown: Shown, **fields: object) -> None:
        if self.sink is None:
            return
        self.sink.record(Event(
            kind=kind, request_id=shown.request_id, model_version=shown.model_version, adapter=shown.adapter,
            language_id=shown.language_id, path=shown.path, **fields,  # type: ignore[arg-type]
        ))

    def get(self, request_id: str) -> Shown | None:
        """A remembered completion."""
        with self._lock:
            return self._shown.get(request_id)

    def shown(self, shown: Shown) -> None:
        """Record a completion shown; an earlier unresolved one for the same document was ignored."""
        with self._lock:
            earlier_id = self._latest_by_uri.get(shown.uri)
            earlier = self._shown.get(earlier_id) if earlier_id else None
            self._shown[shown.request_id] = shown
            self._latest_by_uri[shown.uri] = shown.request_id
            # The proposals stay; the lines kept beside them are cut to KEPT_LINE_CHARS below.
            self._chars += sum(len(t) for t in shown.items) + 2 * KEPT_LINE_CHARS
            while len(self._shown) > 1 and (len(self._shown) > self.capacity or self._chars > self.max_chars):
                _, dropped = self._shown.popitem(last=False)
                self._chars -= sum(len(t) for t in dropped.items) + 2 * KEPT_LINE_CHARS
        if earlier is not None and earlier.outcome is None:
            earlier.outcome = "ignored"
            self._later(lambda: self._emit(EventKind.COMPLETION_REJECTED, earlier, detail={"reason": "ignored"}))
        prefix, suffix = shown.prefix, shown.suffix
        # Kept for the edit check, which needs only the cursor's line: not the whole document per
        # remembered completion (512 of them on a 2 MB file would hold a gigabyte).
        shown.prefix = prefix[prefix.rfind("\n") + 1:][-KEPT_LINE_CHARS:]
        shown.suffix = suffix.split("\n", 1)[0][:KEPT_LINE_CHARS]
        self._later(lambda: self._record_shown(shown, prefix, suffix))

    def _record_shown(self, shown: Shown, prefix: str, suffix: str) -> None:
        # The prompt's surroundings are what retraining learns from (training/retrain.py); they
        # stay in the local store, scrubbed of secrets before they are cut (a cut can hide a key's
        # BEGIN line), and a secret being typed at the cursor is not stored at all.
        first = shown.items[0] if shown.items else ""
        around = redact_open_string(CursorText(prefix, suffix, first))
        shown.private = around.proposal != first
        if self.sink is None:
            return
        self._emit(EventKind.COMPLETION_SHOWN, shown, text=around.proposal,
                   prefix=prefix, suffix=suffix, latency_ms=shown.latency_ms,
                   detail={"items": len(shown.items),
                           "context_prefix": scrub_tail(around.prefix, CONTEXT_PREFIX_CHARS),
                           "context_suffix": scrub_head(around.suffix, CONTEXT_SUFFIX_CHARS)})

    def accepted(self, request_id: str, index: int = 0, accepted_chars: int | None = None) -> Shown | None:
        """Record an acceptance (whole, or the first `accepted_chars` characters); None if unknown."""
        shown = self.get(request_id)
        if shown is None or not 0 <= index < len(shown.items):
            return None
        item = shown.items[index]
        chars = len(item) if accepted_chars is None else max(0, min(accepted_chars, len(item)))
        shown.outcome = "accepted"
        accepted = shown.accepted_text = item[:chars]
        # `private` is read when the event is built: recording the shown event (queued before) sets it.
        self._later(lambda: self._emit(EventKind.COMPLETION_ACCEPTED, shown,
                                       text=REDACTED if shown.private else accepted, accepted_chars=chars,
                                       detail={"index": index, "partial": chars < len(item)}))
        return shown

    def rejected(self, request_id: str) -> bool:
        """Record an explicit dismissal; False when the request id is unknown or already resolved."""
        shown = self.get(request_id)
        if shown is None or shown.outcome is not None:
            return False
        shown.outcome = "dismissed"
        self._later(lambda: self._emit(EventKind.COMPLETION_REJECTED, shown, detail={"reason": "dismissed"}))
        return True

    def edit_check(self, request_id: str, document: str | None) -> int | None:
        """Record how much the accepted text was edited since; returns the edit distance.

        `document` is the document's text now (None when it was closed: nothing is recorded).
        """
        shown = self.get(request_id)
        if shown is None or shown.accepted_text is None or document is None:
            return None
        expected = region_after_acceptance(shown, shown.accepted_text)
        final = find_region(document, expected, shown.line)
        distance = edit_distance(expected, final)
        detail = {"accepted_length": len(shown.accepted_text), "delay_s": round(time.time() - shown.shown_at, 1)}
        self._later(lambda: self._emit(EventKind.COMPLETION_EDITED, shown, text=REDACTED if shown.private else final,
                                       edit_distance=distance, detail=detail))
        return distance
