"""Vuln checks: dependencies at versions with known security advisories, as Sobelow 0.13 knows them.

Sobelow reads the version from `deps/<package>/mix.exs` (`@version "x.y.z"`); when the
dependency is not fetched we read the locked version from `mix.lock` instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..issues import Finding
from .base import is_disabled, make_finding

_PLUG_OLD = "1.3.1 1.3.0 1.2.2 1.2.1 1.2.0 1.1.6 1.1.5 1.1.4 1.1.3 1.1.2 1.1.1 1.1.0 1.0.3 1.0.2 1.0.1 1.0.0".split()
_PHOENIX_REDIRECT = "1.0.0 1.0.1 1.0.2 1.0.3 1.0.4 1.1.0 1.1.1 1.1.2 1.1.3 1.1.4 1.1.5 1.1.6 1.2.0 1.2.1 1.3.0-rc.0".split()


@dataclass(frozen=True)
class Advisory:
    """One known-vulnerable dependency rule.

    `exact` lists affected versions verbatim; `ranges` holds inclusive (low, high) bounds,
    either side None for open-ended.
    """

    module: str
    package: str
    display: str
    details: str
    cve: str
    exact: tuple[str, ...] = ()
    ranges: tuple[tuple[str | None, str | None], ...] = ()


ADVISORIES: list[Advisory] = [
    Advisory("Vuln.PlugNull", "plug", "Plug", "Null Byte Injection in Plug.Static", "CVE-2017-1000052",
             exact=tuple(_PLUG_OLD)),
    Advisory("Vuln.CookieRCE", "plug", "Plug", "Arbitrary Code Execution in Cookie Serialization",
             "CVE-2017-1000053", exact=tuple(_PLUG_OLD)),
    Advisory("Vuln.HeaderInject", "plug", "Plug", "Header Injection", "TBA",
             ranges=(("1.3.0", "1.3.4"), ("1.2.0", "1.2.4"), ("1.1.0", "1.1.8"), (None, "1.0.5"))),
    Advisory("Vuln.Redirect", "phoenix", "Phoenix", "Arbitrary URL Redirect", "TBA", exact=tuple(_PHOENIX_REDIRECT)),
    Advisory("Vuln.Coherence", "coherence", "Coherence", "Permissive parameters and privilege escalation",
             "TBA - https://github.com/smpallen99/coherence/issues/270", ranges=((None, "0.5.1"),)),
    Advisory("Vuln.Ecto", "ecto", "Ecto", "Missing `is_nil` requirement",
             "TBA - https://groups.google.com/forum/#!topic/elixir-ecto/0m4NPfg_MMU", ranges=(("2.2.0", "2.2.0"),)),
]

_VERSION_ATTR = re.compile(r"@version\s+\"([^\"]+)\"")
_LOCK_ENTRY = re.compile(r"\"([a-z0-9_]+)\"\s*:\s*\{\s*:hex\s*,\s*:[a-z0-9_]+\s*,\s*\"([^\"]+)\"")
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def parse_version(text: str) -> tuple[int, int, int, tuple[int, tuple[object, ...]]] | None:
    """A comparable key for a semantic version; pre-releases sort before their release. None if invalid."""
    m = _SEMVER.match(text.strip())
    if not m:
        return None
    pre = m.group(4)
    if pre is None:
        pre_key: tuple[int, tuple[object, ...]] = (1, ())
    else:
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
        pre_key = (0, parts)
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), pre_key


def affected(advisory: Advisory, version: str) -> bool:
    """Whether `version` falls in the advisory's affected set."""
    if advisory.exact:
        return version in advisory.exact
    key = parse_version(version)
    if key is None:
        return False
    for low, high in advisory.ranges:
        lo = parse_version(low) if low else None
        hi = parse_version(high) if high else None
        if (lo is None or key >= lo) and (hi is None or key <= hi):
            return True
    return False


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
