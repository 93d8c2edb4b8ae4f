"""Sobelow's project settings: the `.sobelow-conf` keyword list and `# sobelow_skip` comment names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..terms import TermError, keyword_get, parse_term_file, to_plain

SKIP_COMMENT = re.compile(r"#\s?sobelow_skip (\[(\"[^\"]+\"(,|, )?)+\])")


@dataclass
class SobelowConf:
    """Settings read from `.sobelow-conf` (every field optional there)."""

    ignore: set[str] = field(default_factory=set)
    ignore_files: set[Path] = field(default_factory=set)
    skip: bool | None = None
    threshold: str = "low"
    router: str | None = None
    problem: str | None = None


def skip_names(comment: str) -> set[str]:
    """The finding names in a `# sobelow_skip ["A", "B"]` comment (empty when it is not one)."""
    m = SKIP_COMMENT.search(comment)
    return set(re.findall(r"\"([^\"]+)\"", m.group(1))) if m else set()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str) and v]
    return []


def load_sobelow_conf(root: Path) -> SobelowConf:
    """Read `<root>/.sobelow-conf`; a missing file gives defaults, a broken one sets `problem`."""
    path = root / ".sobelow-conf"
    conf = SobelowConf()
    if not path.is_file():
        return conf
    try:
        term = parse_term_file(path.read_text(encoding="utf-8"), ".sobelow-conf")
    except (OSError, UnicodeDecodeError, TermError) as exc:
        conf.problem = str(exc)
        return conf
    conf.ignore = set(_strings(to_plain(keyword_get(term, "ignore", []))))
    conf.ignore_files = {(root / p).resolve() for p in _strings(to_plain(keyword_get(term, "ignore_files", [])))}
    skip = keyword_get(term, "skip")
    conf.skip = skip if isinstance(skip, bool) else None
    threshold = keyword_get(term, "threshold")
    if isinstance(threshold, str) and threshold.lower() in ("high", "medium", "low"):
        conf.threshold = threshold.lower()
    router = keyword_get(term, "router")
    conf.router = router if isinstance(router, str) and router else None
    return conf
