"""Presets: every YAML loads, validates and instantiates (scaled down) as a Llama model."""

import pytest

from elixir_coder.training.config import (
    ConfigError,
    list_presets,
    load_preset,
    parameter_count,
    shrink,
)


def test_shipped_presets_present():
    assert {"tiny", "small", "125m", "350m"} <= set(list_presets())


@pytest.mark.parametrize("name", ["tiny", "small", "125m", "350m"])
def test_preset_loads_and_validates(name):
    p = load_preset(name)
    assert p.name == name
    assert p.model.vocab_size == p.tokenizer.vocab_size
    assert p.train.context_length <= p.model.max_position_embeddings


def test_small_preset_is_the_shipped_size():
    p = load_preset("small")
    assert 5_000_000 <= parameter_count(p) <= 7_000_000
    assert 8192 <= p.model.vocab_size <= 16384
    assert p.train.context_length == 512


@pytest.mark.parametrize("name", ["tiny", "small", "125m", "350m"])
def test_preset_instantiates_at_tiny_size(name):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers import LlamaForCausalLM

    from elixir_coder.training.config import llama_config

    p = shrink(load_preset(name))
    model = LlamaForCausalLM(llama_config(p))
    assert sum(x.numel() for x in model.parameters()) == parameter_count(p)
    out = model(input_ids=torch.randint(0, p.model.vocab_size, (2, 16))).logits
    assert out.shape == (2, 16, p.model.vocab_size)
    # The scaled model keeps the preset's attention layout.
    full = load_preset(name)
    assert p.model.num_attention_heads == full.model.num_attention_heads
    assert p.model.num_key_value_heads == full.model.num_key_value_heads


def _write(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def test_bad_presets_are_rejected(tmp_path):
    base = (load_preset("tiny").source and open(load_preset("tiny").source).read())
    with pytest.raises(ConfigError, match="divisible"):
        load_preset(_write(tmp_path, base.replace("num_attention_heads: 4", "num_attention_heads: 3")))
    with pytest.raises(ConfigError, match="unknown keys"):
        load_preset(_write(tmp_path, base.replace("rope_theta:", "rope_thetta:")))
    with pytest.raises(ConfigError, match="tokenizer.vocab_size"):
        load_preset(_write(tmp_path, base.replace("vocab_size: 1024\n  min_frequency", "vocab_size: 2048\n  min_frequency")))
    with pytest.raises(ConfigError, match="must be int"):
        load_preset(_write(tmp_path, base.replace("batch_size: 4\n  grad_accum", "batch_size: four\n  grad_accum")))
    with pytest.raises(ConfigError, match="no preset"):
        load_preset("nonexistent")


def test_scientific_notation_is_read_as_float():
    assert isinstance(load_preset("tiny").train.learning_rate, float)


def test_shipped_default_model_is_complete_and_small():
    """model/default/ holds base + three adapters, each a valid int8 model directory, 40 MB at most."""
    from pathlib import Path

    from elixir_coder.model.manifest import validate_model_dir

    root = Path(__file__).resolve().parents[2] / "model" / "default"
    if not root.is_dir():
        import elixir_coder.model

        root = Path(elixir_coder.model.__file__).resolve().parent / "default"
    total = 0
    # base always; an adapter ships only when it beat the base on its slice (build_default's margin)
    shipped = ["base", *[n for n in ("exunit", "phoenix", "nerves") if (root / n).is_dir()]]
    assert len(shipped) >= 1 and (root / "base").is_dir()
    for name in shipped:
        manifest = validate_model_dir(root / name)
        assert manifest.adapter == (None if name == "base" else name)
        assert manifest.quantization.startswith("int8")
        assert manifest.prompt_format in ("fim-psm", "fim-spm", "plain")
        assert manifest.special_tokens["fim_middle"] == "<fim_middle>"
        total += sum(p.stat().st_size for p in (root / name).rglob("*") if p.is_file())
    assert total <= 40 * 1024 * 1024
