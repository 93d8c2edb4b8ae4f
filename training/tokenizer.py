"""Byte-level BPE tokenizer for Elixir: indentation-aware pre-tokenizer, FIM special tokens, coverage stats."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ["<|endoftext|>", "<pad>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>"]
SPECIAL_TOKEN_MAP = {
    "eos": "<|endoftext|>",
    "pad": "<pad>",
    "fim_prefix": "<fim_prefix>",
    "fim_suffix": "<fim_suffix>",
    "fim_middle": "<fim_middle>",
}
# Symbols that must come out as exactly one token (checked after training; missing ones are added).
ELIXIR_SYMBOLS = [
    "|>", "<-", "->", "::", "<>", "++", "=~", "\\\\", "do:", "defmodule", "defp", "def", "end", "do",
    "@spec", "@doc", "@moduledoc", "@impl", "fn", "~r/", "~s(", "~w(", "~S\"\"\"", "~H\"\"\"", "~r{", "~D[",
]

# Pre-tokenizer pieces, tried left to right at each position. Newline plus the next line's indentation is one
# piece, so BPE learns "\n    " style tokens; operators and keyword-list keys are their own pieces (with an
# optional leading space, like GPT-2 words) so merges never straddle them.
_OPERATORS = [
    r"\|>", "<-", "->", "::", "<>", r"\+\+", "--", "=~", r"\\\\", "=>", "===", "!==", "==", "!=", "<=", ">=",
    "&&", r"\|\|", r"\.\.", "<<", ">>", r"\^",
]
PRE_TOKENIZE_PATTERN = "|".join(
    [
        r"\r?\n[ \t]*",
        r' ?~[A-Za-z]+(?:"""|' + "'''" + r"""|[/|"'(\[{<])""",
        r" ?@[a-z_][A-Za-z0-9_]*",
        r" ?[A-Za-z_][A-Za-z0-9_]*[?!]?:(?=\s|\z)",
        r" ?[A-Za-z_][A-Za-z0-9_]*[?!]?",
        r" ?:[A-Za-z_][A-Za-z0-9_]*[?!]?",
        r" ?[0-9]{1,3}",
        r" ?(?:" + "|".join(_OPERATORS) + ")",
        r" ?[^\sA-Za-z0-9_]+",
        r"[ \t]+(?![^ \t\r\n])",
        r"[ \t]+",
    ]
)


def build_backend(vocab_size: int | None = None):
    """An untrained tokenizers.Tokenizer with the Elixir pre-tokenizer and byte-level decoding."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRE_TOKENIZE_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    return tok


def _symbol_primer(repeats: int) -> str:
    """Synthetic text repeating each Elixir symbol, bare and after a space, so BPE learns each as one token."""
    return "\n".join(f"{s} {s}" for s in ELIXIR_SYMBOLS for _ in range(repeats))


def train_tokenizer(texts: Iterable[str], vocab_size: int, min_frequency: int = 2, primer_repeats: int = 200):
    """Train byte-level BPE on texts; the vocabulary (special tokens included) has exactly vocab_size entries.

    A small primer text makes the Elixir symbols frequent enough to be merged into single tokens; any symbol
    still split afterwards is added as an added token (the vocabulary is trained that much smaller first).
    """
    from tokenizers import AddedToken, pre_tokenizers, trainers

    texts = list(texts)
    primer = _symbol_primer(primer_repeats)
    missing: list[str] = []
    for _ in range(2):
        tok = build_backend()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size - len(missing),
            min_frequency=min_frequency,
            special_tokens=SPECIAL_TOKENS,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tok.train_from_iterator([*texts, primer], trainer=trainer)
        still = [s for s in ELIXIR_SYMBOLS if len(tok.encode(s).ids) != 1]
        if not still:
            break
        missing = sorted(set(missing) | set(still))
    if still:
        # Added tokens are matched before pre-tokenization; single_word keeps "end" from matching in "append".
        tok.add_tokens([AddedToken(s, single_word=s[0].isalpha(), normalized=False) for s in still])
    return tok


def special_token_ids(tok) -> dict[str, int]:
    """Ids of the special tokens by role (eos, pad, fim_prefix, fim_suffix, fim_middle)."""
    return {role: tok.token_to_id(t) for role, t in SPECIAL_TOKEN_MAP.items()}


def save_tokenizer(tok, out_dir: Path, context_length: int = 512) -> Path:
    """Save as a transformers tokenizer directory (tokenizer.json + tokenizer_config.json)."""
    from transformers import PreTrainedTokenizerFast

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        pad_token="<pad>",
        additional_special_tokens=["<fim_prefix>", "<fim_suffix>", "<fim_middle>"],
        model_max_length=context_length,
    )
    fast.save_pretrained(str(out_dir))
    return out_dir / "tokenizer.json"


def load_tokenizer(path: Path):
    """tokenizers.Tokenizer from tokenizer.json or a directory holding one."""
    from tokenizers import Tokenizer

    path = Path(path)
    if path.is_dir():
        path = path / "tokenizer.json"
    return Tokenizer.from_file(str(path))


def tokenizer_stats(tok, texts: list[str]) -> dict:
    """Bytes per token over texts, and which Elixir symbols encode as a single token (bare and after a space)."""
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    n_tokens = sum(len(e.ids) for e in tok.encode_batch(texts)) if texts else 0
    single, spaced = {}, {}
    for s in ELIXIR_SYMBOLS:
        single[s] = len(tok.encode(s).ids) == 1
        spaced[s] = len(tok.encode(" " + s).ids) == 1
    vocab = tok.get_vocab()
    newline_tokens = sum(1 for t in vocab if t.startswith("Ċ"))
    return {
        "vocab_size": tok.get_vocab_size(),
        "bytes": n_bytes,
        "tokens": n_tokens,
        "bytes_per_token": round(n_bytes / n_tokens, 3) if n_tokens else None,
        "symbol_coverage": round(sum(single.values()) / len(single), 3),
        "symbol_coverage_after_space": round(sum(spaced.values()) / len(spaced), 3),
        "symbols_not_single": [s for s, ok in single.items() if not ok],
        "newline_indent_tokens": newline_tokens,
        "roundtrip_ok": all(tok.decode(e.ids) == t for e, t in zip(tok.encode_batch(texts[:50]), texts[:50], strict=True)),
    }


def write_stats(stats: dict, path: Path) -> None:
    """Write tokenizer stats as JSON."""
    Path(path).write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
