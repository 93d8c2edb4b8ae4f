"""Export trained models to CTranslate2 model directories, and import Hugging Face checkpoints from disk.

Conversion needs torch and transformers (the `train` extra); the resulting directory needs
only ctranslate2 and tokenizers at run time.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elixir_coder.model.manifest import Manifest, ModelDirectoryError, validate_model_dir, write_manifest

QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "float32", "float16", "bfloat16")
SUPPORTED_MODEL_TYPES = ("llama", "mistral", "qwen2", "gpt2", "gpt_bigcode")

# Spellings of fill-in-the-middle tokens used by common code models (StarCoder, Qwen2.5-Coder, CodeLlama, ours).
_FIM_SPELLINGS = {
    "fim_prefix": ("<fim_prefix>", "<|fim_prefix|>", "<fim-prefix>", "<PRE>", "▁<PRE>"),
    "fim_suffix": ("<fim_suffix>", "<|fim_suffix|>", "<fim-suffix>", "<SUF>", "▁<SUF>"),
    "fim_middle": ("<fim_middle>", "<|fim_middle|>", "<fim-middle>", "<MID>", "▁<MID>"),
}
_EOS_SPELLINGS = ("<|endoftext|>", "</s>", "<|end_of_text|>", "<|im_end|>")


class ExportError(RuntimeError):
    """Conversion failed or the input is not a supported checkpoint."""


def _convert(hf_dir: Path, out_dir: Path, quantization: str) -> None:
    if quantization not in QUANTIZATIONS:
        raise ExportError(f"unknown quantization {quantization!r} (one of {', '.join(QUANTIZATIONS)})")
    from ctranslate2.converters import TransformersConverter

    try:
        TransformersConverter(str(hf_dir)).convert(str(out_dir), quantization=quantization, force=True)
    except Exception as exc:  # noqa: BLE001 - converter errors come in many types; report them as one
        raise ExportError(f"CTranslate2 conversion of {hf_dir} failed: {exc}") from exc


def _ensure_tokenizer_json(hf_dir: Path, out_dir: Path) -> None:
    src = hf_dir / "tokenizer.json"
    if src.is_file():
        shutil.copyfile(src, out_dir / "tokenizer.json")
        return
    # A checkpoint with only a slow tokenizer: let transformers write the fast one.
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(hf_dir), use_fast=True)
    except Exception as exc:  # noqa: BLE001
        raise ExportError(f"{hf_dir}: no tokenizer.json and no convertible tokenizer ({exc})") from exc
    with tempfile.TemporaryDirectory() as tmp:
        tok.save_pretrained(tmp)
        if not (Path(tmp) / "tokenizer.json").is_file():
            raise ExportError(f"{hf_dir}: tokenizer cannot be saved as tokenizer.json")
        shutil.copyfile(Path(tmp) / "tokenizer.json", out_dir / "tokenizer.json")


def export_model(hf_model_dir: Path, out_dir: Path, *, quantization: str = "int8", manifest: Manifest) -> Path:
    """Convert a saved transformers model into a complete model directory.

    Args:
        hf_model_dir: a `save_pretrained` directory that also holds `tokenizer.json`.
        out_dir: the model directory to write (replaced when it exists).
        quantization: CTranslate2 weight type (int8 for shipping; float32 for comparisons).
        manifest: written as manifest.json, with `quantization` set to the one used.
    """
    hf_model_dir, out_dir = Path(hf_model_dir), Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so a failed export never leaves a half-written directory.
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.export."))
    try:
        _convert(hf_model_dir, staging, quantization)
        _ensure_tokenizer_json(hf_model_dir, staging)
        manifest.quantization = quantization
        hf_config = _hf_config(hf_model_dir)
        if not manifest.model_config:
            manifest.model_config = model_config_from_hf(hf_config)
        if not manifest.parameters:
            manifest.parameters = _count_parameters(hf_model_dir)
        if not manifest.vocabulary_size:
            manifest.vocabulary_size = int(manifest.model_config.get("vocab_size") or 0)
        if not manifest.created_at:
            manifest.created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_manifest(staging, manifest)
        validate_model_dir(staging)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def detect_special_tokens(tokenizer_json: Path) -> dict[str, str | None]:
    """FIM and end-of-text tokens present in a tokenizer (None where absent)."""
    data = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    vocab: set[str] = set((data.get("model") or {}).get("vocab") or {})
    vocab |= {t.get("content", "") for t in data.get("added_tokens") or []}
    found: dict[str, str | None] = {}
    for role, spellings in _FIM_SPELLINGS.items():
        found[role] = next((s for s in spellings if s in vocab), None)
    found["eos"] = next((s for s in _EOS_SPELLINGS if s in vocab), None)
    found["pad"] = "<pad>" if "<pad>" in vocab else None
    return found


# Manifest model_config key -> the spellings Hugging Face configs use for it, first found wins.
_CONFIG_KEYS = {
    "hidden_size": ("hidden_size", "n_embd"),
    "layers": ("num_hidden_layers", "n_layer"),
    "heads": ("num_attention_heads", "n_head"),
    "kv_heads": ("num_key_value_heads",),
    "intermediate_size": ("intermediate_size", "n_inner"),
    "context_length": ("max_position_embeddings", "n_positions", "n_ctx"),
    "vocab_size": ("vocab_size",),
}


def model_config_from_hf(config: dict[str, Any]) -> dict[str, Any]:
    """The manifest's `model_config` from a Hugging Face config.json (Llama and GPT-2 spellings)."""
    out: dict[str, Any] = {}
    for key, spellings in _CONFIG_KEYS.items():
        value = next((config[s] for s in spellings if config.get(s) is not None), None)
        out[key] = value
    if out["kv_heads"] is None:
        # Multi-query GPT-BigCode has one key/value head; the others use as many as query heads.
        out["kv_heads"] = 1 if config.get("multi_query") else out["heads"]
    if out["intermediate_size"] is None and out["hidden_size"]:
        out["intermediate_size"] = 4 * out["hidden_size"]  # GPT-2's default when n_inner is null
    return out


