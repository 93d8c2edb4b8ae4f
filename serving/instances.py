"""Named model instances: several versions or adapters loaded at once, routing, A/B splits, hot reload.

An instance is declared as `NAME=SOURCE`, where SOURCE is `current` (the registry's current
version, reloaded when the registry's pointer moves), `registry:VERSION` or
`registry:VERSION/ADAPTER` (a fixed registered model), or a model directory path. A split
`NAME=A:0.9,B:0.1` routes requests naming it to instances A and B by weight; the choice is
sticky per caller (API key or address), so one user sees one arm.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from elixir_coder.model.engine import Engine
from elixir_coder.model.manifest import ModelDirectoryError
from elixir_coder.model.registry import Registry

from .batching import Batcher

log = logging.getLogger(__name__)

CURRENT = "current"


class SwapGuard:
    """Batches share the engine; a swap has it alone.

    Several batches may run at once (one per replica); a swap or unload waits for those in
    progress and holds new ones back until the engine is replaced.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._swapping = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        """Held for the duration of one batch."""
        with self._cond:
            while self._swapping:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held while the engine is replaced: no batch runs meanwhile."""
        with self._cond:
            while self._swapping:
                self._cond.wait()
            self._swapping = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._swapping = False
                self._cond.notify_all()


class UnknownModelError(LookupError):
    """A request named a model the server does not serve."""


@dataclass(frozen=True)
class InstanceSpec:
    """A named model instance and where its model comes from.

    Args:
        name: the name clients send in the request's `model` field.
        source: `current`, `registry:VERSION[/ADAPTER]`, or a model directory.
    """

    name: str
    source: str = CURRENT

    @classmethod
    def parse(cls, text: str) -> InstanceSpec:
        """Parse `NAME=SOURCE` (or a bare SOURCE, named after its last path part)."""
        name, sep, source = text.partition("=")
        if not sep:
            source = text
            name = "default" if text == CURRENT else Path(text.rstrip("/")).name or text
        name, source = name.strip(), source.strip()
        if not name or not source or any(c in name for c in " ,:/="):
            raise ValueError(f"bad model instance {text!r}: expected NAME=SOURCE with a simple NAME")
        return cls(name, source)

    @property
    def follows_current(self) -> bool:
        """True when the instance tracks the registry's current version."""
        return self.source == CURRENT

    def resolve(self, registry: Registry) -> Path:
        """The model directory this spec names now."""
        if self.source == CURRENT:
            return registry.resolve()
        if self.source.startswith("registry:"):
            version, _, adapter = self.source[len("registry:") :].partition("/")
            return registry.resolve(version, adapter or None)
        return Path(self.source).expanduser()


def parse_split(text: str) -> tuple[str, dict[str, float]]:
    """Parse `NAME=INSTANCE:WEIGHT,INSTANCE:WEIGHT`."""
    name, sep, rest = text.partition("=")
    weights: dict[str, float] = {}
    try:
        for part in rest.split(","):
            inst, _, weight = part.partition(":")
            weights[inst.strip()] = float(weight)
    except ValueError:
        raise ValueError(f"bad split {text!r}: expected NAME=INSTANCE:WEIGHT,INSTANCE:WEIGHT") from None
    if not sep or not name.strip() or not weights or all(w <= 0 for w in weights.values()):
        raise ValueError(f"bad split {text!r}: expected NAME=INSTANCE:WEIGHT,... with a positive weight")
    if any(w < 0 for w in weights.values()):
        raise ValueError(f"bad split {text!r}: weights must not be negative")
    return name.strip(), weights


