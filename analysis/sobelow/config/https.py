"""Config.HTTPS: `config/prod.exs` sets neither `force_ssl` nor `https`."""

from __future__ import annotations

from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding
from ..config_parsing import has_config_key


def https_findings(configs: list[tuple[str, SourceFile]]) -> list[Finding]:
    """One whole-file finding (line 0) on prod.exs when it configures no HTTPS at all."""
    prod = next((src for name, src in configs if name == "prod.exs"), None)
    if prod is not None and not (has_config_key(prod, "force_ssl") or has_config_key(prod, "https")):
        return [make_finding("Config.HTTPS", prod.filename, 0, "high")]
    return []
