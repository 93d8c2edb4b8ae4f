"""FIM prompts: PSM order, the token budget, nearest lines kept whole, plain fallback (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_models import SPECIAL, tiny_manifest

from elixir_coder.model.prompt import build_prompt, fit_prefix, fit_suffix
from elixir_coder.model.tokenizer import ModelTokenizer

PREFIX = "defmodule Big do\n" + "".join(f"  def f{i}(x), do: x + {i}\n" for i in range(120)) + "  def g(y) do\n    y |> "
SUFFIX = "\n  end\n" + "".join(f"  def h{i}(z), do: z * {i}\n" for i in range(120)) + "end\n"


@pytest.fixture(scope="module")
def tok_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's Elixir pre-tokenizer (newline + indentation as one piece) with a small BPE."""
    from tokenizers import trainers

    from elixir_coder.training.tokenizer import build_backend

    backend = build_backend()
    backend.train_from_iterator([PREFIX + SUFFIX] * 5, trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIAL))
    path = Path(tmp_path_factory.mktemp("tok")) / "tokenizer.json"
    backend.save(str(path))
    return path


@pytest.fixture(scope="module")
def tok(tok_path: Path) -> ModelTokenizer:
    return ModelTokenizer(tok_path, tiny_manifest())


def _sections(tok: ModelTokenizer, tokens: list[str]) -> tuple[str, str]:
    """Decoded prefix and suffix sections of a PSM prompt."""
    i, j = tokens.index("<fim_suffix>"), tokens.index("<fim_middle>")
    dec = lambda ts: tok.decode([tok.token_id(t) for t in ts])  # noqa: E731
    return dec(tokens[1:i]), dec(tokens[i + 1 : j])


def test_psm_order_and_budget(tok: ModelTokenizer) -> None:
    for budget in (16, 40, 100, 250, 5000):
        p = build_prompt(tok, PREFIX, SUFFIX, budget=budget)
        assert len(p.tokens) <= budget
        assert p.tokens[0] == "<fim_prefix>" and p.tokens[-1] == "<fim_middle>"
        assert p.tokens.count("<fim_suffix>") == 1
        assert p.tokens.index("<fim_prefix>") < p.tokens.index("<fim_suffix>") < p.tokens.index("<fim_middle>")
    whole = build_prompt(tok, PREFIX, SUFFIX, budget=100_000)
    assert _sections(tok, whole.tokens) == (PREFIX, SUFFIX)


def test_nearest_lines_are_kept_whole(tok: ModelTokenizer) -> None:
    p = build_prompt(tok, PREFIX, SUFFIX, budget=200)
    pre, suf = _sections(tok, p.tokens)
    # The prefix is a tail of the real prefix starting at a line start; the suffix a head ending at a line end.
    assert PREFIX.endswith(pre) and PREFIX[len(PREFIX) - len(pre) - 1] == "\n"
    assert SUFFIX.startswith(suf) and suf.endswith("\n")
    assert pre.endswith("    y |> ") and suf.startswith("\n  end\n")
    assert p.prefix_lines_kept == pre.count("\n") + 1 and p.suffix_lines_kept == suf.count("\n")
    assert 1 < p.prefix_lines_kept < PREFIX.count("\n") and 1 < p.suffix_lines_kept < SUFFIX.count("\n")
    # The suffix takes at most its share; the prefix gets the rest.
    assert len(tok.tokens(suf)) <= int(197 * 0.25) and len(p.tokens) > 150


def test_kept_text_is_tokenized_as_one_piece(tok: ModelTokenizer) -> None:
    """Newlines merge with the next line's indentation, so lines must not be tokenized one by one."""
    tokens, kept = fit_prefix(tok, PREFIX, 90)
    text = "\n".join(PREFIX.split("\n")[-kept:])
    assert tokens == tok.tokens(text) and len(tokens) <= 90
    assert any("\n" in tok.decode([tok.token_id(t)]) and tok.decode([tok.token_id(t)]).strip(" ") == "\n"
               and len(tok.decode([tok.token_id(t)])) > 1 for t in tokens)  # "\n  "-style tokens survive
    head, n = fit_suffix(tok, SUFFIX, 30)
    assert head == tok.tokens("".join(ln + "\n" for ln in SUFFIX.split("\n")[:n]))


