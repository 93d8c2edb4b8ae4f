"""Vuln checks: dependencies at versions with known security advisories, as Sobelow 0.13 knows them.

Sobelow reads the version from `deps/<package>/mix.exs` (`@version "x.y.z"`); when the
dependency is not fetched we read the locked version from `mix.lock` instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..issues import Finding
from .advisory import Advisory, affected
from .base import is_disabled, make_finding
from .vuln import coherence, cookie_rce, ecto, header_inject, plug_null, redirect

# Sobelow's order of the Vuln checks.
ADVISORIES: list[Advisory] = [
    plug_null.ADVISORY,
    cookie_rce.ADVISORY,
    header_inject.ADVISORY,
    redirect.ADVISORY,
    coherence.ADVISORY,
    ecto.ADVISORY,
]


_VERSION_ATTR = re.compile(r"@version\s+\"([^\"]+)\"")


_LOCK_ENTRY = re.compile(r"\"([a-z0-9_]+)\"\s*:\s*\{\s*:hex\s*,\s*:[a-z0-9_]+\s*,\s*\"([^\"]+)\"")


def locked_versions(root: Path) -> dict[str, str]:
    """Package -> version from `mix.lock` (hex packages only)."""
    lock = root / "mix.lock"
    try:
        text = lock.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {m.group(1): m.group(2) for m in _LOCK_ENTRY.finditer(text)}


def dependency_version(root: Path, package: str, lock: dict[str, str]) -> tuple[str, str] | None:
    """(version, file to report) for a dependency: deps/<pkg>/mix.exs first, then mix.lock."""
    dep = root / "deps" / package / "mix.exs"
    if dep.is_file():
        try:
            versions = _VERSION_ATTR.findall(dep.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            versions = []
        return (versions[-1], f"deps/{package}/mix.exs") if versions else None
    if package in lock:
        return lock[package], "mix.lock"
    return None


def run_vuln(root: Path, disabled: set[str] | frozenset[str]) -> list[Finding]:
    """Vuln.* findings for the project's dependencies."""
    lock = locked_versions(root)
    out = []
    for adv in ADVISORIES:
        if is_disabled(adv.module, disabled):
            continue
        found = dependency_version(root, adv.package, lock)
        if found is None:
            continue
        version, file = found
        if not affected(adv, version):
            continue
        out.append(
            make_finding(
                adv.module,
                file,
                0,
                "high",
                {"cve": adv.cve, "details": adv.details},
                title=f"Known Vulnerable Dependency - {adv.display} v{version}",
            )
        )
    return out
