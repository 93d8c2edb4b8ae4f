"""Config.Secrets: literal secrets in `config/*.exs`."""

from __future__ import annotations

from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding
from ..config_parsing import config_keywords, literal_string


def _is_env_placeholder(value: str) -> bool:
    return value.startswith("${") and value.endswith("}")


def _secret_line(src: SourceFile, value: str, fallback: int) -> int:
    """The line of the last occurrence of the quoted secret in the file, as Sobelow reports it."""
    needle = f'"{value}"'
    idx = src.text.rfind(needle)
    return src.text.count("\n", 0, idx) + 1 if idx >= 0 else fallback


def secrets_findings(src: SourceFile, name: str) -> list[Finding]:
    """Config.Secrets: literal `secret_key_base` (outside config.exs) and keys naming a password or secret."""
    out = []
    configs = config_keywords(src)
    if name != "config.exs":
        for call, pairs in configs:
            for key, value in pairs:
                if key == "secret_key_base":
                    text = literal_string(src, value)
                    if text and not _is_env_placeholder(text):
                        out.append(make_finding("Config.Secrets", src.filename,
                                                _secret_line(src, text, src.line_of(call)), "high", {"key": key}))
                    break
    for word in ("password", "secret"):
        for call, pairs in configs:
            for key, value in pairs:
                if key == "secret_key_base" or word not in key.lower():
                    continue
                text = literal_string(src, value)
                if text and not _is_env_placeholder(text):
                    out.append(make_finding("Config.Secrets", src.filename,
                                            _secret_line(src, text, src.line_of(call)), "high", {"key": key}))
    return out
