"""Config.HSTS: a config file that sets `https` without `force_ssl` (no Strict-Transport-Security)."""

from __future__ import annotations

from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding
from ..config_parsing import has_config_key


def hsts_findings(configs: list[tuple[str, SourceFile]]) -> list[Finding]:
    """One whole-file finding (line 0, medium confidence) per config file with `https` and no `force_ssl`."""
    out = []
    for _name, src in configs:
        if has_config_key(src, "https") and not has_config_key(src, "force_ssl"):
            out.append(make_finding("Config.HSTS", src.filename, 0, "medium"))
    return out
