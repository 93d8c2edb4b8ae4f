"""Where each check's documentation page is: the installed `elixir_coder.checks_docs` pages, by check name.

Diagnostics link to these pages, hover quotes them, explanations and generation read them.
"""

from __future__ import annotations

from pathlib import Path


def _docs_dir() -> Path:
    """Where the check pages are: the installed `elixir_coder.checks_docs` package, else the checkout's docs/checks."""
    try:
        import elixir_coder.checks_docs as pages

        for entry in getattr(pages, "__path__", []):
            if (Path(entry) / "credo").is_dir():
                return Path(entry)
    except ImportError:
        pass
    here = Path(__file__).resolve().parents[1]
    return next((p for p in (here / "docs" / "checks", here / "checks_docs") if p.is_dir()), here / "docs" / "checks")


DOCS_DIR = _docs_dir()


def page_name(source: str, name: str) -> str:
    """The page a check is documented under: Sobelow types reported by module name (`Vuln.CookieRCE`)
    are documented under their rule name (`Vuln.Plug`)."""
    if source != "sobelow":
        return name
    from .sobelow.base import FINDING_TYPES

    return next((t.name for t in FINDING_TYPES if t.module == name and t.name != name), name)


def check_page_path(source: str, name: str) -> Path | None:
    """The installed page of a check (`.../credo/Readability.LargeNumbers.md`), None when absent."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = DOCS_DIR / source / f"{page_name(source, name)}.md"
    return path if path.is_file() else None


def check_page_url(source: str, name: str, base_url: str | None = None) -> str | None:
    """URL of a check's documentation page: under `base_url` when set, else a file:// URI of the installed page."""
    if base_url:
        return base_url.rstrip("/") + f"/{source}/{page_name(source, name)}.md"
    path = check_page_path(source, name)
    return path.as_uri() if path is not None else None
