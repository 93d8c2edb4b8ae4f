"""Tiny models built inside the tests: a BPE tokenizer with FIM tokens and randomly initialised checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

SNIPPETS = [
    "defmodule Math do\n  def add(a, b), do: a + b\n  def sub(a, b), do: a - b\nend\n",
    "defmodule Greeter do\n  @doc \"Greets.\"\n  def hello(name) do\n    \"Hello, \" <> name\n  end\nend\n",
    "Enum.map(list, fn x -> x * 2 end) |> Enum.sum()\n",
    "case File.read(path) do\n  {:ok, data} -> data\n  {:error, _} -> nil\nend\n",
] * 20

SPECIAL = ["<|endoftext|>", "<pad>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"]


def train_tiny_tokenizer(out_dir: Path, special: list[str] = SPECIAL) -> Path:
    """A 300-token byte-level BPE saved as tokenizer.json."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(SNIPPETS, trainer)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok.save(str(out_dir / "tokenizer.json"))
    try:
        from transformers import PreTrainedTokenizerFast
    except ImportError:
        return out_dir / "tokenizer.json"
    # tokenizer_config.json names bos/eos/unk, which the CTranslate2 converter records.
    eos = special[0]
    PreTrainedTokenizerFast(
        tokenizer_file=str(out_dir / "tokenizer.json"), bos_token=eos, eos_token=eos, unk_token=eos,
        pad_token=special[1] if len(special) > 1 else eos,
    ).save_pretrained(out_dir)
    return out_dir / "tokenizer.json"


def build_tiny_llama(out_dir: Path, seed: int = 0) -> Path:
    """A randomly initialised 2-layer Llama with the tiny tokenizer, saved with save_pretrained."""
    torch = pytest.importorskip("torch")
    from transformers import LlamaConfig, LlamaForCausalLM

    train_tiny_tokenizer(out_dir)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=256, bos_token_id=0, eos_token_id=0, pad_token_id=1,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(out_dir)
    return out_dir


def build_tiny_gpt2(out_dir: Path) -> Path:
    """A randomly initialised GPT-2 checkpoint (no FIM tokens)."""
    torch = pytest.importorskip("torch")
    from transformers import GPT2Config, GPT2LMHeadModel

    train_tiny_tokenizer(out_dir, special=["<|endoftext|>"])
    torch.manual_seed(1)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=300, n_embd=32, n_layer=2, n_head=2, n_positions=128)).eval()
    model.save_pretrained(out_dir)
    return out_dir


def tiny_manifest(version: str = "t1", adapter: str | None = None):  # noqa: ANN201
    from elixir_coder.model.manifest import Manifest

    return Manifest(
        name=adapter or "base", version=version, architecture="llama", parameters=0, vocabulary_size=300,
        prompt_format="fim-psm", quantization="int8", adapter=adapter,
        special_tokens={"fim_prefix": "<fim_prefix>", "fim_suffix": "<fim_suffix>", "fim_middle": "<fim_middle>",
                        "eos": "<|endoftext|>", "pad": "<pad>"},
    )
