"""Analysing one open document: skip rules (size, binary, non-UTF-8), project root, engine choice, results cache."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from elixir_coder.analysis.runner import AnalysisOptions, AnalysisResult, analyze_sources
from elixir_coder.analysis.source import SourceFile

from .settings import Settings

log = logging.getLogger(__name__)

# A buffer with this many replacement characters came from a file the editor could not decode.
_REPLACEMENT = "\ufffd"
_EXTERNAL_TTL_S = 600.0


def uri_to_path(uri: str) -> Path | None:
    """Filesystem path of a file:// URI (None for other schemes or unparsable URIs)."""
    try:
        parsed = urlparse(uri)
    except ValueError:
        return None
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and len(path) > 2 and path[0] == "/" and path[2] == ":":
        path = path[1:]
    return Path(path)


def project_root_for(path: Path | None, workspace_root: Path | None) -> Path:
    """Nearest directory holding mix.exs above the file, else the workspace root, else the file's folder."""
    if path is not None:
        for candidate in path.parents:
            try:
                if (candidate / "mix.exs").is_file():
                    return candidate
            except OSError:
                break
    if workspace_root is not None:
        return workspace_root
    return path.parent if path is not None else Path.cwd()


def display_name(path: Path | None, root: Path, uri: str) -> str:
    """The file name as analysis results carry it: relative to the project root when possible."""
    if path is None:
        return uri
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def skip_reason(text: str, max_bytes: int, path: Path | None = None) -> str | None:
    """Why a document must not be analysed (None when it can be): too large, binary, not UTF-8."""
    if len(text) > max_bytes or len(text.encode("utf-8", errors="surrogatepass")) > max_bytes:
        size = len(text.encode("utf-8", errors="surrogatepass"))
        return f"{size} bytes is over maxFileBytes ({max_bytes})"
    if "\x00" in text:
        return "binary content (NUL bytes)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (lone surrogates)"
    if _REPLACEMENT in text and path is not None:
        try:
            with path.open("rb") as fh:
                raw = fh.read(max_bytes + 1)
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8 on disk (the editor shows replacement characters)"
        except OSError:
            pass
    return None


def matches_disk(text: str, path: Path | None) -> bool:
    """Whether the buffer is what the file on disk holds (the real tools read the disk)."""
    if path is None:
        return False
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _drop_disabled(result: AnalysisResult, disabled: tuple[str, ...]) -> AnalysisResult:
    """Remove issues and findings of checks the settings switch off (full or short names)."""
    if not disabled:
        return result
    off = set(disabled)

    def credo_off(check: str) -> bool:
        short = check.removeprefix("Credo.Check.")
        return bool({check, short, short.rsplit(".", 1)[-1]} & off)

    result.issues = [i for i in result.issues if not credo_off(i.check)]
    result.findings = [f for f in result.findings if not ({f.type_name, f.type_name.split(".")[0]} & off)]
    return result


def analysis_options(settings: Settings) -> AnalysisOptions:
    """Built-in analyzer options from the settings."""
    return AnalysisOptions(strict=settings.strict, enable=settings.enabled_checks,
                           credo=settings.credo, sobelow=settings.sobelow)


ExternalRunner = Callable[[Path, bool], "AnalysisResult | None"]


def default_external_runner() -> ExternalRunner | None:
    """`analysis.external.run_external` when that module exists, else None (import guarded)."""
    try:
        from elixir_coder.analysis.external import run_external
    except ImportError:
        return None

    def run(root: Path, strict: bool) -> AnalysisResult | None:
        return run_external(root, strict=strict)

    return run


@dataclass
class Outcome:
    """What analysing a document gave: a result, or a reason it was skipped; plus log lines."""

    result: AnalysisResult | None
    name: str
    skipped: str | None = None
    logs: list[str] = field(default_factory=list)


