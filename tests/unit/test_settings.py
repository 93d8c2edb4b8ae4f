"""Server settings: defaults need no configuration; bad input is reported and ignored."""

from __future__ import annotations

from elixir_coder.server.settings import Settings, parse_settings


def test_defaults_and_nested_key() -> None:
    s, warnings = parse_settings(None)
    assert s == Settings() and warnings == []
    s, warnings = parse_settings({"elixirCoder": {"analyzer": "builtin", "debounceMs": 50, "disabledChecks": ["X"]}})
    assert (s.analyzer, s.debounce_ms, s.disabled_checks) == ("builtin", 50, ("X",)) and warnings == []


def test_bad_values_keep_previous_and_warn() -> None:
    base, _ = parse_settings({"strict": True})
    s, warnings = parse_settings({"analyzer": "magic", "debounce_ms": -3, "strict": "yes", "nope": 1}, base)
    assert s.analyzer == "auto" and s.debounce_ms == 300 and s.strict is True
    assert len(warnings) == 4 and any("nope" in w for w in warnings)
    s, warnings = parse_settings(["not", "an", "object"])
    assert s == Settings() and warnings
