"""Run the real `mix credo` and `mix sobelow` when a project has them, and map their JSON to our types.

`auto` mode uses them when `mix.lock` lists the tool and `mix` is on PATH; otherwise the
built-in analyzer runs. Both produce the same Issue and Finding objects.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .issues import Finding, Issue
from .runner import AnalysisResult, FileProblem

log = logging.getLogger(__name__)

_LOCK_ENTRY = re.compile(r'^\s*"(?P<name>[a-z_]+)":\s*\{', re.M)
DEFAULT_TIMEOUT_S = 120.0


class ExternalToolError(RuntimeError):
    """The real tool ran but failed or printed something that is not its JSON."""


def locked_packages(root: Path) -> set[str]:
    """Package names listed in the project's mix.lock (empty when there is none)."""
    lock = root / "mix.lock"
    try:
        return {m.group("name") for m in _LOCK_ENTRY.finditer(lock.read_text(encoding="utf-8"))}
    except (OSError, UnicodeDecodeError):
        return set()


def available_tools(root: Path) -> set[str]:
    """Which of credo and sobelow can run for real in this project."""
    if shutil.which("mix") is None:
        return set()
    return locked_packages(root) & {"credo", "sobelow"}


def _json_tail(output: str) -> Any:
    """The JSON document in a tool's output (mix may print compile lines before it)."""
    start = output.find("{")
    if start < 0:
        raise ExternalToolError("no JSON in output")
    try:
        return json.loads(output[start:])
    except json.JSONDecodeError as exc:
        raise ExternalToolError(f"bad JSON: {exc}") from exc


def _run_mix(root: Path, args: list[str], timeout: float) -> Any:
    try:
        proc = subprocess.run(
            ["mix", *args], cwd=root, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExternalToolError(f"mix {args[0]}: {exc}") from exc
    # credo exits non-zero when it finds issues; only a missing JSON document is a failure.
    try:
        return _json_tail(proc.stdout)
    except ExternalToolError as exc:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        raise ExternalToolError(f"mix {args[0]} exited {proc.returncode}: {detail[0]}") from exc


def issues_from_credo_json(doc: dict[str, Any]) -> list[Issue]:
    """Map `mix credo --format json` output to Issue objects."""
    out = []
    for item in doc.get("issues", []):
        out.append(
            Issue(
                check=str(item.get("check", "")).removeprefix("Elixir."),
                category=str(item.get("category", "")),
                message=str(item.get("message", "")),
                filename=str(item.get("filename", "")),
                line_no=item.get("line_no"),
                column=item.get("column"),
                column_end=item.get("column_end"),
                trigger=item.get("trigger"),
                priority=int(item.get("priority") or 0),
                scope=item.get("scope"),
            )
        )
    return out


def _type_ids() -> dict[str, str]:
    """Finding id by the names Sobelow prints in `type` (module names such as `Vuln.CookieRCE` too)."""
    from .sobelow.base import FINDING_TYPES

    ids = {t.name: t.type_id for t in FINDING_TYPES}
    ids.update({t.module: t.type_id for t in FINDING_TYPES})
    return ids


def findings_from_sobelow_json(doc: dict[str, Any]) -> list[Finding]:
    """Map `mix sobelow --format json` output to Finding objects."""
    ids = _type_ids()
    out = []
    for confidence in ("high", "medium", "low"):
        for item in doc.get("findings", {}).get(f"{confidence}_confidence", []):
            type_name, _, title = str(item.get("type", "")).partition(": ")
            details = {k: v for k, v in item.items() if k not in {"type", "file", "line"}}
            out.append(
                Finding(
                    type_name=type_name,
                    title=title,
                    type_id=ids.get(type_name, ""),
                    confidence=confidence,
                    file=str(item.get("file", "")),
                    line=int(item.get("line") or 0),
                    details=details,
                )
            )
    return out


def run_external(root: Path, strict: bool = True, timeout: float = DEFAULT_TIMEOUT_S) -> AnalysisResult | None:
    """Run the real tools the project has; None when neither is available.

    A tool that fails is reported as a problem, and its part of the result is left empty so
    the caller can fall back to the built-in analyzer for it.
    """
    tools = available_tools(root)
    if not tools:
        return None
    result = AnalysisResult(engine="mix")
    if "credo" in tools:
        args = ["credo", "--format", "json", *(["--strict"] if strict else []), "--mute-exit-status"]
        try:
            result.issues = issues_from_credo_json(_run_mix(root, args, timeout))
        except ExternalToolError as exc:
            log.warning("real credo failed: %s", exc)
            result.problems.append(FileProblem("mix.exs", 1, 1, str(exc), "config"))
    if "sobelow" in tools:
        try:
            result.findings = findings_from_sobelow_json(_run_mix(root, ["sobelow", "--format", "json"], timeout))
        except ExternalToolError as exc:
            log.warning("real sobelow failed: %s", exc)
            result.problems.append(FileProblem("mix.exs", 1, 1, str(exc), "config"))
    return result
