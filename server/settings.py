"""The language server's settings: typed, fully defaulted, read from initializationOptions or configuration.

Unknown keys and bad values never fail a request: each is reported as a warning line and the
base value (the default, or what initializationOptions set) stays in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

ANALYZERS = ("auto", "builtin", "mix")

# Keys under which editors nest the server's section ({"elixirCoder": {...}}).
SECTION_KEYS = ("elixirCoder", "elixir-coder", "elixir_coder")


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure; the defaults need no configuration at all.

    Args:
        analyzer: `auto` runs the real mix credo/sobelow when the project has them, else the
            built-in analyzer; `builtin` and `mix` force one (`mix` falls back to the
            built-in analyzer, with a log line, when the tools are missing).
        strict: show low-priority Credo issues (None: take `.credo.exs`'s `strict`).
        credo / sobelow: which diagnostics to publish.
        diagnostics_on_change: also analyse while typing (debounced), not only on open and save.
        project_diagnostics: diagnostics for every project file, opened or not (on start and on save).
        debounce_ms: wait after the last change before analysing.
        max_file_bytes: larger documents are skipped with a log message.
        disabled_checks / enabled_checks: check names (full or short) switched off / opt-in checks on.
        docs_base_url: where the check pages live; None links to the installed `docs/checks/`.
        completions_enabled: serve inline and classic completions.
        completion_max_tokens: new tokens at most for a multi-line completion.
        completion_prompt_tokens: prompt tokens at most; the prompt's length dominates latency on
            a CPU (the nearest lines are kept, so a short prompt still sees the cursor's context).
        completion_line_prompt_tokens: prompt tokens at most for a single-line completion (and
            never more than `completion_prompt_tokens`): prefilling the prompt is most of a short
            answer's cost, and 192 tokens propose as well as 256 on held-out code (docs/reports/context.md).
        constrained_decoding: keep completions lexically valid (see model/constraints.py).
        guided_decoding: with constrained decoding, keep calls, struct keys and attributes to ones
            that exist (model/guided.py, server/api_index.py).
        checked_proposals: cut back or drop proposals that add a Credo warning or a Sobelow
            finding (server/completion_findings.py).
        repository_context: put definitions and similar code from other project files into the
            prompt (server/repo_context.py); off by default: with the shipped model it cost more
            milliseconds than it gained (docs/reports/context.md).
        repository_context_tokens: prompt tokens the repository context may add (docs/reports/context.md).
        completion_alternatives: proposals per request, 1 to 3; past the first, sampled only when the
            first came within 25 ms (clients cycle through them).
        adapter: `auto` (routed by file and project) or an adapter name.
        model_path: a model directory instead of the registry's current version.
        device / compute_type: CTranslate2 device and compute type (None: int8 on CPU).
        remote_url / remote_model / remote_api_key: an OpenAI-compatible completion server
            used instead of the local model.
        telemetry: record feedback events in the local store.
        telemetry_path: the feedback database (None: the default location).
        edit_check_delay_seconds: how long after an acceptance the edit is measured.
        clarify_entropy / clarify_clusters: "Generate implementation" asks a question when the
            sampled candidates' semantic entropy (nats) or cluster count reaches these.
        quality_model: generate and clarification use the registry's quality model (a larger model,
            `elixir-coder model set-quality`) when one is there; completions never do.
        extra: unknown keys, kept so they can be logged and inspected, never used.
    """

    analyzer: str = "auto"
    strict: bool | None = None
    credo: bool = True
    sobelow: bool = True
    diagnostics_on_change: bool = False
    project_diagnostics: bool = True
    debounce_ms: int = 300
    max_file_bytes: int = 2 * 1024 * 1024
    disabled_checks: tuple[str, ...] = ()
    enabled_checks: tuple[str, ...] = ()
    docs_base_url: str | None = None
    completions_enabled: bool = True
    completion_max_tokens: int = 64
    completion_prompt_tokens: int = 256
    completion_line_prompt_tokens: int = 192
    constrained_decoding: bool = True
    guided_decoding: bool = True
    checked_proposals: bool = True
    repository_context: bool = False
    repository_context_tokens: int = 128
    completion_alternatives: int = 1
    adapter: str = "auto"
    model_path: str | None = None
    device: str = "cpu"
    compute_type: str | None = None
    remote_url: str | None = None
    remote_model: str | None = None
    remote_api_key: str | None = None
    telemetry: bool = True
    telemetry_path: str | None = None
    edit_check_delay_seconds: int = 30
    clarify_entropy: float = 0.5
    clarify_clusters: int = 3
    quality_model: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