class ModelInstance:
    """One loaded engine with its own batch queue.

    Args:
        spec: name and source.
        registry: where `current` and `registry:` sources resolve.
        device / compute_type: passed to `Engine`.
        batcher_factory: builds the instance's `Batcher` from its lease and name.
    """

    def __init__(
        self,
        spec: InstanceSpec,
        registry: Registry,
        device: str,
        compute_type: str | None,
        batcher_factory: Callable[[Callable[[], contextlib.AbstractContextManager[Engine | None]], str], Batcher],
    ) -> None:
        self.spec = spec
        self.registry = registry
        self.device = device
        self.compute_type = compute_type
        self.engine: Engine | None = None
        self.error: str | None = None
        self.loaded_at: float | None = None
        # Shared for a whole batch: a swap or unload waits for the batches in progress to finish.
        self._swap = SwapGuard()
        self.batcher = batcher_factory(self.lease, spec.name)

    @property
    def name(self) -> str:
        """The instance's name."""
        return self.spec.name

    @property
    def version(self) -> str | None:
        """The loaded model's manifest version, or None when nothing is loaded."""
        engine = self.engine
        return engine.version if engine is not None else None

    @contextlib.contextmanager
    def lease(self) -> Iterator[Engine | None]:
        """The current engine, held against swaps for the duration of the block."""
        with self._swap.shared():
            yield self.engine

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold new batches back for the duration of the block (as a swap does), after those running finish."""
        with self._swap.exclusive():
            yield

    def load(self) -> Engine:
        """Resolve the source and load (or replace) the engine; the old one closes after its batch.

        Raises:
            ModelDirectoryError: the model cannot be resolved or loaded (the old engine stays).
        """
        try:
            path = self.spec.resolve(self.registry)
            # One CTranslate2 replica per batch worker, so the workers' batches really run at once.
            engine = Engine(path, device=self.device, compute_type=self.compute_type,
                            inter_threads=self.batcher.workers)
        except ModelDirectoryError as exc:
            self.error = str(exc)
            raise
        with self._swap.exclusive():
            old, self.engine = self.engine, engine
            self.error = None
            self.loaded_at = time.time()
        if old is not None:
            old.close()
        log.info("instance %s serves %s (version %s)", self.name, engine.model_dir, engine.version)
        return engine

    def unload(self, reason: str = "unloaded") -> None:
        """Release the engine; requests get 503 until the next load."""
        with self._swap.exclusive():
            old, self.engine = self.engine, None
            self.error = reason
        if old is not None:
            old.close()

    def close(self, timeout: float = 30.0) -> None:
        """Finish queued requests, then release the engine."""
        self.batcher.close(timeout)
        self.unload("shut down")


class ModelPool:
    """The served instances and splits, with routing by name and hot reload.

    Args:
        instances: loaded or loadable instances, the first is the default route.
        splits: split name -> {instance name: weight}.
        registry: watched for changes of the current pointer.
    """

    def __init__(
        self, instances: list[ModelInstance], splits: dict[str, dict[str, float]] | None = None,
        registry: Registry | None = None,
    ) -> None:
        if not instances:
            raise ValueError("at least one model instance is needed")
        self.instances = {i.name: i for i in instances}
        if len(self.instances) != len(instances):
            raise ValueError("model instance names must be unique")
        self.splits = dict(splits or {})
        for split, weights in self.splits.items():
            if split in self.instances:
                raise ValueError(f"split {split!r} has the name of an instance")
            missing = [w for w in weights if w not in self.instances]
            if missing:
                raise ValueError(f"split {split!r} names unknown instances: {', '.join(missing)}")
        self.default = instances[0].name
        self.registry = registry
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def names(self) -> list[str]:
        """Every name a request may use: instances, then splits."""
        return [*self.instances, *self.splits]

    def route(self, model: str | None, sticky_key: str) -> ModelInstance:
        """The instance for a request's `model` field (None or "" -> the default route).

        Raises:
            UnknownModelError: no instance or split has that name.
        """
        name = model or ("default" if "default" in self.splits else self.default)
        if name in self.instances:
            return self.instances[name]
        if name in self.splits:
            choice = (self.registry or Registry(Path("."))).ab_choice(self.splits[name], sticky_key)
            return self.instances[choice]
        raise UnknownModelError(f"model {name!r} is not served here; available: {', '.join(self.names())}")

    def load_all(self) -> list[str]:
        """Load every instance; returns the error messages of those that failed (they report 503)."""
        errors = []
        for inst in self.instances.values():
            try:
                inst.load()
            except ModelDirectoryError as exc:
                log.error("instance %s failed to load: %s", inst.name, exc)
                errors.append(f"{inst.name}: {exc}")
        return errors

    def reload_current(self, version: str | None = None) -> None:
        """Reload the instances that follow the registry's current version (called by the watcher)."""
        for inst in self.instances.values():
            if inst.spec.follows_current:
                try:
                    inst.load()
                    log.info("hot reload: %s now serves version %s", inst.name, inst.version)
                except ModelDirectoryError as exc:
                    log.error("hot reload of %s to %s failed, old model kept: %s", inst.name, version, exc)

    def watch(self) -> None:
        """Start a thread that hot-reloads on registry changes (when any instance follows `current`)."""
        if self.registry is None or not any(i.spec.follows_current for i in self.instances.values()):
            return
        registry = self.registry

        def run() -> None:
            try:
                registry.watch(self.reload_current, self._stop)
            except Exception:  # noqa: BLE001 - losing hot reload must not stop serving
                log.exception("registry watcher stopped")

        self._watcher = threading.Thread(target=run, name="registry-watch", daemon=True)
        self._watcher.start()

    def close(self, timeout: float = 30.0) -> None:
        """Stop watching, finish queued requests, release every engine."""
        self._stop.set()
        for inst in self.instances.values():
            inst.close(timeout)
        if self._watcher is not None:
            self._watcher.join(timeout=2)
