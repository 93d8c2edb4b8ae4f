"""Constrained decoding over CTranslate2: keep completions lexically valid Elixir (see constraints.py).

CTranslate2 4.8 has no logits processor, so the constraint works with what it offers: the
per-step callback feeds each decoded piece to a `CodeState`; the first piece the state rejects
ends that hypothesis; decoding then resumes with the rejected continuation banned through
`suppress_sequences`, up to `MAX_RETRIES` times per hypothesis.

`suppress_sequences` only matches generated tokens, never the prompt (checked on 4.8.5: a pair
whose first token ends the prompt bans nothing). So a retry restarts one token earlier, from the
prompt plus the accepted tokens but the last, and bans the pair [last accepted, rejected]: the
model generates the last accepted token again (greedy: the same one) and cannot follow it with
the rejected one, which stays allowed everywhere else. When the very first token is rejected (or
the one before it was itself chosen under a ban, so it would not come again), a one-token pass
bans everything rejected at that position and a normal pass continues from there.

The lexical state is read from the start of the unit holding the cursor (model/regions.py: the
module-level definition, attribute or test being written), not from the top of the file. It reads
the prefix as typed, and the completion as the user will get it: the model's prompt has its typed
trailing spaces healed (engine.py), and those spaces are taken off the completion again.

A multi-line completion ends right after an `end` that closes the block open at the cursor, or
at the end of the line where it closes another delimiter or literal open at the cursor. Finally
a completion that ends inside a literal it opened (or, for a block completion, with something it
opened still open) is trimmed back to the last lexically complete point.

Beam search takes no callback in CTranslate2, so beams are checked after decoding: each is cut
at its first rejected lexeme and trimmed, without retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import ctranslate2

from .constraints import BLOCK_OPENERS, CodeState, Verdict
from .generation import Completion, GenerationRequest, cut_at_stops, heal_trailing_spaces, sampling_options
from .guided import MonitorGuide
from .regions import unit_start
from .tokenizer import ModelTokenizer


class Engine(Protocol):
    """What constrained decoding needs of an engine (`engine.Engine` is one): its tokenizer, its
    prompt, unconstrained generation (for beams), and raw CTranslate2 passes with a callback."""

    tokenizer: ModelTokenizer

    def prompt_tokens(self, req: GenerationRequest) -> list[str]: ...

    def generate(self, req: GenerationRequest) -> list[Completion]: ...

    def generate_batch(self, prompts: list[list[str]], callback: Callable | None, head_within: int | None = None,
                       **options: Any) -> list: ...

MAX_RETRIES = 3


@dataclass(frozen=True)
class ConstrainedCompletion(Completion):
    """A `Completion` with what the constraint did to it.

    `retries`: decoding restarts after a rejected token; `rejected`: the rejected token strings;
    `closed_enclosing`: the completion ended by closing what was open at the cursor;
    `trimmed`: characters dropped to end at a lexically complete point; `constraint_ms`: time
    spent in the lexical state (included in `latency_ms`).
    """

    retries: int = 0
    rejected: tuple[str, ...] = ()
    closed_enclosing: bool = False
    trimmed: int = 0
    constraint_ms: float = 0.0
    guided: int = 0  # identifiers corrected by monitor-guided decoding (model/guided.py)
    guide_ms: float = 0.0  # time the guide spent checking and restricting (included in `latency_ms`)
    prompt_ms: float = 0.0  # building and tokenizing the prompt (included in `latency_ms`)
    passes: int = 0  # CTranslate2 decoding passes the request took (all hypotheses together)


@dataclass
class _Hyp:
    """One hypothesis being decoded: accepted tokens, the live state, and what happened."""

    state: CodeState
    ids: list[int] = field(default_factory=list)
    log_probs: list[float | None] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)  # completion length after each token
    text: str = ""
    suppress: list[list[str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    retries: int = 0
    reject_at: int | None = None  # set when the last run stopped on a rejected piece
    closed_at: int | None = None  # set when the completion closed what was open at the cursor
    cut_at: int | None = None  # where a close ends the completion (after `end`, or that line's end)
    bans: dict[int, list[str]] = field(default_factory=dict)  # position -> tokens rejected there
    first_ban: list[str] = field(default_factory=list)  # banned in the next pass, which makes one token
    resume: bool = False  # the one-token pass is done: continue normally
    eos: bool = False
    stopped: bool = False  # a stop string or end of line ended it
    state_s: float = 0.0


class _Runner:
    """Runs decoding passes for a request, feeding every generated piece to the hypotheses' states."""

    def __init__(self, engine: Engine, req: GenerationRequest, healed: str = "") -> None:
        self.engine = engine
        self.req = req
        self.healed = healed
        self.tok = engine.tokenizer
        self.eos_id = self.tok.token_id(self.tok.eos)
        self.newline_ids = self.tok.newline_ids
        self.cancelled = threading.Event()
        self.multiline = not req.stop_at_newline
        self.passes = 0
        self.prompt_s = 0.0
        started = time.perf_counter()
        # The state only needs the unit being written: lexing the whole file would cost ~0.7 ms per
        # KB of prefix on every request, and what is open outside the unit cannot be closed by it.
        self.initial = CodeState.from_text(req.prefix[unit_start(req.prefix):])
        self.guide = MonitorGuide(self.tok, req.api, req.prefix) if req.api is not None else None
        self.init_s = time.perf_counter() - started

    def new_hyp(self) -> _Hyp:
        return _Hyp(self.initial.copy())

    def _on_piece(self, hyp: _Hyp, token_id: int, log_prob: float | None) -> bool:
        """Take one generated token; True when this hypothesis should stop."""
        hyp.ids.append(token_id)
        hyp.log_probs.append(log_prob)
        text = self.visible(self.tok.decode(hyp.ids))
        if text.endswith("\ufffd") or not text.startswith(hyp.text):
            # Half of a multi-byte character (or a decoder that rewrote earlier text): wait.
            hyp.ends.append(len(hyp.text))
            return False
        piece, hyp.text = text[len(hyp.text):], text
        hyp.ends.append(len(text))
        started = time.perf_counter()
        verdict = hyp.state.advance(piece)
        hyp.state_s += time.perf_counter() - started
        state = hyp.state
        if self.multiline and state.closed_at is not None and hyp.closed_at is None:
            hyp.closed_at = state.closed_at
            if state.closed_kind in BLOCK_OPENERS:
                hyp.cut_at = state.closed_at
        if hyp.closed_at is not None and hyp.cut_at is None:
            newline = text.find("\n", hyp.closed_at)
            if newline >= 0:
                hyp.cut_at = newline
        if verdict == Verdict.REJECT and (hyp.cut_at is None or (state.reject_at or 0) < hyp.cut_at):
            hyp.reject_at = state.reject_at
            return True
        if hyp.cut_at is not None:
            return True
        if self.guide is not None and (wrong := self.guide.check(hyp, text, len(text) - len(piece))) is not None:
            hyp.reject_at = max(0, wrong.at)
            return True
        if (self.req.stop or token_id in self.newline_ids) and cut_at_stops(text, self.req)[1]:
            hyp.stopped = True
            return True
        return False

    def run(self, hyps: list[_Hyp], prompt: list[str]) -> None:
        """One decoding pass: each hypothesis continues from the prompt plus its accepted tokens."""
        req = self.req
        by_batch = list(hyps)

        def on_step(step: ctranslate2.GenerationStepResult) -> bool:
            if req.cancelled is not None and req.cancelled():
                self.cancelled.set()
                return True
            if step.token_id == self.eos_id:
                by_batch[step.batch_id].eos = True
                return True
            return self._on_piece(by_batch[step.batch_id], step.token_id, step.log_prob)

        suppress = [s for h in hyps for s in h.suppress]
        prompts = [prompt + [self.tok.id_to_token(i) or "" for i in h.ids] for h in hyps]
        room = req.max_tokens - min(len(h.ids) for h in hyps)
        first_ban = [[t] for h in hyps for t in h.first_ban]
        if first_ban:  # only ever a pass of one hypothesis; a single-token ban holds for the whole pass
            suppress, room = suppress + first_ban, min(room, 1)
        if room <= 0:
            return
        options = dict(
            max_length=room,
            end_token=self.tok.eos,
            include_prompt_in_result=False,
            return_scores=True,
            suppress_sequences=suppress or None,
            **sampling_options(req),
        )
        self.passes += 1
        self.engine.generate_batch(prompts, on_step, head_within=len(prompt), **options)
        for h in hyps:
            if h.first_ban:
                h.first_ban = []
                h.resume = not (h.eos or h.stopped or h.cut_at is not None or h.reject_at is not None)

    def roll_back(self, hyp: _Hyp) -> bool:
        """After a rejected piece: drop the tokens from the one where the rejected lexeme starts and
        ban that continuation; False when the retry budget is spent."""
        if self.guide is not None and self.guide.owns(hyp):
            return self.guide.roll_back(self, hyp)
        at = hyp.reject_at or 0
        keep = next((i for i, end in enumerate(hyp.ends) if end > at), len(hyp.ids))
        if keep >= len(hyp.ids) or hyp.retries >= MAX_RETRIES:
            return False
        bad_tok = self.tok.id_to_token(hyp.ids[keep]) or ""
        hyp.rejected.append(bad_tok)
        hyp.retries += 1
        if keep > 0 and not hyp.bans.get(keep - 1):
            # Restart one token earlier: the pair only bans what the pass itself generates, and the
            # token before was the model's free choice, so the pass makes it again.
            hyp.suppress.append([self.tok.id_to_token(hyp.ids[keep - 1]) or "", bad_tok])
            hyp.bans = {p: b for p, b in hyp.bans.items() if p < keep - 1}
            keep -= 1
        else:
            # First token, or the one before was itself chosen under a ban: a one-token pass with
            # everything rejected at this position banned, then a normal pass.
            hyp.bans = {p: b for p, b in hyp.bans.items() if p <= keep}
            hyp.bans.setdefault(keep, []).append(bad_tok)
            hyp.first_ban = list(hyp.bans[keep])
            if keep > 0:  # and the pair, so that later passes do not repeat it
                hyp.suppress.append([self.tok.id_to_token(hyp.ids[keep - 1]) or "", bad_tok])
        self.truncate(hyp, keep)
        return True

    def visible(self, text: str) -> str:
        """Decoded text as the user will see it after the cursor: the prompt was healed (its typed
        trailing spaces taken off, engine.py), and `unheal` takes them off the completion again. The
        lexical state reads the prefix as typed, so it must read the completion that way too: `x =`
        then `>>` lexes as `=>` `>`, but the user gets `x = >>`."""
        if not self.healed:
            return text
        return text[len(self.healed):] if text.startswith(self.healed) else text.lstrip(" \t")

    def truncate(self, hyp: _Hyp, keep: int) -> None:
        """Keep the first `keep` tokens of a hypothesis and rebuild its lexical state from them."""
        del hyp.ids[keep:], hyp.log_probs[keep:], hyp.ends[keep:]
        # The text the state had seen after those tokens (decoding them again could end in half a
        # character that the state never saw).
        hyp.text = hyp.text[: hyp.ends[-1]] if hyp.ends else ""
        started = time.perf_counter()
        hyp.state = self.initial.copy()
        hyp.state.advance(hyp.text)
        hyp.state_s += time.perf_counter() - started
        hyp.reject_at = None

    def finish(self, hyp: _Hyp, elapsed_ms: float) -> ConstrainedCompletion:
        """The completion for a finished hypothesis: cut at a close or rejection, stops, trimming."""
        started = time.perf_counter()
        if hyp.reject_at is not None:  # out of retries: the rejected token and what follows go
            keep = next((i for i, end in enumerate(hyp.ends) if end > hyp.reject_at), len(hyp.ids))
            del hyp.ids[keep:], hyp.log_probs[keep:], hyp.ends[keep:]
        text = self.visible(self.tok.decode(hyp.ids))
        cut = len(text)
        if hyp.cut_at is not None:
            cut = min(cut, hyp.cut_at)
        if hyp.reject_at is not None:
            cut = min(cut, hyp.reject_at)
        text, was_cut = cut_at_stops(text[:cut], self.req)
        if self.guide is not None:
            text = self.guide.finish(text)
        text, trimmed = self._trim(text, hyp)
        hyp.state_s += time.perf_counter() - started
        if self.cancelled.is_set():
            reason = "cancelled"
        elif was_cut or hyp.stopped or hyp.cut_at is not None or hyp.reject_at is not None:
            reason = "stop"
        elif len(hyp.ids) < self.req.max_tokens:
            reason = "eos"
        else:
            reason = "length"
        probs = [p for p in hyp.log_probs if p is not None]
        log_prob = sum(probs) if probs and len(probs) == len(hyp.log_probs) else None
        tokens = [self.tok.id_to_token(i) or "" for i in hyp.ids]
        return ConstrainedCompletion(
            text, tokens, list(hyp.ids), log_prob, reason, elapsed_ms, retries=hyp.retries,
            rejected=tuple(hyp.rejected), closed_enclosing=hyp.cut_at is not None, trimmed=trimmed,
            constraint_ms=(hyp.state_s + self.init_s) * 1000,
            guided=self.guide.corrections_of(hyp) if self.guide is not None else 0,
            guide_ms=self.guide.stats.milliseconds if self.guide is not None else 0.0,
            prompt_ms=self.prompt_s * 1000, passes=self.passes,
        )

    def _trim(self, text: str, hyp: _Hyp) -> tuple[str, int]:
        """Cut back to the last lexically complete point when `text` does not end at one.

        Complete means outside any literal the completion opened; for a block completion also
        with nothing it opened still open, unless that would leave nothing.

        Token ends are where a cut may go. What the state said at a token's end cannot be
        trusted for the cut text: the next characters settled it (a held-back ` end` that grew
        into ` endum` reads as a keyword again once cut). So each cut is checked by reading the
        cut text again, latest first.
        """
        whole = len(text)
        check = self.initial.copy()
        if check.advance(text) == Verdict.REJECT or check.finish() == Verdict.REJECT:
            # Only a word held back until the end (a final `end` closing nothing) gets here.
            text = text[: check.reject_at or 0]
        strict = self.multiline
        if self._holds(text, strict):
            return text, whole - len(text)
        offsets = sorted({end for end in hyp.ends if end < len(text)} | {0}, reverse=True)
        best = next((at for at in offsets if self._holds(text[:at], strict)), None)
        if best is None:  # nothing complete for a block completion: at least no literal left open
            best = next((at for at in offsets if self._holds(text[:at], False)), 0)
        return text[:best], whole - best

    def _holds(self, text: str, strict: bool) -> bool:
        """`text` read after the prefix is acceptable as a whole completion: nothing rejected, no
        literal it opened left open, and (strict) nothing it opened left open."""
        check = self.initial.copy()
        if check.advance(text) == Verdict.REJECT or check.finish() == Verdict.REJECT:
            return False
        return not check.in_literal and (check.complete or not strict)


