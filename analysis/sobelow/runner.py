"""Run every Sobelow-compatible check over a project and print Sobelow's JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..issues import Finding
from ..source import SourceFile
from .base import FINDING_TYPES, file_meta
from .callsite import confidence_at_least, scan_file
from .config_runner import run_config
from .dependencies import run_vuln
from .skips import load_sobelow_conf
from .xss.raw import load_templates, render_findings, template_findings

__all__ = ["FINDING_TYPES", "run_sobelow", "to_sobelow_json"]

SOBELOW_VERSION = "0.13.0"
_CONFIDENCES = ("high", "medium", "low")


def _scanned(src: SourceFile, root: Path, ignored_files: set[Path]) -> bool:
    name = src.filename.replace("\\", "/")
    if not name.endswith(".ex") or "/mix/tasks/" in "/" + name:
        return False
    if ignored_files:
        path = Path(src.filename)
        path = path if path.is_absolute() else root / path
        if path.resolve() in ignored_files:
            return False
    return True


def run_sobelow(
    project_root: Path,
    files: list[SourceFile],
    *,
    ignore: set[str] | None = None,
    skip: bool = True,
) -> list[Finding]:
    """All Sobelow findings for a project.

    Args:
        project_root: holds `config/`, `mix.lock`, `deps/`, `lib/**/*.html.eex` and `.sobelow-conf`.
        files: the parsed `.ex` files to check (Sobelow's `lib/**/*.ex`, minus `mix/tasks`).
        ignore: finding names or groups to leave out (`XSS.Raw`, `Config`), merged with the
            `ignore` list of `.sobelow-conf`.
        skip: honour `# sobelow_skip ["Type"]` comments (`.sobelow-conf`'s `skip:` can turn this off).

    Returns findings in order: whole-project config and dependency findings first, then
    call-site findings by file and line.
    """
    conf = load_sobelow_conf(project_root)
    disabled = set(ignore or ()) | conf.ignore
    use_skips = skip and conf.skip is not False
    metas = [file_meta(src) for src in files if _scanned(src, project_root, conf.ignore_files)]
    out: list[Finding] = []
    if "Config" not in disabled:
        router = Path(conf.router) if conf.router else None
        out.extend(run_config(project_root, metas, disabled, conf.ignore_files, router))
    if "Vuln" not in disabled:
        out.extend(run_vuln(project_root, disabled))
    templates = {} if ("XSS" in disabled or "XSS.Raw" in disabled) else load_templates(
        project_root, conf.ignore_files
    )
    code: list[Finding] = []
    for meta in metas:
        code.extend(scan_file(meta, disabled, use_skips))
        code.extend(render_findings(meta, templates, use_skips))
    code.extend(template_findings(templates))
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
