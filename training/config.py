"""Model/training presets: load the YAML files in training/configs/, validate them, build LlamaConfig."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class ConfigError(ValueError):
    """A preset file is missing, malformed or inconsistent."""


@dataclass
class ModelSettings:
    """Llama-style architecture hyperparameters."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    max_position_embeddings: int
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True


@dataclass
class TokenizerSettings:
    """BPE training settings."""

    vocab_size: int
    min_frequency: int = 2


@dataclass
class TrainSettings:
    """Pretraining loop settings."""

    context_length: int
    batch_size: int
    max_steps: int
    learning_rate: float
    min_lr: float
    warmup_steps: int
    grad_accum: int = 1
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    fim_rate: float = 0.5
    # "spm" puts the suffix first, so the middle continues the prefix directly: a small model completes from
    # local context it already models well. "psm" is the classic prefix-suffix-middle order.
    fim_format: str = "psm"
    eval_interval: int = 100
    eval_batches: int = 16
    checkpoint_interval: int = 100
    log_interval: int = 10
    seed: int = 1234
    dtype: str = "bf16"


@dataclass
class LoraSettings:
    """LoRA fine-tuning settings, shared by the exunit/phoenix/nerves adapters."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )
    learning_rate: float = 1e-3
    max_steps: int = 100
    eval_interval: int = 10
    eval_batches: int = 8
    batch_size: int = 8


@dataclass
class Preset:
    """One named preset: architecture, tokenizer, pretraining and LoRA settings."""

    name: str
    model: ModelSettings
    tokenizer: TokenizerSettings
    train: TrainSettings
    lora: LoraSettings
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (what the YAML holds), for logs and summaries."""
        d = dataclasses.asdict(self)
        d.pop("source", None)
        return d