def generate_constrained(engine: Engine, req: GenerationRequest) -> list[Completion]:
    """Generate like `Engine.generate`, keeping every completion lexically valid Elixir.

    Greedy and sampled hypotheses are checked token by token with retries on rejection; beams
    (greedy with `num_hypotheses > 1`) are checked after decoding. Returns `ConstrainedCompletion`s.

    Args:
        engine: a loaded engine.
        req: the request (its `constrained` flag is ignored here).
    """
    started = time.perf_counter()
    n = max(1, req.num_hypotheses)
    sampling = req.temperature > 0
    if not sampling and n > 1:
        return _check_beams(engine, req, started)
    # The model sees the healed prompt; the constraint sees the prefix and completions as typed.
    healed, removed = heal_trailing_spaces(req)
    runner = _Runner(engine, req, removed)
    prompt_started = time.perf_counter()
    prompt = engine.prompt_tokens(healed)
    runner.prompt_s = time.perf_counter() - prompt_started
    hyps = [runner.new_hyp() for _ in range(n if sampling else 1)]
    runner.run(hyps, prompt)
    # Rejected hypotheses resume one by one: each has its own banned continuations.
    for hyp in hyps:
        while not runner.cancelled.is_set() and not _over_budget(req, started, runner.passes):
            if hyp.reject_at is not None:
                if not runner.roll_back(hyp):
                    break
            elif hyp.resume:
                hyp.resume = False
            else:
                break
            runner.run([hyp], prompt)
    elapsed = (time.perf_counter() - started) * 1000
    return [runner.finish(h, elapsed) for h in hyps]


