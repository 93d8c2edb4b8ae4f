"""Prompt building: fill-in-the-middle (PSM order) around the cursor under a token budget."""

from __future__ import annotations

from dataclasses import dataclass

from .tokenizer import ModelTokenizer


@dataclass(frozen=True)
class Prompt:
    """The token strings to feed the model, and how much context was kept."""

    tokens: list[str]
    prefix_lines_kept: int
    suffix_lines_kept: int


def _keep_last_lines(tok: ModelTokenizer, text: str, budget: int) -> tuple[list[str], int]:
    """Tokens of the longest tail of `text` made of whole lines (the cursor line always kept)."""
    lines = text.split("\n")
    current = lines[-1]
    kept_tokens = tok.tokens(current)
    kept = 1
    for line in reversed(lines[:-1]):
        candidate = tok.tokens(line + "\n")
        if len(kept_tokens) + len(candidate) > budget:
            break
        kept_tokens = candidate + kept_tokens
        kept += 1
    # the cursor line itself may exceed the budget: keep its end
    return kept_tokens[-budget:] if budget > 0 else [], kept


def _keep_first_lines(tok: ModelTokenizer, text: str, budget: int) -> tuple[list[str], int]:
    """Tokens of the longest head of `text` made of whole lines."""
    kept_tokens: list[str] = []
    kept = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        piece = line + ("\n" if i < len(lines) - 1 else "")
        candidate = tok.tokens(piece)
        if len(kept_tokens) + len(candidate) > budget:
            break
        kept_tokens += candidate
        kept += 1
    return kept_tokens, kept


def build_prompt(
    tok: ModelTokenizer, prefix: str, suffix: str, budget: int = 384, suffix_share: float = 0.25, fim: bool = True
) -> Prompt:
    """Build a PSM fill-in-the-middle prompt (or a plain left-to-right one when `fim` is False).

    The nearest lines are kept whole: the prefix is trimmed from the top and the suffix from
    the bottom, with `suffix_share` of the budget for the suffix.
    """
    if not fim:
        toks, kept = _keep_last_lines(tok, prefix, budget)
        return Prompt(toks, kept, 0)
    suffix_budget = int(budget * suffix_share) if suffix.strip() else 0
    suf, suf_kept = _keep_first_lines(tok, suffix, suffix_budget)
    pre, pre_kept = _keep_last_lines(tok, prefix, budget - len(suf) - 3)
    s = tok.special
    tokens = [str(s["fim_prefix"]), *pre, str(s["fim_suffix"]), *suf, str(s["fim_middle"])]
    return Prompt(tokens, pre_kept, suf_kept)
