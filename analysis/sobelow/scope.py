"""Which files Sobelow scans: the application's code under `lib/` (and `web/` in Phoenix 1.2-era
projects), its router and endpoint among them, and `config/` for the configuration checks; never
`test/` (test support modules are not application code) unless a path is asked for explicitly."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def web_root(root: Path) -> Path:
    """Where controllers and templates live: `web/` in Phoenix 1.2-era projects, `lib/` otherwise."""
    old = root / "web"
    return old if old.is_dir() else root / "lib"


def code_roots(root: Path) -> list[str]:
    """Top-level folders whose `.ex` files Sobelow scans, relative to the project root."""
    return ["web", "lib"] if (root / "web").is_dir() else ["lib"]


def in_scope(root: Path, filename: str, asked: frozenset[str] = frozenset(), mix_project: bool | None = None) -> bool:
    """Whether Sobelow scans this file (a path relative to the root, or absolute).

    `asked` holds relative paths (files or folders) the user named explicitly; files under them
    are scanned wherever they are ("*" asks for every file given). `mix_project` saves looking
    for `mix.exs` again when the caller knows.
    """
    if mix_project is None:
        mix_project = (root / "mix.exs").is_file()
    if "*" in asked or not mix_project:
        return True  # everything asked for, or not a Mix project (a lone file): nothing to leave out
    path = Path(filename)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(root.resolve())
        except ValueError:
            return False
    rel = PurePosixPath(path.as_posix())
    parts = rel.parts
    if any(rel == PurePosixPath(a) or PurePosixPath(a) in rel.parents for a in asked):
        return True
    return bool(parts) and parts[0] in code_roots(root)
