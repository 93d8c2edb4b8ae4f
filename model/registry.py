"""The model registry: versions side by side, a `current` pointer swapped atomically, rollback.

Layout under the registry root:

    versions/<version>/base/        a model directory (see manifest.py)
    versions/<version>/<adapter>/   the base merged with one LoRA adapter, converted on its own
    current                         JSON: {"version": ..., "previous": ...}
    quality/<version>/              an optional larger "quality" model (trained on a GPU)
    quality.json                    JSON: {"version": ...}, the quality model in service

When the registry holds no current version, `resolve` falls back to the default model
shipped inside the package (model/default/). The quality model serves the features that can
wait for a better answer (generate, clarification, test generation); completions stay on the
fast default. Nothing needs it: without one, those features use the current version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .manifest import Manifest, ModelDirectoryError, validate_model_dir

log = logging.getLogger(__name__)

ENV_HOME = "ELIXIR_CODER_HOME"
BASE = "base"
SHIPPED_DEFAULT = Path(__file__).resolve().parent / "default"
SHIPPED_VERSION = "shipped-default"
SHIPPED_QUALITY = Path(__file__).resolve().parent / "quality"


def default_root() -> Path:
    """`$ELIXIR_CODER_HOME/models`, else `~/.local/share/elixir-coder/models`."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser() / "models"
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "elixir-coder" / "models"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_json(path: Path, data: dict) -> None:
    """Write JSON so readers see the old file or the new one, never a mix (temp, fsync, rename, fsync dir)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy_in(model_dir: Path, target: Path) -> None:
    """Copy a model directory to `target` so that a half-copied model is never visible: the copy goes to a
    temporary directory beside it, is validated, and is renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.incoming."))
    try:
        shutil.copytree(model_dir, staging, dirs_exist_ok=True)
        validate_model_dir(staging)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _fsync_dir(target.parent)


@dataclass(frozen=True)
class VersionInfo:
    """One registered version: its adapters and whether it is current."""

    version: str
    adapters: tuple[str, ...]
    current: bool
    manifest: Manifest | None