def test_overlong_cursor_line_and_empty_suffix(tok: ModelTokenizer) -> None:
    long_line = "    x = " + " + ".join(f"x{i}" for i in range(300))
    tokens, kept = fit_prefix(tok, "def a do\n" + long_line, 20)
    assert kept == 1 and len(tokens) == 20 and tok.decode([tok.token_id(t) for t in tokens]).endswith("x299")
    p = build_prompt(tok, PREFIX, "   \n", budget=64)
    assert p.tokens[-2:] == ["<fim_suffix>", "<fim_middle>"] and p.suffix_lines_kept == 0  # no budget wasted
    assert build_prompt(tok, "", "", budget=10).tokens == ["<fim_prefix>", "<fim_suffix>", "<fim_middle>"]


def test_plain_prompt_for_models_without_fim(tok: ModelTokenizer, tok_path: Path) -> None:
    p = build_prompt(tok, PREFIX, SUFFIX, budget=50, fim=False)
    assert len(p.tokens) <= 50 and not any(t.startswith("<fim") for t in p.tokens)
    assert PREFIX.endswith(tok.decode([tok.token_id(t) for t in p.tokens]))
    no_fim = ModelTokenizer(tok_path, None)
    with pytest.raises(ValueError, match="FIM"):
        build_prompt(no_fim, PREFIX, SUFFIX, budget=50, fim=True)



def test_spm_order_puts_the_suffix_first_and_ends_with_the_prefix(tok: ModelTokenizer) -> None:
    """SPM: <fim_prefix> <fim_suffix> suffix <fim_middle> prefix, so the middle continues the prefix."""
    for budget in (16, 40, 250):
        p = build_prompt(tok, PREFIX, SUFFIX, budget=budget, order="spm")
        assert len(p.tokens) <= budget
        assert p.tokens[:2] == ["<fim_prefix>", "<fim_suffix>"] and p.tokens.count("<fim_middle>") == 1
    whole = build_prompt(tok, PREFIX, SUFFIX, budget=100_000, order="spm")
    m = whole.tokens.index("<fim_middle>")
    dec = lambda ts: tok.decode([tok.token_id(t) for t in ts])  # noqa: E731
    assert dec(whole.tokens[2:m]) == SUFFIX and dec(whole.tokens[m + 1 :]) == PREFIX


def test_manifest_fim_order() -> None:
    import dataclasses

    m = tiny_manifest()
    assert dataclasses.replace(m, prompt_format="fim-spm").fim_order == "spm"
    assert dataclasses.replace(m, prompt_format="fim-spm").has_fim
    assert dataclasses.replace(m, prompt_format="fim-psm").fim_order == "psm"
    assert not dataclasses.replace(m, prompt_format="plain").has_fim


def test_token_counts_are_remembered_and_bounded(tok_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import elixir_coder.model.tokenizer as tokenizer_module

    fresh = ModelTokenizer(tok_path, tiny_manifest())
    lines = [ln + "\n" for ln in PREFIX.split("\n")[:40]]
    expected = [len(t) for t in fresh.tokens_batch(lines)]
    assert fresh.counts(lines) == expected
    assert fresh.counts(lines + lines[:3]) == expected + expected[:3]  # from the cache, repeats included
    # The prompt is the same whether the counts come from the cache or not.
    cold = ModelTokenizer(tok_path, tiny_manifest())
    assert build_prompt(fresh, PREFIX, SUFFIX, budget=128).tokens == build_prompt(cold, PREFIX, SUFFIX, budget=128).tokens
    monkeypatch.setattr(tokenizer_module, "COUNT_CACHE_SIZE", 10)
    small = ModelTokenizer(tok_path, tiny_manifest())
    assert small.counts(lines) == expected  # more lines than it keeps: all counted, the newest kept
    assert list(small._counts) == list(dict.fromkeys(lines))[-10:]
