"""The model's tokenizer (`tokenizer.json` through the `tokenizers` library) and its special tokens."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from tokenizers import Tokenizer

from .manifest import Manifest, ModelDirectoryError

FIM_ROLES = ("fim_prefix", "fim_suffix", "fim_middle")
# Texts (lines) whose token counts are remembered: a few files' worth of lines.
COUNT_CACHE_SIZE = 20_000


class ModelTokenizer:
    """Encodes text to the token strings CTranslate2 takes and decodes generated ids.

    Args:
        path: a `tokenizer.json` file.
        manifest: the model's manifest, for its special tokens.
    """

    def __init__(self, path: Path, manifest: Manifest | None = None) -> None:
        try:
            self._tok = Tokenizer.from_file(str(path))
        except Exception as exc:  # noqa: BLE001 - tokenizers raises a bare Exception for bad files
            raise ModelDirectoryError(f"{path}: cannot load tokenizer ({exc})") from exc
        self.special: dict[str, str | None] = dict(manifest.special_tokens) if manifest else {}
        self._counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()

    @property
    def vocab_size(self) -> int:
        """Number of ids, added tokens included."""
        return self._tok.get_vocab_size(with_added_tokens=True)

    def tokens(self, text: str) -> list[str]:
        """Token strings for a text (no special tokens added)."""
        return self._tok.encode(text, add_special_tokens=False).tokens

    def tokens_batch(self, texts: list[str]) -> list[list[str]]:
        """Token strings for several texts at once."""
        return [e.tokens for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def counts(self, texts: list[str]) -> list[int]:
        """How many tokens each text takes, remembered per text.

        The prompt builder costs every line near the cursor on every request, and from one
        keystroke to the next only the cursor's line changes: the other lines' counts come from
        here (~2 ms a request otherwise, more on a loaded machine where the batch encoder's
        threads wait for a core).
        """
        cache = self._counts
        with self._counts_lock:  # engines are shared across threads (the inference server's batches)
            known = {t: cache[t] for t in texts if t in cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            encoded = self._tok.encode_batch(missing, add_special_tokens=False)
            known.update((text, len(e.tokens)) for text, e in zip(missing, encoded, strict=True))
            with self._counts_lock:
                cache.update((t, known[t]) for t in missing)
                while len(cache) > COUNT_CACHE_SIZE:  # the oldest first (dicts keep insertion order)
                    del cache[next(iter(cache))]
        return [known[t] for t in texts]

    def ids(self, text: str) -> list[int]:
        """Token ids for a text."""
        return self._tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        """Text for generated ids (special tokens dropped)."""
        return self._tok.decode(ids, skip_special_tokens=True)

    def id_to_token(self, idx: int) -> str | None:
        """Token string of an id."""
        return self._tok.id_to_token(idx)

    def token_id(self, token: str | None) -> int | None:
        """Id of a token string, or None when the vocabulary lacks it."""
        return self._tok.token_to_id(token) if token else None

    @cached_property
    def special_ids(self) -> dict[str, int | None]:
        """Ids of the manifest's special tokens (fim_prefix, fim_suffix, fim_middle, eos, pad); None if absent."""
        return {role: self.token_id(tok) for role, tok in self.special.items()}

    @cached_property
    def fim_ids(self) -> tuple[int, int, int] | None:
        """(prefix, suffix, middle) token ids, or None for a model without FIM tokens."""
        ids = [self.special_ids.get(r) for r in FIM_ROLES]
        return (ids[0], ids[1], ids[2]) if all(i is not None for i in ids) else None  # type: ignore[return-value]

    @cached_property
    def newline_ids(self) -> frozenset[int]:
        """Every token id whose text contains a newline (newlines merge with indentation)."""
        out = set()
        for token, idx in self._tok.get_vocab(with_added_tokens=True).items():
            # "Ċ" is byte-level BPE's spelling of "\n"; decoding catches other encodings.
            if "Ċ" in token or "\n" in self._tok.decode([idx], skip_special_tokens=False):
                out.add(idx)
        return frozenset(out)

    @property
    def eos(self) -> str | None:
        """End-of-text token string."""
        return self.special.get("eos")