def _build(cls: type, raw: Any, section: str) -> Any:
    """Instantiate a settings dataclass from a mapping, coercing numbers and rejecting unknown keys."""
    if not isinstance(raw, dict):
        raise ConfigError(f"section '{section}' must be a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"section '{section}': unknown keys {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        ftype = str(fields[name].type)
        try:
            # PyYAML reads "3e-3" as a string; coerce by the declared type.
            if ftype == "int":
                if isinstance(value, bool) or float(value) != int(float(value)):
                    raise ValueError
                kwargs[name] = int(float(value))
            elif ftype == "float":
                kwargs[name] = float(value)
            elif ftype == "bool":
                if not isinstance(value, bool):
                    raise ValueError
                kwargs[name] = value
            elif ftype == "str":
                kwargs[name] = str(value)
            else:
                kwargs[name] = list(value) if ftype.startswith("list") else value
        except (TypeError, ValueError):
            raise ConfigError(f"section '{section}': '{name}' must be {ftype}, got {value!r}") from None
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"section '{section}': {exc}") from None


def validate(preset: Preset) -> Preset:
    """Check cross-field constraints; raises ConfigError with the first problem found."""
    m, t, tr, lo = preset.model, preset.tokenizer, preset.train, preset.lora
    for label, value in [
        ("model.vocab_size", m.vocab_size),
        ("model.hidden_size", m.hidden_size),
        ("model.intermediate_size", m.intermediate_size),
        ("model.num_hidden_layers", m.num_hidden_layers),
        ("model.num_attention_heads", m.num_attention_heads),
        ("model.num_key_value_heads", m.num_key_value_heads),
        ("train.context_length", tr.context_length),
        ("train.batch_size", tr.batch_size),
        ("train.max_steps", tr.max_steps),
        ("train.grad_accum", tr.grad_accum),
        ("lora.r", lo.r),
        ("lora.max_steps", lo.max_steps),
        ("lora.batch_size", lo.batch_size),
    ]:
        if value <= 0:
            raise ConfigError(f"{label} must be positive (got {value})")
    if m.hidden_size % m.num_attention_heads:
        raise ConfigError("model.hidden_size must be divisible by model.num_attention_heads")
    if m.num_attention_heads % m.num_key_value_heads:
        raise ConfigError("model.num_attention_heads must be divisible by model.num_key_value_heads")
    if (m.hidden_size // m.num_attention_heads) % 2:
        raise ConfigError("head dimension must be even for rotary embeddings")
    if t.vocab_size != m.vocab_size:
        raise ConfigError("tokenizer.vocab_size must equal model.vocab_size")
    if t.vocab_size < 300:
        raise ConfigError("tokenizer.vocab_size must be at least 300 (256 bytes + special tokens)")
    if tr.context_length > m.max_position_embeddings:
        raise ConfigError("train.context_length exceeds model.max_position_embeddings")
    if not 0.0 <= tr.fim_rate <= 1.0:
        raise ConfigError("train.fim_rate must be within [0, 1]")
    if tr.fim_format not in ("psm", "spm"):
        raise ConfigError("train.fim_format must be 'psm' or 'spm'")
    if tr.min_lr > tr.learning_rate:
        raise ConfigError("train.min_lr must not exceed train.learning_rate")
    if tr.dtype not in ("bf16", "fp32"):
        raise ConfigError("train.dtype must be 'bf16' or 'fp32'")
    if not lo.target_modules:
        raise ConfigError("lora.target_modules must not be empty")
    return preset


def list_presets() -> list[str]:
    """Names of the presets shipped in training/configs/."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def load_preset(name_or_path: str | Path) -> Preset:
    """Load a preset by name (tiny, small, 125m, 350m) or from a YAML path, validated."""
    path = Path(name_or_path)
    if not path.suffix:
        path = CONFIG_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(f"no preset '{name_or_path}' (known: {', '.join(list_presets())})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a mapping")
    missing = [k for k in ("name", "model", "tokenizer", "train") if k not in raw]
    if missing:
        raise ConfigError(f"{path}: missing sections {', '.join(missing)}")
    preset = Preset(
        name=str(raw["name"]),
        model=_build(ModelSettings, raw["model"], "model"),
        tokenizer=_build(TokenizerSettings, raw["tokenizer"], "tokenizer"),
        train=_build(TrainSettings, raw["train"], "train"),
        lora=_build(LoraSettings, raw.get("lora") or {}, "lora"),
        source=str(path),
    )
    return validate(preset)


def shrink(preset: Preset, *, hidden_size: int = 64, layers: int = 2, vocab_size: int = 512) -> Preset:
    """Same preset scaled down (keeping head layout and ratios) so any preset can be instantiated in tests."""
    m = preset.model
    head_dim = hidden_size // m.num_attention_heads
    if head_dim < 2 or head_dim % 2:
        head_dim = 2
    hidden = head_dim * m.num_attention_heads
    ratio = m.intermediate_size / m.hidden_size
    small = dataclasses.replace(
        m,
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=max(8, int(hidden * ratio)),
        num_hidden_layers=layers,
        max_position_embeddings=min(m.max_position_embeddings, 256),
    )
    train = dataclasses.replace(preset.train, context_length=min(preset.train.context_length, 64))
    return dataclasses.replace(
        preset,
        model=small,
        tokenizer=dataclasses.replace(preset.tokenizer, vocab_size=vocab_size),
        train=train,
    )


def llama_config(preset: Preset, *, bos_token_id: int = 0, eos_token_id: int = 0, pad_token_id: int = 1):
    """transformers.LlamaConfig for a preset (imports transformers lazily)."""
    from transformers import LlamaConfig

    m = preset.model
    return LlamaConfig(
        vocab_size=m.vocab_size,
        hidden_size=m.hidden_size,
        intermediate_size=m.intermediate_size,
        num_hidden_layers=m.num_hidden_layers,
        num_attention_heads=m.num_attention_heads,
        num_key_value_heads=m.num_key_value_heads,
        max_position_embeddings=m.max_position_embeddings,
        rope_theta=m.rope_theta,
        tie_word_embeddings=m.tie_word_embeddings,
        bos_token_id=bos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=pad_token_id,
        hidden_act="silu",
        rms_norm_eps=1e-5,
        attention_bias=False,
        mlp_bias=False,
    )


def parameter_count(preset: Preset) -> int:
    """Parameter count of a preset's model, computed without instantiating it."""
    m = preset.model
    head_dim = m.hidden_size // m.num_attention_heads
    attn = m.hidden_size * head_dim * (2 * m.num_attention_heads + 2 * m.num_key_value_heads)
    mlp = 3 * m.hidden_size * m.intermediate_size
    norms = 2 * m.hidden_size
    emb = m.vocab_size * m.hidden_size
    head = 0 if m.tie_word_embeddings else emb
    return m.num_hidden_layers * (attn + mlp + norms) + emb + head + m.hidden_size
