"""Server settings: defaults need no configuration; unknown keys and bad values are reported and ignored."""

from __future__ import annotations

from elixir_coder.server.settings import Settings, parse_settings, section_of


def test_defaults_need_no_configuration() -> None:
    s, warnings = parse_settings(None)
    assert s == Settings() and warnings == []
    assert (s.analyzer, s.strict, s.credo, s.sobelow) == ("auto", None, True, True)
    assert (s.diagnostics_on_change, s.debounce_ms, s.max_file_bytes) == (False, 300, 2 * 1024 * 1024)
    assert (s.disabled_checks, s.enabled_checks, s.docs_base_url) == ((), (), None)
    assert parse_settings({}) == (Settings(), [])


def test_nested_section_and_camel_case() -> None:
    raw = {"elixirCoder": {"analyzer": "builtin", "debounceMs": 50, "disabledChecks": ["X"],
                           "diagnosticsOnChange": True, "maxFileBytes": 1000, "docsBaseUrl": "https://x/checks/"}}
    s, warnings = parse_settings(raw)
    assert warnings == []
    assert (s.analyzer, s.debounce_ms, s.disabled_checks, s.diagnostics_on_change, s.max_file_bytes) == (
        "builtin", 50, ("X",), True, 1000)
    assert s.docs_base_url == "https://x/checks/"
    assert parse_settings({"elixir_coder": {"strict": True}})[0].strict is True
    assert section_of({"other": 1}) == {"other": 1}


def test_snake_case_keys_work_too() -> None:
    s, warnings = parse_settings({"max_file_bytes": 10, "enabled_checks": ["Warning.UnsafeToAtom"], "sobelow": False})
    assert warnings == [] and s.max_file_bytes == 10 and s.enabled_checks == ("Warning.UnsafeToAtom",)
    assert s.sobelow is False


def test_bad_values_fall_back_with_a_warning() -> None:
    s, warnings = parse_settings({"analyzer": "magic", "debounceMs": -3, "strict": "yes", "credo": 1,
                                  "maxFileBytes": 0, "disabledChecks": "Readability.LargeNumbers",
                                  "docsBaseUrl": 5, "nope": 1})
    assert s == Settings()
    assert len(warnings) == 8
    assert any("'nope'" in w and "unknown" in w for w in warnings)
    assert any("'analyzer'" in w and "auto, builtin, mix" in w for w in warnings)
    assert all("using" in w for w in warnings if "unknown" not in w)
    assert s.extra == {"nope": 1}


def test_base_values_survive_bad_input() -> None:
    base, _ = parse_settings({"strict": True, "analyzer": "builtin"})
    s, warnings = parse_settings({"analyzer": "magic", "debounceMs": True}, base)
    assert s.analyzer == "builtin" and s.strict is True and s.debounce_ms == 300
    assert len(warnings) == 2
    # keys the new payload does not name keep the base value
    s, _ = parse_settings({"disabledChecks": ["A"]}, base)
    assert (s.strict, s.analyzer, s.disabled_checks) == (True, "builtin", ("A",))


def test_non_objects_are_ignored() -> None:
    for raw in (["not", "an", "object"], "x", 3):
        s, warnings = parse_settings(raw)
        assert s == Settings() and len(warnings) == 1


def test_empty_docs_url_means_installed_pages() -> None:
    assert parse_settings({"docsBaseUrl": "  "})[0].docs_base_url is None
    assert parse_settings({"docsBaseUrl": None})[0].docs_base_url is None
