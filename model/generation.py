"""What every generation backend takes and returns, and the text rules they share.

The local engine (engine.py), constrained decoding (constrained.py), the remote client
(remote.py) and the inference server all speak these types, so they live apart from the
CTranslate2 engine: constrained decoding needs them without needing the engine class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .monitor import ApiView


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate.

    Args:
        prefix / suffix: text before and after the cursor.
        max_tokens: new tokens at most.
        temperature: 0 for greedy decoding, else sampling at this temperature.
        top_p / top_k: nucleus and top-k limits when sampling (top_k 0: no limit).
        num_hypotheses: completions to return. Sampled: that many independent samples, run as
            one batch. Greedy: the best `num_hypotheses` beams of a beam search.
        stop_at_newline: end each completion at the end of the current line.
        stop: further strings that end a completion (the text is cut before them).
        prompt_budget: prompt tokens at most (default: the model's context minus max_tokens).
        cancelled: checked between decoding steps; returning True stops generation.
        context: text the prompt carries before the prefix (the module head, signatures of
            related functions), kept within a share of the budget.
        constrained: keep completions lexically valid Elixir (model/constrained.py): no closer
            without its opener, no literal left open, stop where the enclosing block closes.
        repository: code from other project files for the front of the prompt (server/repo_context.py).
        repository_tokens: prompt tokens the repository context may take on top of `prompt_budget`.
        api: what exists at the cursor (model/monitor.py); with `constrained`, identifiers after
            `Module.`, struct keys and attributes are kept to existing ones (model/guided.py).
        retry_budget_ms: with `constrained`, milliseconds after which no further decoding pass
            starts to retry a rejected piece or correct an identifier (the first two retries
            or corrections always run): the completion is cut before what was rejected instead
            (None: no limit).
        retry_deadline_ms: the same, without the floor: after this no further pass starts at all.
    """

    prefix: str
    suffix: str = ""
    max_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 0.95
    top_k: int = 0
    num_hypotheses: int = 1
    stop_at_newline: bool = False
    stop: tuple[str, ...] = ()
    prompt_budget: int | None = None
    cancelled: Callable[[], bool] | None = None
    context: str = ""
    constrained: bool = False
    repository: str = ""
    repository_tokens: int = 0
    api: ApiView | None = field(default=None, compare=False)
    retry_budget_ms: float | None = None
    retry_deadline_ms: float | None = None


@dataclass(frozen=True)
class Completion:
    """One generated continuation.

    `tokens`/`token_ids` are what the model generated (possibly beyond a stop string that cut
    `text`); `log_prob` is their summed log-probability.
    """

    text: str
    tokens: list[str] = field(default_factory=list)
    token_ids: list[int] = field(default_factory=list)
    log_prob: float | None = None
    finish_reason: str = "length"  # "length" | "stop" | "eos" | "cancelled"
    latency_ms: float = 0.0


def line_end(text: str) -> int:
    """Where the completed line ends: the first newline after some non-blank text (else len(text)).

    Leading newlines and indentation belong to the line being written, so a completion at the
    end of `def f do` can still propose the next line's code.
    """
    pos = 0
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        if text[:nl].strip():
            return nl
        pos = nl + 1


def cut_at_stops(text: str, req: GenerationRequest) -> tuple[str, bool]:
    """Text up to the request's first stop (end of line, stop string); True when a stop was found.

    One rule for every backend: the local engine, the remote client and the inference server.
    """
    cut = line_end(text) if req.stop_at_newline else len(text)
    for s in req.stop:
        pos = text.find(s)
        if 0 <= pos < cut:
            cut = pos
    return text[:cut], cut < len(text)


def heal_trailing_spaces(req: GenerationRequest) -> tuple[GenerationRequest, str]:
    """The request without spaces ending a started line of its prefix, and those spaces ("" if none)."""
    line = req.prefix.rsplit("\n", 1)[-1]
    stripped = line.rstrip(" \t")
    if not stripped or stripped == line:
        return req, ""
    removed = line[len(stripped):]
    return replace(req, prefix=req.prefix[: len(req.prefix) - len(removed)]), removed


def unheal(completion: Completion, removed: str) -> Completion:
    """A completion of a healed prompt, as a continuation of the text the user typed."""
    text = completion.text
    text = text[len(removed):] if text.startswith(removed) else text.lstrip(" \t")
    return replace(completion, text=text)


def sampling_options(req: GenerationRequest) -> dict:
    """CTranslate2 sampling arguments for a request: sampled at its temperature, else greedy."""
    if req.temperature > 0:
        return {"sampling_temperature": req.temperature, "sampling_topk": req.top_k, "sampling_topp": req.top_p}
    return {"sampling_topk": 1}
