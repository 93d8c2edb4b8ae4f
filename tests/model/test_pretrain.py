"""Pretraining loop on the tiny preset: FIM packing, loss, checkpoints and resume, saved model."""

import json
import random

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from elixir_coder.training.config import load_preset  # noqa: E402
from elixir_coder.training.corpus import CorpusOptions, build_corpus, default_sources, read_documents  # noqa: E402
from elixir_coder.training.pretrain import TokenStream, chunk_text, cut_suffix, fim_split, lr_at, pretrain  # noqa: E402
from elixir_coder.training.tokenizer import save_tokenizer, special_token_ids, train_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("pre")
    corpus = root / "corpus"
    build_corpus(default_sources(include_debian=False), corpus, CorpusOptions(), log=lambda *_: None)
    texts = [r["text"] for r in read_documents(corpus, "train")]
    tok = train_tokenizer(texts, vocab_size=load_preset("tiny").tokenizer.vocab_size)
    save_tokenizer(tok, root / "tok")
    return root, tok


def test_chunking_and_fim_split():
    text = "".join(f"line {i}\n" for i in range(100))
    chunks = chunk_text(text, 50)
    assert "".join(chunks) == text
    assert all(len(c) <= 50 for c in chunks)
    pre, mid, suf = fim_split("abcdef", random.Random(1))
    assert pre + mid + suf == "abcdef"


def test_fim_split_points_sit_where_an_editor_cursor_can():
    text = "defmodule Cart do\n  def total(items) do\n    Enum.sum(items) + 10_000\n  end\nend\n"
    rng = random.Random(7)
    ends_at_line_end = 0
    for _ in range(400):
        pre, mid, suf = fim_split(text, rng)
        assert pre + mid + suf == text
        for left, right in ((pre, mid + suf), (pre + mid, suf)):
            # Never inside a word: the prompt's last token is whole, as in the editor.
            assert not (left[-1:].isalnum() and right[:1].isalnum()), (left[-10:], right[:10])
        ends_at_line_end += suf.startswith("\n") or not suf
    assert ends_at_line_end > 150  # single- and multi-line middles are common


def test_fim_stream_format(workdir):
    _, tok = workdir
    ids = special_token_ids(tok)
    stream = TokenStream(tok, ["defmodule A do\n  def a, do: 1\nend\n"] * 20, 64, fim_rate=1.0, seed=3)
    seq = stream.token_ids(0)
    assert seq[0] == ids["fim_prefix"]
    assert seq.count(ids["fim_prefix"]) == seq.count(ids["fim_middle"]) == seq.count(ids["eos"]) == 20
    # PSM order: prefix, suffix, middle within each sample.
    p, s, m = seq.index(ids["fim_prefix"]), seq.index(ids["fim_suffix"]), seq.index(ids["fim_middle"])
    assert p < s < m
    plain = stream.token_ids(0, fim_rate=0.0)
    assert ids["fim_prefix"] not in plain
    blocks = stream.blocks(0)
    assert blocks.shape[1] == 65
    assert torch.equal(blocks, stream.blocks(0))  # deterministic per epoch


def test_spm_stream_puts_the_suffix_first_and_the_middle_right_after_the_prefix(workdir):
    _, tok = workdir
    ids = special_token_ids(tok)
    text = "defmodule A do\n  def a, do: 1\n  def b, do: 2\nend\n"
    stream = TokenStream(tok, [text] * 10, 64, fim_rate=1.0, seed=5, fim_format="spm")
    seq = stream.token_ids(0)
    start = 0
    for _ in range(10):
        p, s, m = (seq.index(ids[k], start) for k in ("fim_prefix", "fim_suffix", "fim_middle"))
        end = seq.index(ids["eos"], start)
        assert p + 1 == s < m < end  # <pre> <suf> suffix <mid> prefix middle <eos>
        suffix = tok.decode(seq[s + 1 : m])
        prefix_and_middle = tok.decode(seq[m + 1 : end])
        assert text.startswith(prefix_and_middle) and text.endswith(suffix)
        start = end + 1


def test_cut_suffix_keeps_whole_lines():
    suffix = "".join(f"  line {i}\n" for i in range(100))
    cut = cut_suffix(suffix, 50)
    assert suffix.startswith(cut) and cut.endswith("\n") and len(cut) <= 50
    assert cut_suffix("short", 50) == "short"
    assert cut_suffix("x" * 80, 50) == "x" * 50  # one long line is cut at the limit


def test_lr_schedule():
    assert lr_at(0, 100, 1.0, 0.1, 10) == pytest.approx(0.1)
    assert lr_at(10, 100, 1.0, 0.1, 10) == pytest.approx(1.0)
    assert lr_at(100, 100, 1.0, 0.1, 10) == pytest.approx(0.1)
    assert lr_at(50, 100, 1.0, 0.1, 10, progress=1.0) == pytest.approx(0.1)


def test_pretrain_learns_checkpoints_and_resumes(workdir):
    root, _ = workdir
    preset = load_preset("tiny")
    out = root / "run"
    first = pretrain(preset, root / "corpus", root / "tok", out, max_steps=12, echo=None)
    assert first["steps"] == 12
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in log if r["event"] == "train"]
    assert losses[-1] < losses[0]
    assert any(r["event"] == "eval" for r in log)
    assert (out / "checkpoint.pt").exists()
    assert (out / "hf" / "model.safetensors").exists() and (out / "hf" / "tokenizer.json").exists()

    again = pretrain(preset, root / "corpus", root / "tok", out, max_steps=16, echo=None)
    assert again["steps"] == 16
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert any(r["event"] == "resume" and r["step"] == 12 for r in log)

    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(str(out / "hf"))
    assert model.config.vocab_size == preset.model.vocab_size


def test_time_limit_stops_early(workdir):
    root, _ = workdir
    res = pretrain(load_preset("tiny"), root / "corpus", root / "tok", root / "timed", max_steps=10_000,
                   time_limit_s=0.5, echo=None)
    assert 0 < res["steps"] < 10_000


def test_cpu_limit_stops_early_and_counts_across_resume(workdir):
    root, _ = workdir
    out = root / "cpu"
    first = pretrain(load_preset("tiny"), root / "corpus", root / "tok", out, max_steps=10_000, cpu_limit_s=0.5,
                     echo=None)
    assert 0 < first["steps"] < 10_000 and first["cpu_s"] >= 0.5
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert any(r["event"] == "cpu_limit" for r in log)
    # The CPU seconds already spent travel in the checkpoint: a resumed run with the same budget stops at once.
    again = pretrain(load_preset("tiny"), root / "corpus", root / "tok", out, max_steps=10_000, cpu_limit_s=0.5,
                     echo=None)
    assert again["steps"] == first["steps"]


def test_budget_warmup_ends_early_for_runs_with_few_steps():
    from elixir_coder.training.pretrain import budget_lr

    cfg = load_preset("small").train
    assert budget_lr(10, 100_000, cfg, None) == lr_at(10, 100_000, cfg.learning_rate, cfg.min_lr, cfg.warmup_steps)
    # A large model that reaches only 50 steps in its budget: at 5% of the budget the peak rate is reached...
    assert budget_lr(5, 100_000, cfg, 0.05) == pytest.approx(cfg.learning_rate)
    # ...and by the end of the budget the rate has decayed to the floor, not stuck in warmup.
    assert budget_lr(50, 100_000, cfg, 1.0) == pytest.approx(cfg.min_lr)
    assert budget_lr(2, 100_000, cfg, 0.01) < cfg.learning_rate
