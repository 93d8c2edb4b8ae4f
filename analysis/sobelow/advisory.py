"""A known-vulnerable dependency rule and the version comparison it needs."""

from __future__ import annotations

import re
from dataclasses import dataclass


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
