"""Pruning and distillation on tiny real Llama models (CPU, seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from tiny_models import SNIPPETS  # noqa: E402

from elixir_coder.training.optimize import (  # noqa: E402
    OptimizeError,
    count_params,
    distill,
    distillation_loss,
    magnitude_masks,
    magnitude_prune,
    prunable_weights,
    student_config,
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    texts = sorted(set(SNIPPETS))
    for split, docs in (("train", texts * 3), ("valid", texts[:2])):
        with open(d / f"{split}.jsonl", "w", encoding="utf-8") as fh:
            for i, t in enumerate(docs):
                fh.write(json.dumps({"path": f"{split}{i}.ex", "source": "test", "slices": [], "text": t}) + "\n")
    return d


@pytest.fixture(scope="module")
def teacher(tiny_hf: Path, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Llama trained briefly on the corpus, so its predictions are peaked (a random one is near uniform)."""
    from transformers import LlamaForCausalLM

    from elixir_coder.training.optimize import load_data
    from elixir_coder.training.pretrain import batch_loss, save_hf
    from elixir_coder.training.tokenizer import load_tokenizer

    torch.manual_seed(0)
    tok = load_tokenizer(tiny_hf)
    model = LlamaForCausalLM.from_pretrained(str(tiny_hf))
    data = load_data(tok, corpus, 32, 0.5, 0, 2)
    blocks = data.stream.blocks(0)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for i in range(60):
        batch = blocks[(i * 4) % max(1, len(blocks) - 4):][:4]
        batch_loss(model, batch, "cpu", "fp32").backward()
        optim.step()
        optim.zero_grad()
    return save_hf(model, tok, tmp_path_factory.mktemp("teacher"), 32)


def _linear_weights(hf_dir: Path) -> dict:
    from transformers import LlamaForCausalLM

    return prunable_weights(LlamaForCausalLM.from_pretrained(str(hf_dir)))


def test_masks_reach_requested_sparsity_per_layer_and_global() -> None:
    torch.manual_seed(0)
    weights = {"a.q_proj": torch.randn(16, 32), "b.down_proj": torch.randn(32, 64) * 10}
    per_layer = magnitude_masks(weights, 0.2, "layer")
    for name, w in weights.items():
        assert (~per_layer[name]).sum().item() == round(0.2 * w.numel())
    glob = magnitude_masks(weights, 0.2, "global")
    removed = sum((~m).sum().item() for m in glob.values())
    assert removed == round(0.2 * sum(w.numel() for w in weights.values()))
    # the small-scale matrix loses far more than 20% under one global threshold: why "layer" is the default
    assert (~glob["a.q_proj"]).float().mean().item() > 0.5
    with pytest.raises(OptimizeError):
        magnitude_masks(weights, 1.0)
    with pytest.raises(OptimizeError):
        magnitude_masks(weights, 0.2, "rows")


def test_prune_keeps_mask_through_recovery(tiny_hf: Path, corpus: Path, tmp_path: Path) -> None:
    before = _linear_weights(tiny_hf)
    summary = magnitude_prune(tiny_hf, tmp_path / "pruned", 0.2, corpus_dir=corpus, steps=6, time_limit_s=None,
                              learning_rate=1e-2, batch_size=2, context_length=32, threads=1, val_blocks=2,
                              echo=None)
    assert summary["recovery_steps"] == 6
    assert summary["mask_kept"] is True
    assert summary["sparsity"]["overall"] == pytest.approx(0.2, abs=0.002)
    assert summary["sparsity"]["min_layer"] == pytest.approx(0.2, abs=0.01)
    after = _linear_weights(tmp_path / "pruned" / "hf")
    assert (tmp_path / "pruned" / "hf" / "tokenizer.json").is_file()
    for name, w in after.items():
        zero = w == 0
        assert zero.float().mean().item() == pytest.approx(0.2, abs=0.01)
        # the zeros are where the smallest original magnitudes were, and the rest did train
        orig = before[name].abs()
        assert orig[zero].max() <= orig[~zero].min() + 1e-6
        assert not torch.equal(w[~zero], before[name][~zero])


def test_student_is_about_a_third() -> None:
    from transformers import LlamaConfig

    from elixir_coder.training.config import llama_config, load_preset

    small = llama_config(load_preset("small"))
    s = student_config(small)
    assert 0.28 <= count_params(s) / count_params(small) <= 0.38
    assert s.vocab_size == small.vocab_size and s.hidden_size < small.hidden_size
    from transformers import LlamaForCausalLM

    tiny = LlamaConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False)
    ts = student_config(tiny)
    real = sum(p.numel() for p in LlamaForCausalLM(ts).parameters())
    assert real == count_params(ts)
    assert 0.25 <= real / sum(p.numel() for p in LlamaForCausalLM(tiny).parameters()) <= 0.4


def test_distillation_loss_scales_soft_term() -> None:
    torch.manual_seed(0)
    s, t = torch.randn(2, 5, 11), torch.randn(2, 5, 11)
    y = torch.randint(0, 11, (2, 5))
    loss1, kl, ce = distillation_loss(s, t, y, temperature=2.0, alpha=1.0)
    assert loss1.item() == pytest.approx(4.0 * kl, rel=1e-5)
    loss0, _, ce0 = distillation_loss(s, t, y, temperature=2.0, alpha=0.0)
    assert loss0.item() == pytest.approx(ce0, rel=1e-5)
    same, kl_same, _ = distillation_loss(t, t, y, temperature=3.0, alpha=1.0)
    assert kl_same == pytest.approx(0.0, abs=1e-6)