def _hf_config(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: not a Hugging Face checkpoint (config.json unreadable: {exc})") from exc


def import_hf(path: Path, registry: Any, quantization: str = "int8", version: str | None = None) -> str:
    """Convert a Hugging Face causal LM on disk and register it; returns the registered version.

    Supports the architectures CTranslate2 converts (Llama, Mistral, Qwen2, GPT-2, GPT-BigCode).
    FIM tokens are detected in the tokenizer; without them the model is prompted left-to-right.
    """
    path = Path(path)
    config = _hf_config(path)
    model_type = config.get("model_type", "")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ExportError(f"{path}: model type {model_type!r} not supported (one of {', '.join(SUPPORTED_MODEL_TYPES)})")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        staging_tok = Path(tmp) / "tok"
        staging_tok.mkdir()
        _ensure_tokenizer_json(path, staging_tok)
        special = detect_special_tokens(staging_tok / "tokenizer.json")
        fim = all(special.get(k) for k in ("fim_prefix", "fim_suffix", "fim_middle"))
        n_params = _count_parameters(path)
        vocab = int(config.get("vocab_size") or 0)
        name = path.name or "imported"
        manifest = Manifest(
            name=name,
            version=version or f"hf-{name}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}",
            architecture=model_type,
            parameters=n_params,
            vocabulary_size=vocab,
            prompt_format="fim-psm" if fim else "plain",
            quantization=quantization,
            model_config=model_config_from_hf(config),
            special_tokens=special,
        )
        export_model(path, out, quantization=quantization, manifest=manifest)
        try:
            registry.register(out, version=manifest.version)
        except ModelDirectoryError as exc:
            raise ExportError(str(exc)) from exc
    return manifest.version


def _count_parameters(path: Path) -> int:
    """Parameter count from safetensors headers (no weights loaded); 0 when unknown."""
    total = 0
    for file in sorted(path.glob("*.safetensors")):
        try:
            with open(file, "rb") as fh:
                size = int.from_bytes(fh.read(8), "little")
                header = json.loads(fh.read(size))
        except (OSError, ValueError):
            return 0
        for key, info in header.items():
            if key == "__metadata__":
                continue
            n = 1
            for dim in info.get("shape", []):
                n *= dim
            total += n
    return total
