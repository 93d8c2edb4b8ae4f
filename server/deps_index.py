"""The project's dependencies (`deps/` after `mix deps.get`) as `ModuleApi` values, indexed in the background.

Elixir sources (`deps/<name>/lib/**/*.ex`) and Erlang sources (`deps/<name>/src/**/*.erl`, the
rebar3 packages such as cowboy and ranch; their `-export` lists, server/erlang_exports.py) count.

Reading every dependency costs seconds on a Phoenix project (hundreds of files), so it runs on
its own thread after the server starts and reports progress; until it finishes, calls to
dependency modules are simply unconstrained. Each file's modules are cached on disk under the
SHA-256 of its bytes, so a restart or another project with the same dependency versions reads
JSON instead of parsing. A watchfiles thread keeps the index current when `mix deps.get` or
`mix deps.update` rewrites the folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from elixir_coder.analysis.file_reading import read_regular_file
from elixir_coder.analysis.source import thread_parser

from .api_model import ModuleApi, module_api, module_body
from .erlang_exports import erlang_module
from .workspace_index import DEFAULT_MAX_BYTES_PER_FILE, extract_modules

log = logging.getLogger(__name__)

CACHE_VERSION = 1
PROGRESS_EVERY = 20  # files between progress calls
Progress = Callable[[int, int], None]


# Where each language keeps a dependency's sources (tests and mix tasks' .exs are not API).
SOURCE_FOLDERS = {".ex": "lib", ".erl": "src"}


def dependency_sources(deps: Path) -> Iterator[Path]:
    """The sources of every dependency: `deps/<name>/lib/**/*.ex` and `deps/<name>/src/**/*.erl`."""
    if not deps.is_dir():
        return
    for dep in sorted(p for p in deps.iterdir() if p.is_dir()):
        for suffix, folder in SOURCE_FOLDERS.items():
            if (dep / folder).is_dir():
                yield from sorted((dep / folder).rglob(f"*{suffix}"))


def file_modules(path: Path, data: bytes, cache: Path | None) -> list[ModuleApi]:
    """Modules one dependency file defines, from the content-hash cache when it has them.

    Args:
        path: the file (for the index's line facts only).
        data: its bytes.
        cache: the cache folder, or None for no cache.
    """
    digest = hashlib.sha256(data).hexdigest()
    entry = cache / f"v{CACHE_VERSION}" / digest[:2] / f"{digest}.json" if cache is not None else None
    if entry is not None and entry.is_file():
        try:
            return [ModuleApi.from_json(m) for m in json.loads(entry.read_text("utf-8"))]
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("unreadable deps cache entry %s; re-reading the source", entry)
    text = data.decode("utf-8", "replace")
    if path.suffix == ".erl":
        erlang = erlang_module(text)
        modules = [erlang] if erlang is not None else []
    else:
        modules = [module_api(info, module_body(text, info), "deps")
                   for info in extract_modules(text, path, thread_parser())]
    if entry is not None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps([m.to_json() for m in modules]), "utf-8")
            os.replace(tmp, entry)
        except OSError as exc:
            log.warning("cannot write deps cache: %s", exc)
    return modules


class DepsIndex:
    """Modules of a project's `deps/` folder, read lazily on a background thread and kept current.

    Args:
        root: the project folder (its `deps/` is indexed).
        cache: the content-hash cache folder (None: no disk cache).
        on_progress: called with (files done, files in all) while indexing.
        on_finished: called with the number of modules once the background indexing (`start`)
            has finished or failed (before watching begins).
    """

    def __init__(self, root: Path | None, cache: Path | None = None, on_progress: Progress | None = None,
                 on_finished: Callable[[int], None] | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self.cache = cache
        self.on_progress = on_progress
        self.on_finished = on_finished
        self._lock = threading.Lock()
        self._files: dict[Path, list[ModuleApi]] = {}
        self._modules: dict[str, ModuleApi] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.ready = threading.Event()
        self.files_read = 0
        self.cache_hits = 0

    @property
    def deps_dir(self) -> Path | None:
        """The `deps/` folder (which may not exist yet)."""
        return self.root / "deps" if self.root is not None else None

    def start(self, watch: bool = True) -> None:
        """Index in the background; with `watch`, follow changes to `deps/` afterwards."""
        thread = threading.Thread(target=self._run, args=(watch,), name="elixir-coder-deps-index", daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        """Stop the watcher (indexing in progress ends at its next file)."""
        self._stop.set()

    def _run(self, watch: bool) -> None:
        try:
            self.index_all()
        except Exception:  # noqa: BLE001 - a broken dependency must not take the server down
            log.exception("deps index failed")
        finally:
            self.ready.set()
            if self.on_finished is not None:
                with self._lock:
                    count = len(self._modules)
                self.on_finished(count)
        if watch and not self._stop.is_set():
            self._watch()

    def index_all(self) -> int:
        """Read every dependency source now (blocking); returns the modules indexed."""
        deps = self.deps_dir
        files = list(dependency_sources(deps)) if deps is not None else []
        for done, path in enumerate(files, 1):
            if self._stop.is_set():
                break
            self.refresh(path)
            if self.on_progress is not None and (done % PROGRESS_EVERY == 0 or done == len(files)):
                self.on_progress(done, len(files))
        with self._lock:
            return len(self._modules)

    def refresh(self, path: Path) -> None:
        """Re-read one file (gone or too large: forgotten)."""
        try:
            data = read_regular_file(path, DEFAULT_MAX_BYTES_PER_FILE)  # never blocks on a FIFO in deps/
        except OSError:
            self.remove(path)
            return
        modules = file_modules(path, data, self.cache)
        with self._lock:
            self._drop(path)
            self._files[path] = modules
            for mod in modules:
                self._modules[mod.name] = mod
            self.files_read += 1

    def remove(self, path: Path) -> None:
        """Forget a file."""
        with self._lock:
            self._drop(path)

    def _drop(self, path: Path) -> None:
        for mod in self._files.pop(path, []):
            if self._modules.get(mod.name) is mod:
                del self._modules[mod.name]

    def module(self, name: str) -> ModuleApi | None:
        """The dependency module called `name`, if indexed."""
        with self._lock:
            return self._modules.get(name)

    def module_names(self) -> list[str]:
        """Names of the indexed dependency modules, sorted."""
        with self._lock:
            return sorted(self._modules)

    def _watch(self) -> None:
        """Follow `deps/` with watchfiles: the folder may appear later (`mix deps.get`)."""
        from watchfiles import Change, watch

        root, deps = self.root, self.deps_dir
        if root is None or deps is None or not root.is_dir():
            return

        def wanted(change: Change, path: str) -> bool:
            return Path(path).is_relative_to(deps)

        try:
            for changes in watch(root, watch_filter=wanted, stop_event=self._stop, debounce=400,
                                 raise_interrupt=False):
                for change, raw in changes:
                    self._apply(change == Change.deleted, Path(raw))
        except Exception:  # noqa: BLE001 - watching is best effort; the index stays as it was
            log.exception("deps watcher stopped")

    def _apply(self, deleted: bool, path: Path) -> None:
        """One watched change. A new folder is reported alone (not the files created in it), so
        it is scanned; a removed folder takes every file under it."""
        if deleted:
            with self._lock:
                gone = [p for p in self._files if p == path or p.is_relative_to(path)]
            for p in gone:
                self.remove(p)
        elif path.is_dir():
            for p in sorted(q for q in path.rglob("*") if q.suffix in SOURCE_FOLDERS):
                if _is_dependency_source(self.deps_dir, p):
                    self.refresh(p)
        elif _is_dependency_source(self.deps_dir, path):
            self.refresh(path)


def _is_dependency_source(deps: Path | None, path: Path) -> bool:
    """`deps/<name>/lib/**/*.ex` or `deps/<name>/src/**/*.erl`."""
    folder = SOURCE_FOLDERS.get(path.suffix)
    if deps is None or folder is None or not path.is_relative_to(deps):
        return False
    return path.relative_to(deps).parts[1:2] == (folder,)