def test_distill_reduces_kl_to_teacher(teacher: Path, corpus: Path, tmp_path: Path) -> None:
    summary = distill(teacher, tmp_path / "student", corpus_dir=corpus, temperature=2.0, alpha=0.9, steps=40,
                      time_limit_s=None, learning_rate=1e-2, batch_size=4, context_length=32, threads=1,
                      val_blocks=4, dtype="fp32", echo=None)
    assert summary["steps"] == 40
    assert summary["kl_to_teacher_end"] < 0.7 * summary["kl_to_teacher_start"]
    assert 0.25 <= summary["ratio"] <= 0.4
    assert (tmp_path / "student" / "hf" / "model.safetensors").is_file()
    with pytest.raises(OptimizeError):
        distill(teacher, tmp_path / "x", corpus_dir=corpus, temperature=1.0, echo=None)
    with pytest.raises(OptimizeError):
        distill(teacher, tmp_path / "y", corpus_dir=tmp_path / "missing", echo=None)


def test_measurements_on_a_real_ct2_model(tiny_model: Path) -> None:
    from elixir_coder.benchmarks.optimization import ct2_perplexity, dir_size, measure_latency, percentile

    prompts = [["<fim_prefix>", "def", "<fim_suffix>", "<fim_middle>"], ["Enum", ".", "map"]] * 3
    lat = measure_latency(tiny_model, "int8", prompts, new_tokens=8, warmup=1)
    assert lat["requests"] == 6 and lat["new_tokens"] == 8
    assert 0 < lat["median_ms"] <= lat["p95_ms"]
    ppl = ct2_perplexity(tiny_model, "int8", [["def", "add", "(", "a"], ["end", "Ċ"]])
    assert ppl["tokens"] == 4 and ppl["ppl"] > 1.0
    assert dir_size(tiny_model) > 10_000
    assert percentile([5.0, 1.0, 3.0, 2.0], 50) == 2.0
    with pytest.raises(ValueError):
        measure_latency(tiny_model, "float16", prompts)
    with pytest.raises(ValueError):
        ct2_perplexity(tiny_model, "int8", [])


def _variant(name: str, em: float, ppl: float, ms: float, size: int, p: float = 1.0) -> dict:
    return {"name": name, "source": name.split("-")[0], "next_line": {"exact_match": em}, "perplexity": {"ppl": ppl},
            "latency": {"median_ms": ms, "new_tokens": 32}, "size_bytes": size,
            "next_line_vs_reference": {"p_value": p}}


def test_recommend_picks_fastest_within_tolerance() -> None:
    from elixir_coder.benchmarks.optimization import recommend

    rec = recommend([
        _variant("teacher-float32", 0.30, 10.0, 40.0, 24_000_000),
        _variant("teacher-int8", 0.30, 10.1, 15.0, 6_500_000),
        _variant("pruned-int8", 0.25, 10.9, 15.0, 6_500_000, p=0.01),
        _variant("student-int8", 0.10, 30.0, 6.0, 2_700_000, p=0.001),
    ])
    assert rec["name"] == "teacher-int8"
    assert set(rec["rejected"]) == {"pruned-int8", "student-int8"}
    assert "perplexity" in rec["rejected"]["student-int8"]
    # a pruned model 2% faster is a latency tie: the plain quantized teacher is preferred
    tie = recommend([
        _variant("teacher-float32", 0.30, 10.0, 40.0, 24_000_000),
        _variant("teacher-int8", 0.30, 10.1, 15.0, 6_500_000),
        _variant("pruned-int8", 0.31, 9.0, 14.7, 6_500_000),
    ])
    assert tie["name"] == "teacher-int8" and tie["tied"] == ["pruned-int8"]
    clear = recommend([
        _variant("teacher-float32", 0.30, 10.0, 40.0, 24_000_000),
        _variant("teacher-int8", 0.30, 10.1, 15.0, 6_500_000),
        _variant("student-int8", 0.30, 10.2, 6.0, 2_700_000),
    ])
    assert clear["name"] == "student-int8" and clear["tied"] == []


def test_run_optimization_end_to_end(teacher: Path, corpus: Path, tmp_path: Path) -> None:
    from elixir_coder.training.optimize_report import VARIANTS, run_optimization

    md, js = tmp_path / "opt.md", tmp_path / "opt.json"
    result = run_optimization(teacher, corpus, tmp_path / "work", report=md, json_path=js, prune_steps=2,
                              distill_steps=2, eval_cases=6, latency_prompts=4, perplexity_blocks=2,
                              elixir_eval=False, command="test")
    assert [v["name"] for v in result["variants"]] == [row[0] for row in VARIANTS]
    sizes = {v["name"]: v["size_bytes"] for v in result["variants"]}
    assert sizes["teacher-float32"] > sizes["teacher-int8"]
    assert result["pruning"]["mask_kept"] and result["distillation"]["steps"] == 2
    text = md.read_text()
    assert "## Recommended configuration" in text and result["recommendation"]["name"] in text
    assert json.loads(js.read_text())["variants"][0]["next_line_vs_reference"] is None
    # a second run with the same teacher reuses the trained variants
    again = run_optimization(teacher, corpus, tmp_path / "work", report=md, json_path=js, prune_steps=50,
                             distill_steps=50, eval_cases=6, latency_prompts=4, perplexity_blocks=2,
                             elixir_eval=False)
    assert again["pruning"]["recovery_steps"] == 2