_ALIASES = {  # camelCase names as VS Code and Neovim users write them
    "diagnosticsOnChange": "diagnostics_on_change",
    "projectDiagnostics": "project_diagnostics",
    "debounceMs": "debounce_ms",
    "maxFileBytes": "max_file_bytes",
    "disabledChecks": "disabled_checks",
    "enabledChecks": "enabled_checks",
    "docsBaseUrl": "docs_base_url",
    "completionsEnabled": "completions_enabled",
    "completionMaxTokens": "completion_max_tokens",
    "completionPromptTokens": "completion_prompt_tokens",
    "completionLinePromptTokens": "completion_line_prompt_tokens",
    "constrainedDecoding": "constrained_decoding",
    "guidedDecoding": "guided_decoding",
    "checkedProposals": "checked_proposals",
    "repositoryContext": "repository_context",
    "repositoryContextTokens": "repository_context_tokens",
    "completionAlternatives": "completion_alternatives",
    "modelPath": "model_path",
    "computeType": "compute_type",
    "remoteUrl": "remote_url",
    "remoteModel": "remote_model",
    "remoteApiKey": "remote_api_key",
    "telemetryPath": "telemetry_path",
    "editCheckDelaySeconds": "edit_check_delay_seconds",
    "clarifyEntropy": "clarify_entropy",
    "clarifyClusters": "clarify_clusters",
    "qualityModel": "quality_model",
}

ADAPTERS = ("auto", "base", "exunit", "phoenix", "nerves")
DEVICES = ("cpu", "cuda", "auto")
# Settings whose value is an optional string (null or blank: not set).
_OPTIONAL_STRINGS = ("docs_base_url", "model_path", "compute_type", "remote_url", "remote_model",
                     "remote_api_key", "telemetry_path")

_MINIMUM = {"max_file_bytes": 1, "debounce_ms": 0, "completion_max_tokens": 1, "completion_prompt_tokens": 32,
            "completion_line_prompt_tokens": 32,
            "clarify_clusters": 2, "completion_alternatives": 1, "repository_context_tokens": 0}
_MAXIMUM = {"debounce_ms": 60_000, "completion_max_tokens": 1024, "completion_prompt_tokens": 8192,
            "completion_line_prompt_tokens": 8192,
            "edit_check_delay_seconds": 3600, "completion_alternatives": 3, "repository_context_tokens": 1024}


def _coerce(name: str, value: Any, default: Any) -> Any:
    """The typed value for one setting; raises ValueError with a reason when it is unusable."""
    if name == "analyzer":
        if value not in ANALYZERS:
            raise ValueError(f"must be one of {', '.join(ANALYZERS)}")
        return value
    if name == "strict":
        if value is None or isinstance(value, bool):
            return value
        raise ValueError("must be true, false or null")
    if name == "adapter" or name == "device":
        allowed = ADAPTERS if name == "adapter" else DEVICES
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value
    if name in _OPTIONAL_STRINGS:
        if value is not None and not isinstance(value, str):
            raise ValueError("must be a string or null")
        return value.strip() or None if isinstance(value, str) else None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        low, high = _MINIMUM.get(name, 0), _MAXIMUM.get(name)
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be between {low} and {high}" if high is not None else f"must be at least {low}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
            raise ValueError("must be a number between 0 and 10")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of strings")
        return tuple(value)
    return value


def section_of(raw: Any) -> Any:
    """The server's own section of a settings payload (top level when it is not nested)."""
    if isinstance(raw, Mapping):
        for key in SECTION_KEYS:
            if isinstance(raw.get(key), Mapping):
                return raw[key]
    return raw


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from a JSON object (top level, or under an `elixirCoder` key); returns (settings, warnings).

    Keys missing from `raw` keep `base`'s value (default: `Settings()`); so do bad values,
    each with a warning. Unknown keys are ignored with a warning.
    """
    base = base or Settings()
    warnings: list[str] = []
    if raw is None:
        return base, warnings
    raw = section_of(raw)
    if not isinstance(raw, Mapping):
        return base, [f"settings must be an object, got {type(raw).__name__}; ignored"]
    known = {f.name for f in fields(Settings) if f.name != "extra"}
    defaults = Settings()
    changes: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        name = _ALIASES.get(key, key)
        if name not in known:
            extra[key] = value
            warnings.append(f"unknown setting {key!r} ignored")
            continue
        try:
            changes[name] = _coerce(name, value, getattr(defaults, name))
        except ValueError as exc:
            warnings.append(f"setting {key!r} {exc} (got {value!r}); using {getattr(base, name)!r}")
    return replace(base, **changes, extra={**base.extra, **extra}), warnings
