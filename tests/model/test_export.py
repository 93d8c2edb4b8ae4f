"""Export to CTranslate2 (int8, float32), exactness against torch, and import of Hugging Face checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_models import build_tiny_gpt2, build_tiny_llama, tiny_manifest

from elixir_coder.model.engine import Engine, GenerationRequest
from elixir_coder.model.manifest import read_manifest, validate_model_dir
from elixir_coder.model.registry import Registry

torch = pytest.importorskip("torch")


def test_export_writes_a_complete_model_dir(tiny_model: Path) -> None:
    for name in ("model.bin", "config.json", "vocabulary.json", "tokenizer.json", "manifest.json"):
        assert (tiny_model / name).is_file()
    m = validate_model_dir(tiny_model)
    assert m.quantization == "int8" and m.has_fim and m.created_at.endswith("Z")
    # Filled from the checkpoint when the caller left them out.
    assert m.parameters > 0 and m.model_config["layers"] == 2 and m.model_config["kv_heads"] == 2
    assert m.model_config["context_length"] == 256 and m.model_config["vocab_size"] == 300


def test_quantizations_and_bad_input(tiny_hf: Path, tmp_path: Path) -> None:
    from elixir_coder.training.export import ExportError, export_model

    sizes = {}
    for q in ("int8", "int8_float32", "float32"):
        out = export_model(tiny_hf, tmp_path / q, quantization=q, manifest=tiny_manifest())
        assert read_manifest(out).quantization == q
        sizes[q] = (out / "model.bin").stat().st_size
    assert sizes["int8"] < sizes["float32"]
    with pytest.raises(ExportError, match="quantization"):
        export_model(tiny_hf, tmp_path / "bad", quantization="int3", manifest=tiny_manifest())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(ExportError):
        export_model(broken, tmp_path / "never", manifest=tiny_manifest())
    # A failed export leaves nothing behind, not even a half-written directory.
    assert not (tmp_path / "never").exists() and not list(tmp_path.glob(".never*"))


def test_float32_logits_and_greedy_tokens_match_torch(tiny_hf: Path, tmp_path: Path) -> None:
    from transformers import LlamaForCausalLM

    from elixir_coder.training.export import export_model

    f32 = export_model(tiny_hf, tmp_path / "f32", quantization="float32", manifest=tiny_manifest())
    engine = Engine(f32, compute_type="float32")
    tok = engine.tokenizer
    prefix = "defmodule Math do\n  def add(a, b), do: "
    prompt = engine.prompt_tokens(GenerationRequest(prefix=prefix, max_tokens=12))
    ids = [tok.token_id(t) for t in prompt]
    model = LlamaForCausalLM.from_pretrained(tiny_hf).eval()
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0]
        expected = torch.log_softmax(logits.float(), -1)[torch.arange(len(ids) - 1), torch.tensor(ids[1:])]
        out = model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False, eos_token_id=None,
                             pad_token_id=1)
    # Per-token log-probabilities of the prompt: CTranslate2 float32 vs torch.
    ours = engine.score(prompt)
    assert ours == pytest.approx(expected.tolist(), abs=1e-4)
    torch_ids = out[0, len(ids) :].tolist()
    greedy = engine.generate(GenerationRequest(prefix=prefix, max_tokens=12))[0]
    assert len(greedy.token_ids) > 0 and greedy.token_ids == torch_ids[: len(greedy.token_ids)]


def test_import_hf_llama_and_gpt2(tmp_path: Path) -> None:
    from elixir_coder.training.export import ExportError, import_hf

    reg = Registry(tmp_path / "reg", shipped=tmp_path / "none")
    llama = build_tiny_llama(tmp_path / "llama", seed=3)
    v1 = import_hf(llama, reg, version="llama-tiny")
    m = read_manifest(reg.resolve(v1))
    assert m.prompt_format == "fim-psm" and m.special_tokens["fim_middle"] == "<fim_middle>" and m.parameters > 0
    assert m.architecture == "llama" and m.quantization == "int8" and m.model_config["hidden_size"] == 32
    gpt2 = build_tiny_gpt2(tmp_path / "gpt2")
    v2 = import_hf(gpt2, reg, version="gpt2-tiny", quantization="float32")
    m2 = read_manifest(reg.resolve(v2))
    assert m2.prompt_format == "plain" and m2.architecture == "gpt2" and m2.special_tokens["fim_prefix"] is None
    assert m2.model_config["context_length"] == 128 and m2.model_config["layers"] == 2
    engine = Engine(reg.resolve(v2))
    out = engine.generate(GenerationRequest(prefix="def ", suffix=" end", max_tokens=5))[0]
    assert len(out.token_ids) >= 1
    assert not any(t.startswith("<fim") for t in engine.prompt_tokens(GenerationRequest(prefix="x", suffix="y")))
    assert {v.version for v in reg.list()} == {"llama-tiny", "gpt2-tiny"}
    (tmp_path / "notamodel").mkdir()
    (tmp_path / "notamodel" / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ExportError, match="not supported"):
        import_hf(tmp_path / "notamodel", reg)
    with pytest.raises(ExportError, match="config.json"):
        import_hf(tmp_path / "nowhere", reg)