class ExternalCache:
    """Whole-project results of the real tools, per root, until a save under that root (thread-safe)."""

    def __init__(self, ttl_s: float = _EXTERNAL_TTL_S) -> None:
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[float, AnalysisResult | None]] = {}

    def get(self, root: Path) -> tuple[bool, AnalysisResult | None]:
        """(hit, result) for a root."""
        with self._lock:
            entry = self._entries.get(root)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return False, None
        return True, entry[1]

    def put(self, root: Path, result: AnalysisResult | None) -> None:
        """Remember a root's result (None: the tools are not available there)."""
        with self._lock:
            self._entries[root] = (time.monotonic(), result)

    def invalidate(self, root: Path) -> None:
        """Forget a root's result (after a save)."""
        with self._lock:
            self._entries.pop(root, None)


def _copy_for(result: AnalysisResult, name: str) -> AnalysisResult:
    """The part of a project-wide result that concerns one file."""
    norm = os.path.normpath(name)
    return AnalysisResult(
        issues=[i for i in result.issues if os.path.normpath(i.filename) == norm],
        findings=[f for f in result.findings if os.path.normpath(f.file) == norm],
        problems=[p for p in result.problems if os.path.normpath(p.filename) == norm],
        files=[name],
        engine=result.engine,
    )


def analyse_document(
    uri: str,
    text: str,
    settings: Settings,
    workspace_root: Path | None,
    allow_external: bool = True,
    external: ExternalRunner | None = None,
    external_cache: ExternalCache | None = None,
) -> Outcome:
    """Analyse one document's text; never raises for bad input (the reason lands in `skipped`).

    The real tools run (`analyzer` auto or mix) only when `allow_external` is set (open and
    save) and the buffer matches the disk, since they read the files themselves; otherwise,
    or when they are unavailable or fail, the built-in analyzer runs on the buffer.
    """
    path = uri_to_path(uri)
    root = project_root_for(path, workspace_root)
    name = display_name(path, root, uri)
    reason = skip_reason(text, settings.max_file_bytes, path)
    if reason is not None:
        return Outcome(None, name, skipped=f"{name}: {reason}; not analysed")
    logs: list[str] = []
    result: AnalysisResult | None = None
    if settings.analyzer in ("auto", "mix") and allow_external:
        if external is None:
            if settings.analyzer == "mix":
                logs.append("analyzer 'mix' is not available in this installation; using the built-in analyzer")
        elif matches_disk(text, path):
            hit, result = external_cache.get(root) if external_cache is not None else (False, None)
            if not hit:
                result = _external_result(root, settings, external, external_cache, logs)
                if result is None and settings.analyzer == "mix" and not logs:
                    logs.append(f"{root}: mix credo/sobelow unavailable (not in mix.lock or mix not on PATH); "
                                "using the built-in analyzer")
            if result is not None:
                result = _copy_for(result, name)
        elif settings.analyzer == "mix":
            logs.append(f"{name}: unsaved changes; the built-in analyzer checks the buffer")
    if result is None:
        src = SourceFile(filename=name, text=text.removeprefix("\ufeff"))
        result = analyze_sources([src], root, analysis_options(settings))
    return Outcome(_drop_disabled(result, settings.disabled_checks), name, logs=logs)


def _external_result(
    root: Path, settings: Settings, external: ExternalRunner, cache: ExternalCache | None, logs: list[str]
) -> AnalysisResult | None:
    """Run the real tools for a project (and cache the outcome); None to fall back to the built-in analyzer."""
    try:
        result = external(root, bool(settings.strict))
    except Exception as exc:  # noqa: BLE001 - a broken tool install must not cost the diagnostics
        logs.append(f"mix credo/sobelow failed ({exc}); using the built-in analyzer")
        result = None
    if result is not None and result.problems:
        logs.extend(f"mix: {p.message}" for p in result.problems)
        result = None  # a tool failed: the built-in analyzer covers both parts
    if cache is not None:
        cache.put(root, result)
    return result
