"""Feedback event kinds and the event record the store writes."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """Everything the server records about how its suggestions fared."""

    COMPLETION_SHOWN = "completion_shown"
    COMPLETION_ACCEPTED = "completion_accepted"
    COMPLETION_REJECTED = "completion_rejected"
    COMPLETION_EDITED = "completion_edited"
    ACTION_OFFERED = "action_offered"
    ACTION_TAKEN = "action_taken"
    CLARIFICATION_ANSWERED = "clarification_answered"
    DIAGNOSTIC_PUBLISHED = "diagnostic_published"
    DIAGNOSTIC_FIXED = "diagnostic_fixed"
    DIAGNOSTIC_SUPPRESSED = "diagnostic_suppressed"
    EXPLANATION_RATED = "explanation_rated"


def new_request_id() -> str:
    """A fresh request id; completions and actions carry it so later events join to them."""
    return uuid.uuid4().hex


@dataclass
class Event:
    """One feedback event.

    Args:
        kind: what happened.
        request_id: joins the event to the completion or action it is about.
        path: the document's absolute path; the store keeps only its salted hash.
        text: shown or final text; the store scrubs secrets from it.
        prefix / suffix: the prompt context; only their digests are stored.
        detail: small extra fields (check name, chosen answer, rating), stored as JSON.
    """

    kind: EventKind
    request_id: str
    model_version: str | None = None
    adapter: str | None = None
    language_id: str | None = None
    path: str | None = None
    text: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    accepted_chars: int | None = None
    edit_distance: int | None = None
    latency_ms: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)
