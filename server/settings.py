"""The language server's settings: typed, fully defaulted, read from initializationOptions or configuration.

Unknown keys and bad values never fail a request: they are reported as warnings and the
default stays in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

ANALYZERS = ("auto", "builtin", "mix")


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure; the defaults need no configuration at all.

    Args:
        analyzer: `auto` runs the real mix credo/sobelow when the project has them, else the
            built-in analyzer; `builtin` and `mix` force one.
        strict: show low-priority Credo issues (None: take `.credo.exs`'s `strict`).
        credo / sobelow: which diagnostics to publish.
        diagnostics_on_change: also analyse while typing (debounced), not only on open and save.
        debounce_ms: wait after the last change before analysing.
        max_file_bytes: larger documents are skipped with a log message.
        disabled_checks / enabled_checks: check names (full or short) switched off / opt-in checks on.
        docs_base_url: where the check pages live; None links to the packaged `docs/checks/`.
    """

    analyzer: str = "auto"
    strict: bool | None = None
    credo: bool = True
    sobelow: bool = True
    diagnostics_on_change: bool = False
    debounce_ms: int = 300
    max_file_bytes: int = 2 * 1024 * 1024
    disabled_checks: tuple[str, ...] = ()
    enabled_checks: tuple[str, ...] = ()
    docs_base_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


_ALIASES = {  # camelCase names as VS Code and Neovim users write them
    "diagnosticsOnChange": "diagnostics_on_change",
    "debounceMs": "debounce_ms",
    "maxFileBytes": "max_file_bytes",
    "disabledChecks": "disabled_checks",
    "enabledChecks": "enabled_checks",
    "docsBaseUrl": "docs_base_url",
}


def _coerce(name: str, value: Any, default: Any) -> Any:
    if name == "analyzer":
        if value not in ANALYZERS:
            raise ValueError(f"must be one of {', '.join(ANALYZERS)}")
        return value
    if name == "strict":
        if value is None or isinstance(value, bool):
            return value
        raise ValueError("must be true, false or null")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("must be a non-negative integer")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of strings")
        return tuple(value)
    if name == "docs_base_url":
        if value is not None and not isinstance(value, str):
            raise ValueError("must be a string")
        return value
    return value


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from a JSON object (top level, or under an `elixirCoder` key); returns (settings, warnings)."""
    base = base or Settings()
    warnings: list[str] = []
    if raw is None:
        return base, warnings
    if not isinstance(raw, dict):
        return base, [f"settings must be an object, got {type(raw).__name__}; using defaults"]
    if isinstance(raw.get("elixirCoder"), dict):
        raw = raw["elixirCoder"]
    known = {f.name: f for f in fields(Settings) if f.name != "extra"}
    changes: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        name = _ALIASES.get(key, key)
        if name not in known:
            extra[key] = value
            warnings.append(f"unknown setting {key!r} ignored")
            continue
        try:
            changes[name] = _coerce(name, value, getattr(Settings(), name))
        except ValueError as exc:
            warnings.append(f"setting {key!r} {exc}; keeping {getattr(base, name)!r}")
    return replace(base, **changes, extra={**base.extra, **extra}), warnings
