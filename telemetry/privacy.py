"""Privacy before storage: secrets scrubbed from text, absolute paths hashed with a per-install salt.

Nothing leaves the machine; even so, feedback rows hold code, and code holds secrets. Every
text field passes through `scrub` before the store writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REDACTED = "[REDACTED]"


@dataclass(frozen=True)
class SecretPattern:
    """A named pattern; group `secret` (or the whole match) is replaced."""

    name: str
    regex: re.Pattern[str]


def _p(name: str, pattern: str, flags: int = 0) -> SecretPattern:
    return SecretPattern(name, re.compile(pattern, flags))


# Ordered from most to least specific so a private key block is removed whole before the
# generic assignment patterns look inside it. Python's `re` holds the GIL while it matches, so
# every repetition that may start anywhere is bounded: an unbounded `[\w]*name[\w]*` took
# seconds on a line of 5,000 letters and stalled the whole server.
_SECRET_NAME = r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|access_?key|private_?key|signing_salt|credentials?)"

SECRET_PATTERNS: tuple[SecretPattern, ...] = (
    _p(
        "private_key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\Z)",
    ),
    # A window that starts inside a key: everything up to its END line.
    _p("private_key_tail", r"\A[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    # The body of a PEM block whose BEGIN line is elsewhere (a window cut through a key): two or
    # more lines of nothing but base64.
    _p("pem_body", r"(?:^[ \t\"']*[A-Za-z0-9+/]{40,}={0,2}[ \t\"']*(?:\\n)?\r?(?:\n|\Z)){2,}", re.M),
    _p("aws_access_key", r"\b(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    _p("github_token", r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    _p("gitlab_token", r"\b(?P<secret>glpat-[A-Za-z0-9_-]{20,})"),
    _p("slack_token", r"\b(?P<secret>xox[abprs]-[A-Za-z0-9-]{10,})\b"),
    _p("slack_webhook", r"(?P<secret>https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+)"),
    _p("sendgrid_key", r"\b(?P<secret>SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})"),
    _p("stripe_key", r"\b(?P<secret>(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,})\b"),
    _p("openai_key", r"\b(?P<secret>sk-(?:proj-)?[A-Za-z0-9_-]{20,})\b"),
    _p("google_api_key", r"\b(?P<secret>AIza[0-9A-Za-z_-]{35})\b"),
    _p("jwt", r"\b(?P<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
    # `redis://:pw@host` has an empty user: the password is still one.
    _p("url_credentials", r"(?P<scheme>\b[a-z][a-z0-9+.-]{0,30}://)[^/\s:@\"']{0,256}:(?P<secret>[^@\s/\"']{1,512})@",
       re.I),
    _p("bearer_token", r"(?i:bearer)\s+(?P<secret>[A-Za-z0-9._~+/=-]{16,})"),
    # `Base.encode64("user:pass")`: HTTP basic credentials.
    _p("basic_auth", r"Base\.(?:url_)?encode64\(\s*(?P<q>[\"'])(?P<secret>[^\"'\n]*:[^\"'\n]*)(?P=q)"),
    # `System.get_env("DB_PASSWORD") || "..."` and `System.get_env("API_TOKEN", "...")`: the fallback.
    _p("env_fallback",
       rf"System\.(?:get_env|fetch_env!?)\(\s*\"[\w.-]{{0,60}}{_SECRET_NAME}[\w.-]{{0,60}}\"\s*(?:\)\s*\|\||,)\s*"
       r"(?P<q>[\"'])(?P<secret>[^\"'\n]{4,})(?P=q)", re.I),
)

# `password: "..."`, `db_pass = "..."`, `api_key => '...'`, `"token": "..."`: a name, an operator, a
# quoted value. The name must start a word (the lookbehind), so each run of letters is tried once.
_ASSIGNMENT = re.compile(
    r"(?<![\w\"'])(?P<key>[\w\"']{1,80})\s*(?::|=>|=|,)\s*(?P<q>[\"'])(?P<secret>[^\"'\n]{4,4000})(?P=q)"
)
_SECRET_KEY = re.compile(rf"(?i){_SECRET_NAME}")
# Names that only sometimes hold secrets (`key`, `auth`, `salt`): their value is redacted when it
# looks random, not when it is a word (`primary_key: "id"`).
_MAYBE_SECRET_KEY = re.compile(r"(?i)key|auth|salt|cred|pass|secret|token|pwd")


def looks_random(value: str) -> bool:
    """High-entropy text: what generated keys and passwords look like, and words do not."""
    if len(value) < 8 or " " in value.strip():
        return False
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    entropy = -sum(c / n * math.log2(c / n) for c in counts.values())
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    return entropy >= 3.0 and classes >= 2


def _assignment_kind(match: re.Match[str]) -> str | None:
    """"assigned_secret", "random_value" or None for one name-operator-value match."""
    key = match.group("key")
    if _SECRET_KEY.search(key):
        return "assigned_secret"
    if _MAYBE_SECRET_KEY.search(key) and looks_random(match.group("secret")):
        return "random_value"
    return None


def _assignment(match: re.Match[str]) -> str:
    return _replacer(match) if _assignment_kind(match) else match.group(0)


def scrub(text: str | None) -> str | None:
    """Replace every secret the patterns recognise with `[REDACTED]`; None passes through."""
    if not text:
        return text
    for pattern in SECRET_PATTERNS:
        text = pattern.regex.sub(_replacer, text)
    return _ASSIGNMENT.sub(_assignment, text)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str | None) -> str | None:
    """`text` with lone surrogates (which SQLite cannot encode) replaced by U+FFFD; None passes through."""
    if text is None or not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub("\ufffd", text)


def scrub_value(value: Any) -> Any:
    """`scrub` applied to every string inside JSON-like data (lists and dicts included)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list | tuple):
        return [scrub_value(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v) for k, v in value.items()}
    return value


def _replacer(match: re.Match[str]) -> str:
    if "secret" not in match.groupdict() or match.group("secret") is None:
        return REDACTED
    start, end = match.span("secret")
    whole_start = match.start()
    s = match.group(0)
    return s[: start - whole_start] + REDACTED + s[end - whole_start :]


def secret_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every secret the patterns find in `text` (the secret group, or the whole match)."""
    spans = []
    for pattern in SECRET_PATTERNS:
        for m in pattern.regex.finditer(text):
            group = "secret" if "secret" in m.groupdict() and m.group("secret") is not None else 0
            spans.append(m.span(group))
    spans += [m.span("secret") for m in _ASSIGNMENT.finditer(text) if _assignment_kind(m)]
    return spans


def find_secrets(text: str) -> list[str]:
    """Names of the secret kinds found in a text (for tests and audits)."""
    found = [p.name for p in SECRET_PATTERNS if p.regex.search(text)]
    found += sorted({kind for m in _ASSIGNMENT.finditer(text) if (kind := _assignment_kind(m))})
    return found


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
        return hmac.new(self._salt, path.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def digest(text: str | None) -> str | None:
    """Unsalted SHA-256 prefix of a text: identifies a prompt without storing it."""
    if text is None:
        return None
    # surrogatepass: an editor buffer may hold lone surrogates, and a digest must take any text.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
