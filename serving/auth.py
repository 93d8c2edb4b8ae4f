"""API keys (kept only as SHA-256 digests) and token-bucket rate limits per key and per client address.

Keys come from a file (`--api-keys FILE`: one per line, either `sha256:<hex digest>` or, less
safely, the key itself) and from the `ELIXIR_CODER_API_KEYS` environment variable
(comma-separated). Plain keys are hashed as they are read, so the server never holds them. A
fast hash suffices here because keys are long random tokens, not passwords a person chose.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ENV_API_KEYS = "ELIXIR_CODER_API_KEYS"
DIGEST_PREFIX = "sha256:"


class ApiKeyError(ValueError):
    """An API key file or value that cannot be used."""


def hash_key(key: str) -> str:
    """The at-rest form of a key: `sha256:<hex digest>`."""
    return DIGEST_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (256 bits, URL-safe)."""
    return "ec-" + secrets.token_urlsafe(32)


def _digest_of(entry: str) -> str:
    entry = entry.strip()
    if entry.startswith(DIGEST_PREFIX):
        hexpart = entry[len(DIGEST_PREFIX) :].lower()
        if len(hexpart) != 64 or any(c not in "0123456789abcdef" for c in hexpart):
            raise ApiKeyError(f"malformed key digest {entry[:20]}...: expected sha256: and 64 hex digits")
        return DIGEST_PREFIX + hexpart
    if len(entry) < 16:
        raise ApiKeyError("API keys must be at least 16 characters long")
    return hash_key(entry)


@dataclass(frozen=True)
class ApiKeys:
    """The accepted key digests; empty means authentication is off.

    Args:
        digests: `sha256:<hex>` strings.
    """

    digests: frozenset[str] = frozenset()

    @property
    def enabled(self) -> bool:
        """True when at least one key is configured."""
        return bool(self.digests)

    @classmethod
    def load(cls, path: Path | None = None, env: dict[str, str] | None = None) -> ApiKeys:
        """Keys from a file and the environment variable; blank lines and `#` comments are skipped.

        Args:
            path: key file, or None.
            env: environment to read `ELIXIR_CODER_API_KEYS` from (default: os.environ).

        Raises:
            ApiKeyError: an unreadable file or a malformed entry.
        """
        entries: list[str] = []
        if path is not None:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise ApiKeyError(f"cannot read API key file {path}: {exc.strerror or exc}") from exc
            lines = [ln.strip() for ln in text.splitlines()]
            file_entries = [ln for ln in lines if ln and not ln.startswith("#")]
            if any(not e.startswith(DIGEST_PREFIX) for e in file_entries):
                log.warning("%s holds plain API keys; store `sha256:` digests instead (elixir-coder api-key)", path)
            entries += file_entries
        raw = (env if env is not None else os.environ).get(ENV_API_KEYS, "")
        entries += [part.strip() for part in raw.split(",") if part.strip()]
        return cls(frozenset(_digest_of(e) for e in entries))

    def check(self, presented: str | None) -> str | None:
        """The digest of a presented key when it is accepted, else None (constant-time comparison)."""
        if not presented:
            return None
        digest = hash_key(presented)
        found = None
        for known in self.digests:
            if hmac.compare_digest(known, digest):
                found = known
        return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class TokenBucket:
    """Requests at `rate` per second on average with bursts up to `burst`.

    Args:
        rate: tokens added per second.
        burst: bucket capacity (and initial content).
    """

    def __init__(self, rate: float, burst: float, now: float | None = None) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = time.monotonic() if now is None else now

    def take(self, now: float, cost: float = 1.0) -> float:
        """Take `cost` tokens: 0.0 when allowed, else seconds until enough tokens will be there."""
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.rate


class RateLimiter:
    """One token bucket per identity (API key digest or client address), least recently used evicted.

    Args:
        rate: requests per second per identity; 0 or less disables the limit.
        burst: requests allowed at once (default: max(1, rate)).
        max_identities: buckets kept at most, so a flood of addresses cannot exhaust memory.
    """

    def __init__(self, rate: float, burst: float | None = None, max_identities: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.max_identities = max_identities
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """True when a positive rate is set."""
        return self.rate > 0

    def check(self, identity: str, now: float | None = None) -> int:
        """0 when the request may go ahead, else whole seconds to wait (for Retry-After)."""
        if not self.enabled:
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(identity)
            if bucket is None:
                bucket = self._buckets[identity] = TokenBucket(self.rate, self.burst, now)
                if len(self._buckets) > self.max_identities:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(identity)
            wait = bucket.take(now)
        return 0 if wait <= 0 else max(1, math.ceil(wait))
