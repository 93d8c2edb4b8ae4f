"""Which model serves completions, loaded off the editor's path and swapped without dropping requests.

`ModelService` resolves the backend from the settings (a model directory, the registry's
current version with the shipped default behind it, or a remote OpenAI-compatible server),
loads one engine per adapter lazily on the generation thread, and reports its state for
`elixirCoder/status`. When the registry's `current` pointer changes (a promote or a rollback),
the engines are replaced: requests already running finish on the old engine, because an
engine's close waits for its generation in progress.
"""

from __future__ import annotations

import getpass
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from elixir_coder.model.ab import ABController
from elixir_coder.model.engine import Completion, Engine, GenerationRequest
from elixir_coder.model.manifest import ModelDirectoryError, validate_model_dir
from elixir_coder.model.registry import BASE, Registry

from .settings import Settings

log = logging.getLogger(__name__)
QUALITY = "quality"  # the engine slot of the quality model (adapters are named by slice, never this)

# Prompt heads (the lines above the cursor's line) kept prefilled between keystrokes: a request
# typed on the same line skips most of its prefill (model/prompt_heads.py). ~2 MB each for the
# shipped model; past this many the generator is reloaded (~8 ms) to drop them.
PROMPT_HEADS = 32


class Backend(Protocol):
    """What completion needs of an engine, local or remote."""

    @property
    def version(self) -> str: ...  # noqa: D102

    def generate(self, req: GenerationRequest) -> list[Completion]: ...  # noqa: D102

    def close(self) -> None: ...  # noqa: D102


@dataclass(frozen=True)
class BackendChoice:
    """Where models come from, as the settings say; equal choices need no reload."""

    model_path: str | None
    remote_url: str | None
    remote_model: str | None
    remote_api_key: str | None
    device: str
    compute_type: str | None
    quality_model: bool = True

    @classmethod
    def from_settings(cls, s: Settings) -> BackendChoice:
        """The part of the settings that decides the backend."""
        return cls(s.model_path, s.remote_url, s.remote_model, s.remote_api_key, s.device, s.compute_type,
                   s.quality_model)


