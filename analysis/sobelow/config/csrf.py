"""Config.CSRF: a pipeline that fetches the session without `:protect_from_forgery`."""

from __future__ import annotations

from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding
from ..config_parsing import pipelines, plug_name


def csrf_findings(src: SourceFile) -> list[Finding]:
    """Config.CSRF: a pipeline that fetches the session without `:protect_from_forgery`."""
    out = []
    for call, name, plugs in pipelines(src):
        names = {plug_name(src, p) for p in plugs}
        if "fetch_session" in names and "protect_from_forgery" not in names:
            out.append(make_finding("Config.CSRF", src.filename, src.line_of(call), "high", {"pipeline": name}))
    return out
