"""Run every Sobelow-compatible check over a project and print Sobelow's JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..issues import Finding
from ..source import SourceFile
from .base import FINDING_TYPES, FileMeta, file_meta, is_disabled, make_finding
from .calls import def_calls, skips_by_def
from .callsite import confidence_at_least, scan_file
from .config_runner import run_config
from .dependencies import run_vuln
from .scope import in_scope
from .skips import is_ignored_file, load_sobelow_conf
from .templates import sigil_raw_uses
from .xss.raw import Template, load_templates, render_findings, template_findings

__all__ = ["FINDING_TYPES", "run_sobelow", "to_sobelow_json"]

SOBELOW_VERSION = "0.13.0"
_CONFIDENCES = ("high", "medium", "low")


def _scanned(src: SourceFile, root: Path, ignored_files: set[Path], asked: frozenset[str], mix_project: bool) -> bool:
    """`_is_scanned`, kept on the SourceFile: a project analysis asks again for every unchanged file."""
    memo = src.__dict__.setdefault("_sobelow_scanned", {})
    key = (root, frozenset(ignored_files), asked, mix_project)
    if key not in memo:
        memo[key] = _is_scanned(src, root, ignored_files, asked, mix_project)
    return bool(memo[key])


def _is_scanned(src: SourceFile, root: Path, ignored_files: set[Path], asked: frozenset[str], mix_project: bool) -> bool:
    name = src.filename.replace("\\", "/")
    if not name.endswith(".ex") or "/mix/tasks/" in "/" + name or not in_scope(root, src.filename, asked, mix_project):
        return False
    if ignored_files:
        path = Path(src.filename)
        path = path if path.is_absolute() else root / path
        if is_ignored_file(path, ignored_files):
            return False
    return True


def _file_meta(src: SourceFile) -> FileMeta:
    """`file_meta`, kept on the SourceFile: a project analysis reuses unchanged files' parses."""
    meta = getattr(src, "_sobelow_meta", None)
    if meta is None:
        meta = src._sobelow_meta = file_meta(src)  # type: ignore[attr-defined]
    return meta


def _scan_file(meta: FileMeta, disabled: frozenset[str], skip: bool) -> list[Finding]:
    """`scan_file`, remembered per file and settings for the same reason."""
    cache = getattr(meta.src, "_sobelow_scans", None)
    if cache is None:
        cache = meta.src._sobelow_scans = {}  # type: ignore[attr-defined]
    key = (disabled, skip)
    if key not in cache:
        cache[key] = scan_file(meta, disabled, skip)
    return cache[key]


def sigil_findings(meta: FileMeta, skip: bool) -> list[Finding]:
    """`raw` inside `~H` sigils: low confidence, like a template's (a `# sobelow_skip` on the def applies)."""
    src = meta.src
    uses = sigil_raw_uses(src)
    if not uses:
        return []
    defs = def_calls(src)
    skips = skips_by_def(src, defs) if skip else {}
    skipped_lines: set[int] = set()
    for d in defs:
        names = skips.get(d.start_byte)
        if names and is_disabled("XSS.Raw", frozenset(names)):
            skipped_lines.update(range(d.start_point[0] + 1, d.end_point[0] + 2))
    return [make_finding("XSS.Raw", src.filename, u.line, "low", {"variable": u.variable})
            for u in uses if u.line not in skipped_lines]


def run_sobelow(
    project_root: Path,
    files: list[SourceFile],
    *,
    ignore: set[str] | None = None,
    skip: bool = True,
    asked: frozenset[str] = frozenset(),
    template_cache: dict[Any, dict[str, Template]] | None = None,
) -> list[Finding]:
    """All Sobelow findings for a project.

    Args:
        project_root: holds `config/`, `mix.lock`, `deps/`, `lib/**/*.html.eex` and `.sobelow-conf`.
        files: the parsed `.ex` files to check (Sobelow's `lib/**/*.ex`, minus `mix/tasks`).
        ignore: finding names or groups to leave out (`XSS.Raw`, `Config`), merged with the
            `ignore` list of `.sobelow-conf`.
        skip: honour `# sobelow_skip ["Type"]` comments (`.sobelow-conf`'s `skip:` can turn this off).
        asked: paths (relative to the root) the user named, scanned even outside `lib/`.
        template_cache: templates read by an earlier run, reused as they are (a project analysis
            passes one while no template changed, saving a walk of the code folders per save).

    Returns findings in order: whole-project config and dependency findings first, then
    call-site findings by file and line.
    """
    conf = load_sobelow_conf(project_root)
    disabled = set(ignore or ()) | conf.ignore
    use_skips = skip and conf.skip is not False
    mix_project = (project_root / "mix.exs").is_file()
    metas = [_file_meta(src) for src in files if _scanned(src, project_root, conf.ignore_files, asked, mix_project)]
    out: list[Finding] = []
    if "Config" not in disabled:
        router = Path(conf.router) if conf.router else None
        out.extend(run_config(project_root, metas, disabled, conf.ignore_files, router))
    if "Vuln" not in disabled:
        out.extend(run_vuln(project_root, disabled))
    templates: dict[str, Template] = {}
    if not ("XSS" in disabled or "XSS.Raw" in disabled):
        key = (project_root, frozenset(conf.ignore_files))
        cached = template_cache.get(key) if template_cache is not None else None
        templates = cached if cached is not None else load_templates(project_root, conf.ignore_files)
        if template_cache is not None:
            template_cache[key] = templates
    code: list[Finding] = []
    for meta in metas:
        code.extend(_scan_file(meta, frozenset(disabled), use_skips))
        code.extend(render_findings(meta, templates, use_skips))
    code.extend(template_findings(templates))
    if not ("XSS" in disabled or "XSS.Raw" in disabled):
        for meta in metas:
            code.extend(sigil_findings(meta, use_skips))

    code.sort(key=lambda f: (f.file, f.line))
    out.extend(code)
    return [f for f in out if confidence_at_least(f.confidence, conf.threshold)]


def to_sobelow_json(findings: list[Finding], version: str = SOBELOW_VERSION) -> dict[str, Any]:
    """The document `mix sobelow --format json` prints.

    Sobelow builds Elixir maps, which print their keys sorted; each confidence list holds
    the findings most recently logged first, so we list them in reverse report order.
    """
    groups: dict[str, list[dict[str, Any]]] = {c: [] for c in _CONFIDENCES}
    for f in reversed(findings):
        entry: dict[str, Any] = {"type": f.type, "file": f.file, "line": f.line}
        entry.update(f.details)
        groups.setdefault(f.confidence, []).append(dict(sorted(entry.items())))
    return {
        "findings": {
            "high_confidence": groups["high"],
            "low_confidence": groups["low"],
            "medium_confidence": groups["medium"],
        },
        "sobelow_version": version,
        "total_findings": len(findings),
    }
