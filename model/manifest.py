"""The model directory's `manifest.json`: what a model is, where it came from, how to prompt it.

A model directory holds CTranslate2's files (`model.bin`, `config.json`, vocabulary),
`tokenizer.json` and `manifest.json`. Reading validates all of it, so a corrupt or
half-written directory is refused with a message that says what is wrong.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json", MANIFEST_NAME)


class ModelDirectoryError(ValueError):
    """A model directory is missing, incomplete or corrupt."""


@dataclass
class Manifest:
    """Everything we record about one exported model."""

    name: str
    version: str
    architecture: str
    parameters: int
    vocabulary_size: int
    prompt_format: str  # "fim-psm" | "fim-spm" | "plain"
    quantization: str
    format_version: int = FORMAT_VERSION
    parent_version: str | None = None
    model_config: dict[str, Any] = field(default_factory=dict)
    special_tokens: dict[str, str | None] = field(default_factory=dict)
    adapter: str | None = None
    training_data_digest: str | None = None
    benchmarks: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Build from parsed JSON; unknown keys are ignored, missing required ones are an error."""
        known = {f.name for f in fields(cls)}
        required = {"name", "version", "architecture", "parameters", "vocabulary_size", "prompt_format", "quantization"}
        missing = sorted(required - set(data))
        if missing:
            raise ModelDirectoryError(f"manifest lacks {', '.join(missing)}")
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def has_fim(self) -> bool:
        """True when the model was trained with fill-in-the-middle tokens."""
        st = self.special_tokens or {}
        return self.prompt_format in FIM_FORMATS and all(st.get(k) for k in ("fim_prefix", "fim_suffix", "fim_middle"))

    @property
    def fim_order(self) -> str:
        """"spm" when the model was trained with the suffix first, else "psm"."""
        return "spm" if self.prompt_format == "fim-spm" else "psm"


FIM_FORMATS = ("fim-psm", "fim-spm")


def read_manifest(model_dir: Path) -> Manifest:
    """Read and validate a directory's manifest.json."""
    path = Path(model_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelDirectoryError(f"{model_dir}: no {MANIFEST_NAME} (not a model directory, or half-written)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelDirectoryError(f"{model_dir}: unreadable {MANIFEST_NAME}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelDirectoryError(f"{model_dir}: {MANIFEST_NAME} is not a JSON object")
    try:
        return Manifest.from_dict(data)
    except ModelDirectoryError as exc:
        raise ModelDirectoryError(f"{model_dir}: {exc}") from exc


def write_manifest(model_dir: Path, manifest: Manifest) -> Path:
    """Write manifest.json atomically (temp file, fsync, rename)."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    target = model_dir / MANIFEST_NAME
    fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=".manifest.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(manifest.to_dict(), fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def validate_model_dir(model_dir: Path) -> Manifest:
    """Check that a directory is a complete model: required files present and readable, JSON valid.

    Returns the manifest; raises ModelDirectoryError naming the first problem.
    """
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelDirectoryError(f"{model_dir}: no such model directory")
    for name in REQUIRED_FILES:
        p = model_dir / name
        if not p.is_file() or p.stat().st_size == 0:
            raise ModelDirectoryError(f"{model_dir}: {name} missing or empty (corrupt or half-written model)")
    for name in ("config.json", "tokenizer.json"):
        try:
            json.loads((model_dir / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelDirectoryError(f"{model_dir}: {name} is not valid JSON ({exc})") from exc
    return read_manifest(model_dir)
