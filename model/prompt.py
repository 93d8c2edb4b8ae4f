"""Prompt building: fill-in-the-middle (PSM order) around the cursor under a token budget."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tokenizer import ModelTokenizer


@dataclass(frozen=True)
class Prompt:
    """The token strings to feed the model, and how many lines of context were kept on each side."""

    tokens: list[str]
    prefix_lines_kept: int
    suffix_lines_kept: int


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """`text` with each lone surrogate (an editor buffer may hold them; no encoder takes them) as U+FFFD.

    One character for one, so offsets into the text stay valid.
    """
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def _line_costs(tok: ModelTokenizer, pieces: list[str]) -> list[int]:
    return tok.counts(pieces) if pieces else []


def _nearest_costs(tok: ModelTokenizer, pieces: list[str], budget: int, from_end: bool) -> list[int]:
    """Token costs of the pieces nearest the cursor: enough of them to cover `budget`, or all.

    Tokenizing every line that might fit costs ~6 ms for 300 lines; most prompts need a tenth
    of that. Start with ~4 characters per token and widen until the costs exceed the budget.
    """
    chars = budget * 4
    while True:
        size = total = 0
        for piece in (reversed(pieces) if from_end else pieces):
            if size and total + len(piece) > chars:
                break
            total += len(piece)
            size += 1
        window = pieces[len(pieces) - size:] if from_end else pieces[:size]
        costs = _line_costs(tok, window)
        if sum(costs) > budget or size == len(pieces):
            return costs
        chars *= 2


def fit_prefix(tok: ModelTokenizer, text: str, budget: int) -> tuple[list[str], int]:
    """Tokens of the longest tail of `text` made of whole lines, within `budget` tokens.

    The cursor line (the text after the last newline) is always kept; when it alone exceeds
    the budget, its last `budget` tokens are. The kept text is tokenized as one piece, as in
    training, because newline tokens merge with the next line's indentation.
    """
    if budget <= 0:
        return [], 0
    # A line costs at least one token (a run of blank lines may share one newline token, so count
    # two per token): lines further back than that can never fit, and a long file's head is not
    # tokenized at all.
    lines = text.split("\n")[-(2 * budget + 1):]
    # Per-line costs are an estimate of the joined text's cost; the loop below corrects it.
    costs = _nearest_costs(tok, [ln + "\n" for ln in lines[:-1]] + [lines[-1]], budget, from_end=True)
    lines = lines[len(lines) - len(costs):]
    last = len(lines) - 1
    used, start = costs[last], last
    while start > 0 and used + costs[start - 1] <= budget:
        start -= 1
        used += costs[start]
    while True:
        tokens = tok.tokens("\n".join(lines[start:]))
        if len(tokens) <= budget or start == last:
            break
        start += 1
    return tokens[-budget:], last - start + 1


def fit_suffix(tok: ModelTokenizer, text: str, budget: int) -> tuple[list[str], int]:
    """Tokens of the longest head of `text` made of whole lines, within `budget` tokens.

    The rest of the cursor line (the text before the first newline) is kept first, cut to the
    budget when it alone is longer.
    """
    if budget <= 0 or not text:
        return [], 0
    lines = text.split("\n")[: 2 * budget + 1]  # as in fit_prefix: more lines can never fit
    pieces = [ln + "\n" for ln in lines[:-1]] + [lines[-1]]
    costs = _nearest_costs(tok, pieces, budget, from_end=False)
    pieces = pieces[: len(costs)]
    end, used = 1, costs[0]
    while end < len(pieces) and used + costs[end] <= budget:
        used += costs[end]
        end += 1
    while True:
        tokens = tok.tokens("".join(pieces[:end]))
        if len(tokens) <= budget or end == 1:
            break
        end -= 1
    return tokens[:budget], end


def fit_prefix_with_header(
    tok: ModelTokenizer, prefix: str, budget: int, header: str, header_share: float
) -> tuple[list[str], int]:
    """`fit_prefix`, with `header` in front when the prefix had to be cut at the top.

    The header (the enclosing module's head, signatures from the project) stands in for what
    the cut dropped, so the model still sees which module it is in. When the whole prefix
    fits it already holds the module head, and the header is left out. The header gets at
    most `header_share` of the budget, whole lines from its top.
    """
    tokens, kept = fit_prefix(tok, prefix, budget)
    header = header.strip("\n")
    if not header or kept >= prefix.count("\n") + 1:
        return tokens, kept
    head, _ = fit_suffix(tok, header + "\n", int(budget * header_share))
    tokens, kept = fit_prefix(tok, prefix, budget - len(head))
    return head + tokens, kept


def build_prompt(
    tok: ModelTokenizer, prefix: str, suffix: str, budget: int = 384, suffix_share: float = 0.25, fim: bool = True,
    header: str = "", header_share: float = 0.2, order: str = "psm", repository: str = "",
    repository_budget: int = 0,
) -> Prompt:
    """Build a fill-in-the-middle prompt, or a plain left-to-right one when `fim` is False.

    Layout, PSM: <fim_prefix> prefix <fim_suffix> suffix <fim_middle>; SPM (`order="spm"`):
    <fim_prefix> <fim_suffix> suffix <fim_middle> prefix. Either way the model writes the middle.
    The nearest lines are kept whole: the prefix loses lines at the top and the suffix at the
    bottom. The suffix gets at most `suffix_share` of the budget and the prefix the rest, so
    the whole prompt (special tokens included) never exceeds `budget` tokens. A `header`
    goes in front of a prefix that had to be cut (see `fit_prefix_with_header`). `repository`
    (code from other files, server/repo_context.py) goes first, whole lines from its top within
    `repository_budget` tokens, which come out of `budget`.
    """
    repo: list[str] = []
    if repository.strip() and repository_budget > 0:
        repo, _ = fit_suffix(tok, repository.strip("\n") + "\n", min(repository_budget, budget // 2))
    budget -= len(repo)
    if not fim:
        tokens, kept = fit_prefix_with_header(tok, prefix, budget, header, header_share)
        return Prompt(repo + tokens, kept, 0)
    s = tok.special
    if not all(s.get(k) for k in ("fim_prefix", "fim_suffix", "fim_middle")):
        raise ValueError("FIM prompt requested but the model's manifest names no FIM tokens")
    room = max(0, budget - 3)
    suffix_budget = int(room * suffix_share) if suffix.strip() else 0
    suf, suf_kept = fit_suffix(tok, suffix, suffix_budget)
    pre, pre_kept = fit_prefix_with_header(tok, prefix, room - len(suf), header, header_share)
    # The repository context opens the prefix, in either order.
    if order == "spm":
        tokens = [str(s["fim_prefix"]), str(s["fim_suffix"]), *suf, str(s["fim_middle"]), *repo, *pre]
    else:
        tokens = [str(s["fim_prefix"]), *repo, *pre, str(s["fim_suffix"]), *suf, str(s["fim_middle"])]
    return Prompt(tokens, pre_kept, suf_kept)
