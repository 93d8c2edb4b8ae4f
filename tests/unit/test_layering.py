"""The package layering of docs/architecture.md, checked on the source: every import, read statically.

Each top-level folder is one package of the `elixir_coder` namespace. Lower packages never import
higher ones, and no two packages import each other (directly or around a loop). The imports are
read with `ast`, so an import inside a function or under `if TYPE_CHECKING:` counts as much as
one at the top of a module: a circle that only type checkers follow is still a circle to a reader.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The packages whose folders hold our Python code, bottom to top (see docs/architecture.md).
PACKAGES = ("model", "telemetry", "analysis", "assist", "server", "serving", "benchmarks", "training", "cli")

# What each package may import besides itself. `checks_docs` is data (docs/checks), not code.
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "telemetry": set(),
    "analysis": {"checks_docs"},
    "assist": {"analysis", "model", "telemetry", "checks_docs"},
    "server": {"assist", "analysis", "model", "telemetry", "checks_docs"},
    "serving": {"model", "telemetry"},
    # the benchmarks measure the analyzer, the assist features, the model and the server's
    # completion path
    "benchmarks": {"assist", "analysis", "model", "telemetry", "server"},
    "training": {"model", "telemetry", "benchmarks"},
    # the command line is the composition root: it may reach everything
    "cli": {"model", "telemetry", "analysis", "assist", "server", "serving", "benchmarks", "training"},
}


@dataclass(frozen=True)
class Import:
    """One imported `elixir_coder` module and where it is imported."""

    source: str  # importing module, e.g. elixir_coder.server.app
    target: str  # imported module, e.g. elixir_coder.analysis.runner
    path: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["elixir_coder", *parts])


def _is_module(name: str) -> bool:
    """Whether `elixir_coder.a.b` names one of our modules or packages (not a class or function)."""
    parts = name.split(".")[1:]
    if not parts:
        return False
    base = ROOT.joinpath(*parts)
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> Iterator[Import]:
    """Every `elixir_coder` import in a file, relative ones resolved, at any depth of the code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    rel = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                head = ".".join(base + ([node.module] if node.module else []))
            else:
                head = node.module or ""
            # `from pkg import mod` imports the module pkg.mod when there is one
            targets = [head] + [f"{head}.{alias.name}" for alias in node.names if _is_module(f"{head}.{alias.name}")]
        for target in targets:
            if target == "elixir_coder" or target.startswith("elixir_coder."):
                yield Import(module, target, rel, node.lineno)


def all_imports() -> list[Import]:
    out: list[Import] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out.extend(imports_of(path))
    return out


def package_of(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


IMPORTS = all_imports()


def test_every_package_is_checked() -> None:
    """A new top-level package must be placed in the layering before it can be imported."""
    dirs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    code_packages = {name.split(".")[1] for name, folder in dirs.items() if not folder.startswith("docs/")}
    assert code_packages == set(PACKAGES)
    assert set(ALLOWED) == set(PACKAGES)


def test_every_subpackage_is_installed() -> None:
    """Each folder with an `__init__.py` is listed in pyproject's packages (else a wheel lacks it)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {module_name(init) for package in PACKAGES for init in (ROOT / package).rglob("__init__.py")}
    assert found - listed == set()


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_it_may(package: str) -> None:
    wrong = [
        f"{imp.path}:{imp.line} imports {imp.target}"
        for imp in IMPORTS
        if package_of(imp.source) == package
        and package_of(imp.target) not in ALLOWED[package] | {package, ""}
    ]
    assert wrong == [], f"{package}/ may import only {sorted(ALLOWED[package])}:\n" + "\n".join(wrong)


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (as a path that ends where it starts), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_between_packages() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in IMPORTS:
        a, b = package_of(imp.source), package_of(imp.target)
        if a != b and b in ALLOWED:
            edges[a].add(b)
    assert _cycle(edges) is None


def test_no_import_cycle_between_modules() -> None:
    """No module imports one that (through others) imports it back.

    A package's `__init__` importing its own submodules (to register them) is not a cycle.
    """
    modules = {module_name(p) for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for imp in IMPORTS:
        if imp.target not in modules or imp.target == imp.source:
            continue
        if imp.target.startswith(imp.source + "."):
            continue  # a package importing its own submodule
        edges[imp.source].add(imp.target)
    assert _cycle(edges) is None


def test_checker_sees_function_local_and_relative_imports() -> None:
    """The reader resolves relative imports and finds imports inside functions."""
    probe = ROOT / "cli" / "main.py"
    found = {imp.target for imp in imports_of(probe)}
    assert "elixir_coder.analysis.runner" in found  # `from elixir_coder.analysis.runner import ...` in a function
    app = {imp.target for imp in imports_of(ROOT / "server" / "app.py")}
    assert "elixir_coder.server.features.completion_handlers" in app  # `from .features.completion_handlers import`