class Registry:
    """Registered model versions under one root directory.

    Args:
        root: registry directory (default: `default_root()`).
        shipped: the packaged default model set, used when nothing is current.
    """

    def __init__(self, root: Path | None = None, shipped: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        # Looked up at call time so tests (and packagers) can point it elsewhere.
        self.shipped = Path(shipped) if shipped is not None else SHIPPED_DEFAULT
        self.versions_dir = self.root / "versions"
        self.pointer = self.root / "current"
        self.quality_models = self.root / "quality"
        self.quality_pointer = self.root / "quality.json"
        self.shipped_quality = SHIPPED_QUALITY if shipped is None else self.shipped.parent / "quality"

    # --- registering ----------------------------------------------------------------------------

    def register(self, model_dir: Path, version: str | None = None, adapter: str | None = None) -> str:
        """Copy a validated model directory into the registry; returns its version.

        The copy goes to a temporary directory inside the registry and is renamed into place,
        so a half-copied version is never visible.
        """
        manifest = validate_model_dir(Path(model_dir))
        version = version or manifest.version
        _check_name(version)
        slot = adapter or manifest.adapter or BASE
        _check_name(slot)
        target = self.versions_dir / version / slot
        if target.exists():
            raise ModelDirectoryError(f"version {version} already has a {slot!r} model")
        _copy_in(Path(model_dir), target)
        return version

    # --- the quality model ----------------------------------------------------------------------

    def set_quality(self, model_dir: Path) -> str:
        """Copy a validated model directory in as the quality model (atomically); returns its version."""
        manifest = validate_model_dir(Path(model_dir))
        _check_name(manifest.version)
        target = self.quality_models / manifest.version
        if not target.exists():  # versions are immutable: the same version is the same model
            _copy_in(Path(model_dir), target)
        atomic_write_json(self.quality_pointer, {"version": manifest.version})
        return manifest.version

    def clear_quality(self) -> None:
        """Stop using a registered quality model (its files stay; the shipped one, if any, serves again)."""
        self.quality_pointer.unlink(missing_ok=True)

    def quality_dir(self) -> Path | None:
        """The quality model directory: the registered one, else one shipped in model/quality/, else None.
        A broken one is logged and skipped, never raised: the features fall back to the current version."""
        candidates = []
        try:
            version = json.loads(self.quality_pointer.read_text(encoding="utf-8")).get("version")
            if isinstance(version, str):
                candidates.append(self.quality_models / version)
        except (OSError, ValueError, AttributeError):
            pass
        candidates.append(self.shipped_quality)
        for path in candidates:
            if not path.exists():
                continue
            try:
                validate_model_dir(path)
                return path
            except ModelDirectoryError as exc:
                log.warning("quality model %s unusable, skipped: %s", path, exc)
        return None

    # --- the current pointer --------------------------------------------------------------------

    def _read_pointer(self) -> dict:
        try:
            data = json.loads(self.pointer.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, json.JSONDecodeError):
            return {}

    def current_version(self) -> str | None:
        """The version in service, or None (the shipped default serves)."""
        return self._read_pointer().get("version")

    def promote(self, version: str) -> None:
        """Make `version` current after checking its base model is complete; the old one becomes `previous`."""
        validate_model_dir(self.versions_dir / version / BASE)
        old = self.current_version()
        self.root.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.pointer, {"version": version, "previous": old if old != version else None})

    def rollback(self) -> str:
        """Return to the previous version; returns the version now current."""
        data = self._read_pointer()
        previous = data.get("previous")
        if not previous:
            raise ModelDirectoryError("nothing to roll back to: no previous version recorded")
        validate_model_dir(self.versions_dir / previous / BASE)
        atomic_write_json(self.pointer, {"version": previous, "previous": data.get("version")})
        return previous

    # --- looking up -----------------------------------------------------------------------------

    def list(self) -> list[VersionInfo]:
        """Registered versions, sorted by name."""
        current = self.current_version()
        out: list[VersionInfo] = []
        if not self.versions_dir.is_dir():
            return out
        for vdir in sorted(p for p in self.versions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            adapters = tuple(sorted(p.name for p in vdir.iterdir() if p.is_dir() and not p.name.startswith(".")))
            try:
                manifest = validate_model_dir(vdir / BASE)
            except ModelDirectoryError:
                manifest = None
            out.append(VersionInfo(vdir.name, adapters, vdir.name == current, manifest))
        return out

    def resolve(self, version: str | None = None, adapter: str | None = None) -> Path:
        """The model directory to load for a version (default: current) and adapter (default: base).

        A missing adapter falls back to the version's base model. A current version whose files
        are corrupt is refused with a logged reason, and the previous version (or the shipped
        default) serves instead.
        """
        candidates: list[Path] = []
        if version is not None:
            if version == SHIPPED_VERSION:
                candidates.append(self.shipped)
            else:
                candidates.append(self.versions_dir / version)
        else:
            pointer = self._read_pointer()
            for v in (pointer.get("version"), pointer.get("previous")):
                if v:
                    candidates.append(self.versions_dir / v)
            candidates.append(self.shipped)
        errors = []
        for vdir in candidates:
            for slot in ([adapter] if adapter and adapter != BASE else []) + [BASE]:
                path = vdir / slot
                try:
                    validate_model_dir(path)
                except ModelDirectoryError as exc:
                    errors.append(str(exc))
                    continue
                if vdir != candidates[0]:
                    log.warning("model %s unusable, serving %s instead: %s", candidates[0], path, errors[0])
                return path
        if version is not None:
            raise ModelDirectoryError(f"version {version} is not usable: " + "; ".join(errors))
        if not self.shipped.is_dir() and not self._read_pointer():
            raise ModelDirectoryError(
                f"no model available: no version promoted in {self.root} and no shipped default at {self.shipped} "
                "(import one with `elixir-coder model import-hf PATH` or build it with `elixir-coder train build-default`)"
            )
        raise ModelDirectoryError("no usable model: " + "; ".join(errors))

    def ab_choice(self, weights: dict[str, float], request_id: str) -> str:
        """Pick a version for an A/B split, deterministically by request id (same id, same version)."""
        total = sum(w for w in weights.values() if w > 0)
        if total <= 0:
            raise ValueError("A/B weights must include a positive weight")
        point = int(hashlib.sha256(request_id.encode()).hexdigest()[:12], 16) / 16**12 * total
        for version, weight in sorted(weights.items()):
            if weight <= 0:
                continue
            if point < weight:
                return version
            point -= weight
        return max(weights, key=lambda v: weights[v])

    def watch(self, callback: Callable[[str | None], None], stop_event: threading.Event) -> None:
        """Call `callback(current_version)` whenever the `current` pointer changes (blocks; run in a thread)."""
        from watchfiles import watch

        self.root.mkdir(parents=True, exist_ok=True)
        last = self.current_version()
        for _changes in watch(self.root, stop_event=stop_event, recursive=False, debounce=200):
            now = self.current_version()
            if now != last:
                last = now
                callback(now)


def _check_name(name: str) -> None:
    if not name or "/" in name or name.startswith(".") or name in ("..",):
        raise ModelDirectoryError(f"invalid version or adapter name {name!r}")
