"""Runs the Config.* types over a project's routers, endpoints and config files, in Sobelow's order."""

from __future__ import annotations

from pathlib import Path

from ..issues import Finding
from ..source import SourceFile
from .base import FileMeta, is_disabled
from .config.csp import csp_findings
from .config.csrf import csrf_findings
from .config.csrf_route import csrf_route_findings
from .config.cswh import cswh_findings
from .config.headers import headers_findings
from .config.hsts import hsts_findings
from .config.https import https_findings
from .config.secrets import secrets_findings
from .config_parsing import config_dir_files


def run_config(
    root: Path,
    metas: list[FileMeta],
    disabled: set[str] | frozenset[str],
    ignored_files: set[Path],
    router: Path | None = None,
) -> list[Finding]:
    """All Config.* findings for a project, in Sobelow's check order."""
    routers = [m for m in metas if m.is_router]
    if router is not None:
        path = router if router.is_absolute() else root / router
        if path.is_file() and not any(Path(m.filename).name == path.name and m.is_router for m in routers):
            try:
                src = SourceFile(str(path.relative_to(root)) if path.is_relative_to(root) else str(path),
                                 path.read_text(encoding="utf-8"))
                from .base import file_meta

                routers.append(file_meta(src))
            except (OSError, UnicodeDecodeError):
                pass
    endpoints = [m for m in metas if m.is_endpoint and not m.is_router]
    configs = config_dir_files(root, ignored_files)
    out: list[Finding] = []
    if not is_disabled("Config.CSRF", disabled):
        for m in routers:
            out.extend(csrf_findings(m.src))
    if not is_disabled("Config.CSRFRoute", disabled):
        for m in routers:
            out.extend(csrf_route_findings(m.src))
    if not is_disabled("Config.Headers", disabled):
        for m in routers:
            out.extend(headers_findings(m.src))
    if not is_disabled("Config.CSP", disabled):
        for m in routers:
            out.extend(csp_findings(m))
    if not is_disabled("Config.Secrets", disabled):
        for name, src in configs:
            out.extend(secrets_findings(src, name))
    if not is_disabled("Config.HTTPS", disabled):
        out.extend(https_findings(configs))
    if not is_disabled("Config.HSTS", disabled):
        out.extend(hsts_findings(configs))
    if not is_disabled("Config.CSWH", disabled):
        for m in endpoints:
            out.extend(cswh_findings(m.src))
    return out
