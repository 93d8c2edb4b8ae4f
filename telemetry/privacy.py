"""Privacy before storage: secrets scrubbed from text, absolute paths hashed with a per-install salt.

Nothing leaves the machine; even so, feedback rows hold code, and code holds secrets. Every
text field passes through `scrub` before the store writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class SecretPattern:
    """A named pattern; group `secret` (or the whole match) is replaced."""

    name: str
    regex: re.Pattern[str]


def _p(name: str, pattern: str, flags: int = 0) -> SecretPattern:
    return SecretPattern(name, re.compile(pattern, flags))


# Ordered from most to least specific so a private key block is removed whole before the
# generic assignment patterns look inside it.
SECRET_PATTERNS: tuple[SecretPattern, ...] = (
    _p(
        "private_key",
        r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|\Z)",
    ),
    _p("aws_access_key", r"\b(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    _p("github_token", r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    _p("slack_token", r"\b(?P<secret>xox[abprs]-[A-Za-z0-9-]{10,})\b"),
    _p("stripe_key", r"\b(?P<secret>(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,})\b"),
    _p("openai_key", r"\b(?P<secret>sk-(?:proj-)?[A-Za-z0-9_-]{20,})\b"),
    _p("google_api_key", r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})\b"),
    _p("jwt", r"\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
    _p("url_credentials", r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@\"']+:(?P<secret>[^@\s/\"']+)@", re.I),
    _p("bearer_token", r"(?i:bearer)\s+(?P<secret>[A-Za-z0-9._~+/=-]{16,})"),
    # `password: "..."`, `secret_key_base = "..."`, `api_key => '...'`, `"token": "..."`
    _p(
        "assigned_secret",
        r"(?i)(?P<key>[\w\"']*(?:password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|signing_salt|"
        r"credentials?)[\w\"']*)\s*(?::|=>|=|,)\s*(?P<q>[\"'])(?P<secret>[^\"'\n]{4,})(?P=q)",
    ),
)


def scrub(text: str | None) -> str | None:
    """Replace every secret the patterns recognise with `[REDACTED]`; None passes through."""
    if not text:
        return text
    for pattern in SECRET_PATTERNS:
        text = pattern.regex.sub(_replacer, text)
    return text


def _replacer(match: re.Match[str]) -> str:
    if "secret" not in match.groupdict() or match.group("secret") is None:
        return REDACTED
    start, end = match.span("secret")
    whole_start = match.start()
    s = match.group(0)
    return s[: start - whole_start] + REDACTED + s[end - whole_start :]


def find_secrets(text: str) -> list[str]:
    """Names of the secret kinds found in a text (for tests and audits)."""
    return [p.name for p in SECRET_PATTERNS if p.regex.search(text)]


class PathHasher:
    """Hashes file paths with a random per-install salt kept beside the database.

    The same path always gives the same digest on one machine (so events join), and the
    digest says nothing about the path elsewhere.
    """

    def __init__(self, salt_file: Path) -> None:
        self._salt = self._load_or_create(salt_file)

    @staticmethod
    def _load_or_create(salt_file: Path) -> bytes:
        try:
            data = salt_file.read_bytes()
            if len(data) >= 16:
                return data
        except FileNotFoundError:
            pass
        salt_file.parent.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_bytes(32)
        tmp = salt_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(salt)
        os.chmod(tmp, 0o600)
        try:
            # Two processes racing here must end with one salt: link fails if the file exists.
            os.link(tmp, salt_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return salt_file.read_bytes()

    def hash_path(self, path: str | None) -> str | None:
        """Hex digest of a path (None passes through)."""
        if path is None:
            return None
        return hmac.new(self._salt, path.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def digest(text: str | None) -> str | None:
    """Unsalted SHA-256 prefix of a text: identifies a prompt without storing it."""
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