class ModelService:
    """Engines per adapter for the current backend, with load state for clients.

    Args:
        registry: where versions live (default: the user's registry with the shipped default).
        on_loaded: called with (adapter, milliseconds) after each load (the load-time metric).
    """

    def __init__(self, registry: Registry | None = None,
                 on_loaded: Callable[[str, float], None] | None = None) -> None:
        self.registry = registry or Registry()
        self.on_loaded = on_loaded
        self.ab = ABController(self.registry)
        self.user = getpass.getuser()
        self.choice: BackendChoice | None = None
        self._engines: dict[str, Backend] = {}
        self._adapters: list[str] | None = None
        self._lock = threading.RLock()
        self.loading = False
        self.error: str | None = None
        self.last_adapter: str | None = None
        self.load_ms: float | None = None
        self._watch_stop: threading.Event | None = None

    # --- configuration ---------------------------------------------------------------------

    def configure(self, settings: Settings) -> bool:
        """Adopt the settings' backend; True when it changed (loaded engines are then dropped)."""
        choice = BackendChoice.from_settings(settings)
        with self._lock:
            if choice == self.choice:
                return False
            self.choice = choice
            self._replace_engines()
            return True

    def _replace_engines(self) -> None:
        old = list(self._engines.values())
        self._engines = {}
        self._adapters = None
        self.error = None
        # Closing waits for a generation in progress: do it off the caller's thread.
        if old:
            threading.Thread(target=_close_all, args=(old,), daemon=True, name="elixir-coder-unload").start()

    def reload(self, reason: str) -> None:
        """Drop loaded engines so the next request loads the version now current."""
        log.info("reloading models: %s", reason)
        with self._lock:
            self._replace_engines()

    def watch_registry(self) -> None:
        """Reload when the registry's current version changes (a daemon thread; idempotent)."""
        if self._watch_stop is not None:
            return
        self._watch_stop = threading.Event()
        stop = self._watch_stop

        def run() -> None:
            try:
                self.registry.watch(lambda v: self.reload(f"registry now serves {v or 'the shipped default'}"), stop)
            except Exception as exc:  # noqa: BLE001 - a watcher failure must not take the server down
                log.warning("registry watcher stopped: %s", exc)

        threading.Thread(target=run, daemon=True, name="elixir-coder-registry-watch").start()

    # --- loading ---------------------------------------------------------------------------

    def ab_version(self, path: str | None) -> str | None:
        """The registry version an A/B experiment assigns to this user and file (None: the current one).

        Only for models from the registry; the assignment is stable per user and file.
        """
        choice = self.choice
        if choice is not None and (choice.model_path or choice.remote_url):
            return None
        try:
            return self.ab.choose(self.user, path or "")
        except Exception as exc:  # noqa: BLE001 - a broken experiment file must not stop completions
            log.warning("A/B experiment ignored: %s", exc)
            return None

    @staticmethod
    def _slot(adapter: str, version: str | None) -> str:
        return adapter if version is None else f"{version}/{adapter}"

    def loaded(self, adapter: str, version: str | None = None) -> Backend | None:
        """The engine for an adapter (of a registry version; default the current) if loaded (never blocks)."""
        with self._lock:
            return self._engines.get(self._slot(adapter, version))

    def load(self, adapter: str, version: str | None = None) -> Backend:
        """The engine for an adapter, loading it if needed (blocking: call on the generation thread).

        `version` is a registry version to serve instead of the current one (an A/B arm).
        Raises ModelDirectoryError (or RemoteError) with a clear message when no model can serve.
        """
        slot = self._slot(adapter, version)
        with self._lock:
            engine = self._engines.get(slot)
            choice = self.choice
        if engine is not None:
            return engine
        if choice is None:  # never configured: the defaults are the choice
            with self._lock:
                self.choice = choice = self.choice or BackendChoice.from_settings(Settings())
        self.loading = True
        started = time.perf_counter()
        try:
            engine = self._open(choice, adapter, version)
        except Exception as exc:
            self.error = str(exc)
            raise
        finally:
            self.loading = False
        self.load_ms = (time.perf_counter() - started) * 1000
        with self._lock:
            if self.choice != choice:  # settings changed while loading: this engine is stale
                _close_all([engine])
                return self.load(adapter, version)
            self._engines[slot] = engine
            self.error = None
        log.info("model %s (%s) loaded in %.0f ms", engine.version, adapter, self.load_ms)
        if self.on_loaded is not None:
            self.on_loaded(slot, self.load_ms)
        return engine

    def quality_dir(self) -> Path | None:
        """The quality model to generate with, or None: only with the registry as the source (a `modelPath`
        or a remote server is the user's explicit choice for everything) and the setting on."""
        choice = self.choice or BackendChoice.from_settings(Settings())
        if choice.model_path or choice.remote_url or not choice.quality_model:
            return None
        return self.registry.quality_dir()

    def load_for_generation(self, adapter: str) -> Backend:
        """The engine for generate and clarification: the quality model when there is a usable one, else
        the adapter's engine. A quality model that fails to load is logged and the adapter's engine serves."""
        if self.quality_dir() is None:
            return self.load(adapter)
        error = self.error
        try:
            return self.load(QUALITY)  # its own engine slot, loaded and warmed up like any other
        except (ModelDirectoryError, OSError, RuntimeError, ValueError) as exc:
            log.warning("quality model not loaded, generating with %s: %s", adapter, exc)
            self.error = error  # not the service's error: the current version still serves everything
            return self.load(adapter)

    def _open(self, choice: BackendChoice, adapter: str, version: str | None = None) -> Backend:
        if choice.remote_url:
            from elixir_coder.model.remote import RemoteEngine  # only for teams with a server

            return RemoteEngine(choice.remote_url, model=choice.remote_model, api_key=choice.remote_api_key)
        if adapter == QUALITY:
            quality = self.quality_dir()
            if quality is None:
                raise ModelDirectoryError("no usable quality model")
            model_dir = quality
        else:
            model_dir = self.registry.resolve(version, adapter) if version else self.model_dir(choice, adapter)
        engine = Engine(model_dir, device=choice.device, compute_type=choice.compute_type, prompt_heads=PROMPT_HEADS)
        try:
            engine.warm_up()  # part of loading: the first request is then as fast as the others
        except (RuntimeError, ValueError) as exc:
            engine.close()
            raise ModelDirectoryError(f"{model_dir}: the model loads but cannot generate ({exc})") from exc
        return engine

    def model_dir(self, choice: BackendChoice, adapter: str) -> Path:
        """The directory for an adapter: under `modelPath` when set, else from the registry."""
        if choice.model_path:
            root = Path(choice.model_path).expanduser()
            for candidate in (root / adapter, root / BASE, root):
                try:
                    validate_model_dir(candidate)
                    return candidate
                except ModelDirectoryError:
                    continue
            raise ModelDirectoryError(f"modelPath {root}: no usable model directory (manifest.json, model.bin)")
        return self.registry.resolve(adapter=adapter)

    def adapters(self) -> list[str]:
        """Adapters the current source offers (for status and routing); cached until the next reload."""
        cached = self._adapters
        if cached is None:
            cached = self._adapters = self._find_adapters()
        return list(cached)

    def _find_adapters(self) -> list[str]:
        # Validating every adapter directory reads its manifest and files: ~12 ms, too slow per request.
        choice = self.choice or BackendChoice.from_settings(Settings())
        if choice.remote_url:
            return [BASE]
        try:
            root = self.model_dir(choice, BASE).parent
        except ModelDirectoryError:
            return []
        return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file()) or [BASE]

    def status(self) -> dict[str, Any]:
        """Health for clients: what is loaded, what is loading, why nothing is."""
        with self._lock:
            engines = dict(self._engines)
        quality = engines.pop(QUALITY, None)
        version = next(iter(engines.values())).version if engines else None
        return {
            "modelLoaded": bool(engines),
            "loading": self.loading,
            "version": version,
            "adapter": self.last_adapter,
            "loadedAdapters": sorted(engines),
            "backend": "remote" if self.choice and self.choice.remote_url else "local",
            "loadMs": round(self.load_ms, 1) if self.load_ms is not None else None,
            "qualityModel": quality.version if quality is not None else None,
            "error": self.error,
        }

    def close(self) -> None:
        """Stop watching and release every engine."""
        if self._watch_stop is not None:
            self._watch_stop.set()
        with self._lock:
            engines = list(self._engines.values())
            self._engines = {}
        _close_all(engines)


def _close_all(engines: list[Backend]) -> None:
    for engine in engines:
        try:
            engine.close()
        except Exception as exc:  # noqa: BLE001 - unloading must not raise into a request
            log.warning("closing a model failed: %s", exc)
