"""The model's tokenizer (`tokenizer.json` through the `tokenizers` library) and its special tokens."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from tokenizers import Tokenizer

from .manifest import Manifest


class ModelTokenizer:
    """Encodes text to the token strings CTranslate2 takes and decodes generated ids.

    Args:
        path: a `tokenizer.json` file.
        manifest: the model's manifest, for its special tokens.
    """

    def __init__(self, path: Path, manifest: Manifest | None = None) -> None:
        self._tok = Tokenizer.from_file(str(path))
        self.special = dict(manifest.special_tokens) if manifest else {}

    def tokens(self, text: str) -> list[str]:
        """Token strings for a text (no special tokens added)."""
        return self._tok.encode(text, add_special_tokens=False).tokens

    def ids(self, text: str) -> list[int]:
        """Token ids for a text."""
        return self._tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        """Text for generated ids (special tokens dropped)."""
        return self._tok.decode(ids, skip_special_tokens=True)

    def token_id(self, token: str | None) -> int | None:
        """Id of a token string, or None when the vocabulary lacks it."""
        return self._tok.token_to_id(token) if token else None

    @cached_property
    def newline_ids(self) -> frozenset[int]:
        """Every token id whose text contains a newline (newlines merge with indentation)."""
        out = set()
        for token, idx in self._tok.get_vocab().items():
            if "\n" in self._tok.decode([idx], skip_special_tokens=False) or "Ċ" in token:
                out.add(idx)
        return frozenset(out)

    @property
    def eos(self) -> str | None:
        """End-of-text token string."""
        return self.special.get("eos")