# Passes that run whatever the retry budget says: the first and two retries or identifier
# corrections (each a one-token pass and its continuation), so that a slow machine still gets the
# common corrections (`Repo.` followed by a name that does not exist) and only the long tails are
# cut. On the context benchmark's 120 cursors after `Alias.`, a floor of one correction lost 3
# points of edit similarity (proposals cut to nothing); two lose none measurably.
PASSES_BEFORE_BUDGET = 5


def _over_budget(req: GenerationRequest, started: float, passes: int) -> bool:
    """The request's retry budget (after the floor) or deadline is spent: what is rejected is cut,
    not decoded again."""
    elapsed = (time.perf_counter() - started) * 1000
    if req.retry_deadline_ms is not None and elapsed >= req.retry_deadline_ms:
        return True
    return req.retry_budget_ms is not None and passes >= PASSES_BEFORE_BUDGET and elapsed >= req.retry_budget_ms


def _check_beams(engine: Engine, req: GenerationRequest, started: float) -> list[Completion]:
    """Beams: decode unconstrained, then cut each at its first rejected lexeme and trim it."""
    plain = replace(req, constrained=False) if hasattr(req, "constrained") else req
    beams = engine.generate(plain)  # heals and unheals the prompt's trailing spaces itself
    runner = _Runner(engine, req, heal_trailing_spaces(req)[1])
    runner.passes = 1
    out: list[Completion] = []
    seen: set[str] = set()
    for beam in beams:
        hyp = runner.new_hyp()
        for token_id in beam.token_ids:
            if runner._on_piece(hyp, token_id, None):
                break
        hyp.stopped = hyp.stopped or beam.finish_reason == "stop"
        done = runner.finish(hyp, (time.perf_counter() - started) * 1000)
        done = replace(done, log_prob=beam.log_prob, tokens=beam.tokens, token_ids=beam.token_ids,
                       finish_reason="stop" if done.finish_reason == "stop" else beam.finish_reason)
        if done.text not in seen:
            seen.add(done.text)
            out.append(done)
    return out
