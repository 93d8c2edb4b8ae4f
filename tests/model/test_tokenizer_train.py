"""Tokenizer training: Elixir symbols are single tokens, newline+indentation merges, lossless round trip."""

import pytest

pytest.importorskip("tokenizers")

from elixir_coder.training.tokenizer import (  # noqa: E402
    ELIXIR_SYMBOLS,
    SPECIAL_TOKENS,
    build_backend,
    load_tokenizer,
    save_tokenizer,
    special_token_ids,
    tokenizer_stats,
    train_tokenizer,
)

SAMPLE = '''defmodule Demo.Math do
  @moduledoc """
  Helpers.
  """

  @doc "Adds one."
  @spec inc(integer()) :: integer()
  def inc(x \\\\ 0), do: x + 1

  defp twice(list) do
    list
    |> Enum.map(fn x -> x * 2 end)
    |> Enum.concat([1] ++ [2])
  end

  def greet(name), do: "hi " <> name

  def check(s) do
    with {:ok, n} <- Integer.parse(s) do
      s =~ ~r/\\d+/ and n > 0
    end
  end
end
'''


@pytest.fixture(scope="module")
def tok():
    texts = [SAMPLE.replace("Math", f"Math{i}").replace("inc", f"inc{i}") for i in range(40)]
    return train_tokenizer(texts, vocab_size=600, min_frequency=2)


def test_vocab_size_and_special_tokens(tok):
    # A small corpus may run out of merges before the target; the vocabulary never exceeds it.
    assert 300 < tok.get_vocab_size() <= 600
    ids = special_token_ids(tok)
    assert sorted(ids.values()) == list(range(len(SPECIAL_TOKENS)))
    enc = tok.encode("<fim_prefix>def<fim_suffix>end<fim_middle>")
    assert enc.ids[0] == ids["fim_prefix"]
    assert ids["fim_middle"] in enc.ids


def test_every_elixir_symbol_is_one_token(tok):
    for sym in ELIXIR_SYMBOLS:
        assert len(tok.encode(sym).ids) == 1, sym
        assert len(tok.encode(" " + sym).ids) == 1, sym


def test_newline_and_indentation_form_one_piece():
    pieces = [p for p, _ in build_backend().pre_tokenizer.pre_tokenize_str("do\n    x |> y\nend")]
    assert "ĊĠĠĠĠ" in pieces
    assert "Ġ|>" in pieces


def test_newline_indent_token_learned(tok):
    assert "ĊĠĠ" in tok.encode("do\n  x").tokens


def test_round_trip_is_lossless(tok):
    for text in [SAMPLE, "  odd   spacing\t\ttabs\n\n\n", "unicode: héllo ✓ 日本", ""]:
        assert tok.decode(tok.encode(text).ids) == text


def test_stats(tok):
    stats = tokenizer_stats(tok, [SAMPLE])
    assert stats["symbol_coverage"] == 1.0
    assert stats["bytes_per_token"] > 1.5
    assert stats["roundtrip_ok"]


def test_save_and_load(tok, tmp_path):
    pytest.importorskip("transformers")
    save_tokenizer(tok, tmp_path)
    assert (tmp_path / "tokenizer.json").exists()
    again = load_tokenizer(tmp_path)
    assert again.encode(SAMPLE).ids == tok.encode(SAMPLE).ids
