"""Reading `.credo.exs`: which checks run, with which params, whether `strict` is on, which files.

Both of Credo's forms are understood: `checks: [{Check, params}, {Check, false}]` (merged into
the defaults) and `checks: %{enabled: [...], disabled: [...]}` (where `enabled`, when given,
is the complete list of checks to run).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .terms import Atom, Regex, TermError, keyword_get, parse_term_file, to_plain

CONFIG_LOCATIONS = (".credo.exs", "config/.credo.exs")
DEFAULT_INCLUDED = ("lib/", "src/", "test/", "web/", "apps/*/lib/", "apps/*/src/", "apps/*/test/", "apps/*/web/")
DEFAULT_EXCLUDED = ("_build/", "deps/", "node_modules/")


# What Credo's bundled default configuration (used when a project has no .credo.exs) sets
# beyond each check's own defaults; `mix credo gen.config` writes the same values out.
CREDO_DEFAULT_CONFIG_PARAMS: dict[str, dict[str, Any]] = {
    "Credo.Check.Design.AliasUsage": {"priority": "low", "if_nested_deeper_than": 2, "if_called_more_often_than": 0},
    "Credo.Check.Readability.MaxLineLength": {"priority": "low", "max_length": 120},
}


class CredoConfigError(ValueError):
    """`.credo.exs` exists but cannot be read as a Credo configuration."""


@dataclass
class CredoConfig:
    """The parts of a Credo configuration the analyzer honours."""

    strict: bool = False
    # None: Credo's default set. Otherwise exactly these checks (full names).
    only_enabled: set[str] | None = None
    extra_enabled: set[str] = field(default_factory=set)
    disabled: set[str] = field(default_factory=set)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    included: list[str | Regex] = field(default_factory=lambda: list(DEFAULT_INCLUDED))
    excluded: list[str | Regex] = field(default_factory=lambda: list(DEFAULT_EXCLUDED))
    source: Path | None = None

    def is_enabled(self, name: str, enabled_by_default: bool) -> bool:
        """Whether the configuration runs this check."""
        if name in self.disabled:
            return False
        if self.only_enabled is not None:
            return name in self.only_enabled
        return enabled_by_default or name in self.extra_enabled

    def params_for(self, name: str) -> dict[str, Any]:
        """User params for a check (empty when none are set)."""
        return self.params.get(name, {})

    def includes_file(self, relative: str) -> bool:
        """Credo's `files: %{included, excluded}` filter on a path relative to the project root."""
        rel = relative.replace("\\", "/")

        def matches(pattern: str | Regex) -> bool:
            if isinstance(pattern, Regex):
                return pattern.compile().search(rel) is not None
            if any(ch in pattern for ch in "*?["):
                return fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern.rstrip("/") + "/*")
            return rel == pattern or rel.startswith(pattern.rstrip("/") + "/")

        if any(matches(p) for p in self.excluded):
            return False
        return any(matches(p) for p in self.included)


def _check_name(value: Any) -> str | None:
    if isinstance(value, Atom):
        return value.name.removeprefix("Elixir.")
    return None


def _apply_check_list(config: CredoConfig, entries: Any, enabled_target: set[str] | None) -> None:
    if not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, Atom):
            entry = (entry, [])
        if not isinstance(entry, tuple) or not entry:
            continue
        name = _check_name(entry[0])
        if name is None:
            continue
        params = entry[1] if len(entry) > 1 else []
        if params is False:
            config.disabled.add(name)
            continue
        if enabled_target is not None:
            enabled_target.add(name)
        plain = to_plain(params) if isinstance(params, list) else {}
        if isinstance(plain, dict) and plain:
            config.params.setdefault(name, {}).update(plain)


def parse_credo_config(text: str, filename: str = ".credo.exs", name: str = "default") -> CredoConfig:
    """Parse the text of a `.credo.exs` file and select the named configuration."""
    try:
        term = parse_term_file(text, filename)
    except TermError as exc:
        raise CredoConfigError(str(exc)) from exc
    configs = keyword_get(term, "configs")
    if not isinstance(configs, list) or not configs:
        raise CredoConfigError(f"{filename}: expected `%{{configs: [...]}}`")
    chosen = next((c for c in configs if keyword_get(c, "name") == name), configs[0])
    config = CredoConfig(source=Path(filename))
    config.strict = keyword_get(chosen, "strict", False) is True
    files = keyword_get(chosen, "files")
    if files is not None:
        inc = keyword_get(files, "included")
        excl = keyword_get(files, "excluded")
        if isinstance(inc, list):
            config.included = [p for p in inc if isinstance(p, str | Regex)]
        if isinstance(excl, list):
            config.excluded = [p for p in excl if isinstance(p, str | Regex)]
    checks = keyword_get(chosen, "checks")
    if isinstance(checks, list):
        _apply_check_list(config, checks, config.extra_enabled)
    elif isinstance(checks, dict):
        enabled = keyword_get(checks, "enabled")
        if enabled is not None:
            config.only_enabled = set()
            _apply_check_list(config, enabled, config.only_enabled)
        extra = keyword_get(checks, "extra")
        if extra is not None:
            _apply_check_list(config, extra, config.extra_enabled)
        _apply_check_list(config, keyword_get(checks, "disabled"), None)
        for name_ in list(config.disabled):
            if config.only_enabled is not None:
                config.only_enabled.discard(name_)
        # `disabled: [{Check, []}]` lists checks without `false`.
        disabled_entries = keyword_get(checks, "disabled")
        if isinstance(disabled_entries, list):
            for entry in disabled_entries:
                check = _check_name(entry[0] if isinstance(entry, tuple) and entry else entry)
                if check:
                    config.disabled.add(check)
    return config


def load_credo_config(root: Path, name: str = "default") -> CredoConfig:
    """The project's `.credo.exs` (or `config/.credo.exs`), or Credo's defaults when there is none."""
    for rel in CONFIG_LOCATIONS:
        path = root / rel
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CredoConfigError(f"{path}: cannot read ({exc})") from exc
            config = parse_credo_config(text, str(path), name)
            config.source = path
            return config
    return CredoConfig(params={k: dict(v) for k, v in CREDO_DEFAULT_CONFIG_PARAMS.items()})
