"""What can be called from the cursor: the project, its `deps/`, Elixir's standard library and Erlang.

`ApiIndex` puts the four sources together (the project wins over deps, deps over the standard
library) and `ApiIndex.at(path, text, offset)` answers for one cursor: `CursorApi` resolves a
module as written there (an alias, `alias A.B, as: C`, `alias A.{B, C}`, `__MODULE__`, an
Erlang `:atom`) to its public functions and struct fields, lists the attributes the enclosing
module defines, and what `import`s bring in. The model's monitor-guided decoding reads it
through the `ApiView` protocol (model/monitor.py); an unknown or `open` module answers None,
which leaves decoding unconstrained there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from elixir_coder.analysis.file_reading import read_regular_file
from elixir_coder.analysis.source import MAX_PARSE_BYTES

from .api_model import ApiFunction, ModuleApi, module_api, module_body
from .deps_index import DepsIndex
from .stdlib_api import load_stdlib
from .workspace_index import RESERVED_ATTRIBUTES, ModuleInfo, ProjectIndex, module_at, visible_aliases

log = logging.getLogger(__name__)

# Imported into every module: calls to these need no prefix.
AUTO_IMPORTED = ("Kernel", "Kernel.SpecialForms")


class ApiIndex:
    """The four sources of callable modules.

    Args:
        project: the workspace index (kept current by the server).
        deps: the `deps/` index (None: none).
        stdlib: modules of Elixir and Erlang by name; None loads them on first use
            (`stdlib_api.load_stdlib`, run off the event loop).
    """

    def __init__(self, project: ProjectIndex, deps: DepsIndex | None = None,
                 stdlib: dict[str, ModuleApi] | None = None,
                 stdlib_loader: Callable[[], tuple[dict[str, ModuleApi], str]] = load_stdlib) -> None:
        self.project = project
        self.deps = deps
        self._stdlib = stdlib
        self._stdlib_loader = stdlib_loader
        self.stdlib_origin = "given" if stdlib is not None else None
        self._lock = threading.Lock()
        self._project_apis: dict[str, tuple[ModuleInfo, ModuleApi]] = {}
        self._texts: dict[Path, tuple[int, str]] = {}
        self._preloading: threading.Thread | None = None

    @property
    def stdlib(self) -> dict[str, ModuleApi]:
        """Elixir's and Erlang's modules (loaded on first use; seconds the first time, then cached on disk).

        While `preload` is loading them, answers an empty table rather than waiting."""
        if self._stdlib is None:
            if self._preloading is not None and self._preloading.is_alive():
                return {}
            with self._lock:
                if self._stdlib is None:
                    self._stdlib, self.stdlib_origin = self._stdlib_loader()
        return self._stdlib

    def preload(self) -> None:
        """Load the standard library on a background thread (the first `elixir` run takes seconds)."""
        if self._stdlib is not None or self._preloading is not None:
            return

        def load() -> None:
            try:
                with self._lock:
                    if self._stdlib is None:
                        self._stdlib, self.stdlib_origin = self._stdlib_loader()
            except Exception:  # noqa: BLE001 - calls to the standard library then stay unconstrained
                log.exception("standard library listing failed")
                self._stdlib, self.stdlib_origin = {}, "failed"

        self._preloading = threading.Thread(target=load, name="elixir-coder-stdlib", daemon=True)
        self._preloading.start()

    def status(self) -> dict[str, object]:
        """Counts for `elixirCoder/status`."""
        deps = self.deps
        return {"stdlibModules": len(self._stdlib or {}), "stdlibSource": self.stdlib_origin,
                "depsModules": len(deps.module_names()) if deps else 0,
                "depsReady": bool(deps and deps.ready.is_set())}

    def _file_text(self, path: Path) -> str:
        try:
            mtime = path.stat().st_mtime_ns
            cached = self._texts.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            text = read_regular_file(path, MAX_PARSE_BYTES).decode("utf-8", "replace")  # never a FIFO or device
        except OSError:
            return ""
        self._texts[path] = (mtime, text)
        return text

    def project_api(self, info: ModuleInfo, text: str | None = None) -> ModuleApi:
        """The callable surface of a project module (`text`: its file's current text, if open)."""
        cached = self._project_apis.get(info.name)
        if cached is not None and cached[0] is info and text is None:
            return cached[1]
        body = module_body(text if text is not None else self._file_text(info.file), info)
        api = module_api(info, body, "project")
        if text is None:
            self._project_apis[info.name] = (info, api)
        return api

    def module(self, name: str) -> ModuleApi | None:
        """A module by its full name (`MyApp.Accounts`, `Enum`, `:ets`), from the first source that has it."""
        info = self.project.module(name)
        if info is not None:
            return self.project_api(info)
        if self.deps is not None:
            dep = self.deps.module(name)
            if dep is not None:
                return dep
        return self.stdlib.get(name)

    def at(self, path: Path | str | None, text: str, offset: int) -> CursorApi:
        """What is callable at `offset` of a document.

        Args:
            path: the document's path (None: an unsaved buffer).
            text: its current text.
            offset: the cursor.
        """
        modules = self.project.document_modules(path or Path("untitled.ex"), text)
        line = text.count("\n", 0, offset) + 1
        here = module_at(modules, line)
        local = {m.name: m for m in modules}
        return CursorApi(self, here, visible_aliases(modules, here) if here else {}, local, text, line)


class CursorApi:
    """The API as seen from one cursor (implements the model's `ApiView`).

    Args:
        index: the sources.
        module: the module the cursor is in (None: top level).
        aliases: aliases visible there, short name -> full name.
        local: modules the document itself defines (their current text wins over the index).
        text: the document's text.
        line: the cursor line (1-based).
    """

    def __init__(self, index: ApiIndex, module: ModuleInfo | None, aliases: dict[str, str],
                 local: dict[str, ModuleInfo], text: str, line: int) -> None:
        self.index = index
        self.current = module
        self.aliases = aliases
        self.local = local
        self.text = text
        self.line = line
        self._memo: dict[str, ModuleApi | None] = {}

    def resolve(self, written: str) -> str:
        """The full module name for a module as written at the cursor (`Repo` -> `MyApp.Repo`)."""
        written = "".join(written.split())
        if written.startswith("__MODULE__"):
            return (self.current.name if self.current else "__MODULE__") + written[len("__MODULE__"):]
        head, dot, rest = written.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return written
        return target + dot + rest

    def module(self, written: str) -> ModuleApi | None:
        """The module behind a name as written at the cursor, or None when unknown."""
        if written in self._memo:
            return self._memo[written]
        name = self.resolve(written)
        info = self.local.get(name)
        api = self.index.project_api(info, self.text) if info is not None else self.index.module(name)
        self._memo[written] = api
        return api

    # --- the ApiView protocol (model/monitor.py) -----------------------------------------------------

    def functions(self, module: str) -> frozenset[str] | None:
        """Public function names of a module as written (None: unknown or open, so unconstrained)."""
        api = self.module(module)
        if api is None or api.open:
            return None
        return api.names

    def fields(self, struct: str) -> frozenset[str] | None:
        """Fields of a struct as written (None: unknown, not a struct, or open)."""
        api = self.module(struct)
        if api is None or api.fields is None:
            return None
        return frozenset(api.fields)

    @property
    def attributes(self) -> frozenset[str] | None:
        """Attributes usable in a function body of the enclosing module (None: at module level, where
        a new attribute may be defined, or outside any module)."""
        mod = self.current
        if mod is None or not self._in_definition():
            return None
        return frozenset(mod.attributes) | RESERVED_ATTRIBUTES

    @property
    def callable(self) -> frozenset[str] | None:
        """Names callable without a module prefix, or None when `use` (or an unknown import) may inject more."""
        mod = self.current
        if mod is None:
            return None
        scope: ModuleInfo | None = mod
        while scope is not None:
            if scope.uses or any(self.functions(name) is None for name in scope.imports):
                return None
            scope = self.local.get(scope.parent) if scope.parent else None
        return frozenset(fn.name for fn in self.unqualified().values())

    def _in_definition(self) -> bool:
        """Whether the cursor line is inside a function of the current module (its body, not its head)."""
        mod = self.current
        if mod is None:
            return False
        starts = sorted({f.line for f in mod.functions if f.line <= self.line})
        if not starts:
            return False
        # Module-level attributes between definitions are at column 2; a body is deeper.
        line_text = self.text.split("\n")[self.line - 1] if self.line - 1 < self.text.count("\n") + 1 else ""
        indent = len(line_text) - len(line_text.lstrip(" "))
        head = self.text.split("\n")[starts[-1] - 1]
        head_indent = len(head) - len(head.lstrip(" "))
        return indent > head_indent and starts[-1] < self.line

    # --- the rest of the cursor's view --------------------------------------------------------------

    def imported(self) -> dict[str, ModuleApi]:
        """Modules whose functions are callable without a prefix: `import`s and Kernel."""
        names = list(AUTO_IMPORTED)
        scope: ModuleInfo | None = self.current
        while scope is not None:
            names += [self.resolve(n) for n in scope.imports]
            scope = self.local.get(scope.parent) if scope.parent else None
        out: dict[str, ModuleApi] = {}
        for name in names:
            api = self.module(name)
            if api is not None:
                out[name] = api
        return out

    def unqualified(self) -> dict[str, ApiFunction]:
        """Functions callable without a module prefix: the module's own (any visibility) and imported ones."""
        out: dict[str, ApiFunction] = {}
        for api in self.imported().values():
            for fn in api.functions:
                out.setdefault(f"{fn.name}/{fn.arity}", fn)
        if self.current is not None:
            for f in self.current.functions:
                out[f"{f.name}/{f.arity}"] = ApiFunction(f.name, f.arity, f.kind, f.doc, f.hidden)
        return out
