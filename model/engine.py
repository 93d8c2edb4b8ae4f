"""One engine class over `ctranslate2.Generator`: load a model directory, generate, stream.

Dataclasses in and out; no torch. The constructor resolves device and compute type (int8 on
CPU by default) and validates the directory through its manifest, so a corrupt model is
refused before CTranslate2 sees it.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import ctranslate2

from .constrained import generate_constrained
from .generation import (  # re-exported: callers import the request and result types from here too
    Completion,
    GenerationRequest,
    cut_at_stops,
    heal_trailing_spaces,
    line_end,
    sampling_options,
    unheal,
)
from .guided import piece_trie
from .manifest import Manifest, ModelDirectoryError, validate_model_dir
from .prompt import build_prompt, without_lone_surrogates
from .prompt_heads import PromptHeads
from .tokenizer import ModelTokenizer

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_CONTEXT",
    "Completion",
    "Engine",
    "GenerationRequest",
    "cut_at_stops",
    "heal_trailing_spaces",
    "line_end",
    "unheal",
]

DEFAULT_CONTEXT = 512

# Engines still open at interpreter exit. A CTranslate2 generator torn down during interpreter
# finalisation can abort the process ("terminate called without an active exception"), so
# they are released first.
_open_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


@atexit.register
def _close_open_engines() -> None:
    for engine in list(_open_engines):
        engine.close()


def _unheal_stream(pieces: Iterator[str], removed: str) -> Iterator[str]:
    """`unheal` for a stream: hold the first pieces back until the healed spaces can be taken off."""
    pending, released = "", False
    for piece in pieces:
        if released:
            yield piece
            continue
        pending += piece
        if len(pending) >= len(removed) or not removed.startswith(pending):
            released = True
            first = pending[len(removed):] if pending.startswith(removed) else pending.lstrip(" \t")
            if first:
                yield first
    if not released and pending.strip(" \t"):
        yield pending.lstrip(" \t")


class Engine:
    """A loaded model.

    Args:
        model_dir: a model directory (CTranslate2 files, tokenizer.json, manifest.json).
        device: "cpu" or "cuda".
        compute_type: CTranslate2 compute type; default int8 on CPU, int8_float16 on CUDA.
        intra_threads: threads per generation (1 is fastest for small int8 models).
        inter_threads: generations that may run at once, each on its own CTranslate2 replica
            (a server with several cores; the language server keeps 1).
        prompt_heads: distinct prompt heads (the lines above the cursor's line) CTranslate2 may
            keep prefilled between requests before the generator is reloaded to drop them
            (model/prompt_heads.py; ~2 MB each for the shipped model); 0 keeps none.
    """

    def __init__(
        self, model_dir: Path, device: str = "cpu", compute_type: str | None = None, intra_threads: int = 1,
        inter_threads: int = 1, prompt_heads: int = 0,
    ) -> None:
        if inter_threads < 1 or intra_threads < 0:
            raise ValueError("inter_threads must be >= 1 and intra_threads >= 0")
        self.model_dir = Path(model_dir)
        self.manifest: Manifest = validate_model_dir(self.model_dir)
        self.device = device
        self.compute_type = compute_type or ("int8" if device == "cpu" else "int8_float16")
        self.tokenizer = ModelTokenizer(self.model_dir / "tokenizer.json", self.manifest)
        started = time.perf_counter()
        self._threads = (intra_threads, inter_threads)
        self._gen = self._load_generator()
        self.load_ms = (time.perf_counter() - started) * 1000
        special = self.manifest.special_tokens
        psm = self.manifest.has_fim and self.manifest.fim_order != "spm"
        vocab = self.tokenizer.newline_ids
        self.heads = PromptHeads(frozenset(t for i in vocab if (t := self.tokenizer.id_to_token(i))), prompt_heads,
                                 str(special.get("fim_suffix")) if psm and special.get("fim_suffix") else None)
        # One generation per replica: callers share the engine across threads, and a small int8
        # model on one thread is fastest run serially on each replica.
        self.inter_threads = inter_threads
        self._slots = threading.BoundedSemaphore(inter_threads)
        self._reloading = threading.Event()  # a fresh generator is being loaded to empty the prompt cache
        _open_engines.add(self)

    def _load_generator(self) -> ctranslate2.Generator:
        intra_threads, inter_threads = self._threads
        try:
            return ctranslate2.Generator(
                str(self.model_dir), device=self.device, compute_type=self.compute_type, intra_threads=intra_threads,
                inter_threads=inter_threads,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelDirectoryError(f"{self.model_dir}: CTranslate2 cannot load the model ({exc})") from exc

    def _reload_generator(self) -> None:
        """A fresh generator (its static-prompt cache empty), swapped in once no generation runs."""
        try:
            fresh = self._load_generator()
        except ModelDirectoryError:
            log.exception("reloading the generator to empty its prompt cache failed; the old one stays")
            self._reloading.clear()  # the next full cache tries again
            return
        held = 0
        try:
            for _ in range(self.inter_threads):
                self._slots.acquire()
                held += 1
            if hasattr(self, "_gen"):  # not closed meanwhile
                self._gen = fresh
        finally:
            for _ in range(held):
                self._slots.release()
            self._reloading.clear()

    def _reload_in_background(self) -> None:
        """Empty the prompt cache without making a request wait for it: loading the model again
        takes 8-18 ms, which the request that filled the cache would otherwise pay."""
        if self._reloading.is_set():
            return
        self._reloading.set()
        threading.Thread(target=self._reload_generator, name="elixir-coder-reload", daemon=True).start()

    def _run(self, prompts: list[list[str]], callback: Callable | None, head_within: int | None = None,
             **options: object) -> list:
        """CTranslate2's `generate_batch`, the prompts' shared head served from its static-prompt
        cache when this engine keeps prompt heads (beam search excepted)."""
        beam = options.get("beam_size")
        length = 0 if isinstance(beam, int) and beam > 1 else self.heads.head_length(prompts, head_within)
        if length:
            head = tuple(prompts[0][:length])
            if self.heads.admit(head):
                # The cache is full: this request runs without it (a plain prefill costs the same as
                # caching a new head) while a fresh generator loads beside it.
                self._reload_in_background()
            else:
                options.update(static_prompt=list(head), cache_static_prompt=True)
                prompts = [p[length:] for p in prompts]
        with self._slots:
            return self._gen.generate_batch(prompts, callback=callback, **options)

    def warm_up(self) -> float:
        """Run two short generations (plain and constrained) so that the first request does not pay
        for CTranslate2's first allocations and the constraint lexers' construction (~150 ms on a
        CPU). Returns the milliseconds spent."""
        started = time.perf_counter()
        body = "".join(f"  def f{i}(x) do\n    x |> Enum.map(&(&1 + {i}))\n  end\n\n" for i in range(24))
        prefix = f'defmodule Warm do\n  @moduledoc """\n  Warm-up.\n  """\n\n{body}  def g(x) do\n    y = '
        for constrained in (False, True):
            self.generate(GenerationRequest(prefix=prefix, suffix="\n  end\nend\n", max_tokens=8,
                                            stop_at_newline=True, prompt_budget=256, constrained=constrained))
        piece_trie(self.tokenizer)  # guided decoding's trie over the vocabulary (~50 ms for 8k tokens)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        """Release the model (waits for a generation in progress); the engine is unusable afterwards."""
        # Bounded wait: at exit a daemon thread may still be mid-generation.
        deadline = time.monotonic() + 10
        held = 0
        for _ in range(self.inter_threads):
            if not self._slots.acquire(timeout=max(0.0, deadline - time.monotonic())):
                break
            held += 1
        try:
            if hasattr(self, "_gen"):
                del self._gen
        finally:
            for _ in range(held):
                self._slots.release()
        _open_engines.discard(self)

    @property
    def version(self) -> str:
        """The manifest's version string."""
        return self.manifest.version

    @property
    def context_length(self) -> int:
        """The model's context window in tokens, from its manifest."""
        cfg = self.manifest.model_config or {}
        for key in ("context_length", "max_position_embeddings", "n_positions"):
            if isinstance(cfg.get(key), int) and cfg[key] > 0:
                return int(cfg[key])
        return DEFAULT_CONTEXT

    def prompt_tokens(self, req: GenerationRequest) -> list[str]:
        """The prompt for a request: FIM (in the order the model was trained with) when the model has FIM tokens,
        else the plain prefix."""
        room = max(8, self.context_length - req.max_tokens)
        extra = req.repository_tokens if req.repository.strip() else 0
        budget = min(req.prompt_budget + extra, room) if req.prompt_budget else room
        return build_prompt(self.tokenizer, req.prefix, req.suffix, budget=budget, fim=self.manifest.has_fim,
                            header=req.context, order=self.manifest.fim_order, repository=req.repository,
                            repository_budget=extra).tokens

    @staticmethod
    def _encodable(req: GenerationRequest) -> GenerationRequest:
        """The request with lone surrogates replaced: the tokenizer takes only valid Unicode."""
        clean = {k: without_lone_surrogates(getattr(req, k)) for k in ("prefix", "suffix", "context")
                 if getattr(req, k)}
        changed = {k: v for k, v in clean.items() if v is not getattr(req, k)}
        return replace(req, **changed) if changed else req  # type: ignore[arg-type]

    def _cut(self, text: str, req: GenerationRequest) -> tuple[str, bool]:
        return cut_at_stops(text, req)

    def _sampling_options(self, req: GenerationRequest) -> dict:
        return sampling_options(req)

    def generate_batch(self, prompts: list[list[str]], callback: Callable | None, head_within: int | None = None,
                       **options: object) -> list:
        """CTranslate2's `generate_batch` on this engine's generator, inside one of its slots
        (constrained decoding drives its passes through this; `head_within`: the length of the
        request's own prompt, which the cached head must lie in)."""
        return self._run(prompts, callback, head_within, **options)

    def generate(self, req: GenerationRequest) -> list[Completion]:
        """Generate `num_hypotheses` completions (greedy/beam when temperature is 0, else sampled).

        Spaces typed at the end of a started line are healed: BPE tokens carry their leading
        space (` foo`), so a prompt ending in a lone space token looks like the end of a
        document and the model stops at once. The spaces are taken off the prompt and off the
        front of each completion instead.
        """
        req = self._encodable(req)
        if not req.prefix and not self.manifest.has_fim:
            return []  # nothing to continue: CTranslate2 refuses an empty prompt
        if req.constrained:  # heals the prompt itself: the constraint must read the text as typed
            return generate_constrained(self, replace(req, constrained=False))
        healed, removed = heal_trailing_spaces(req)
        if removed:
            return [unheal(c, removed) for c in self.generate(healed)]
        started = time.perf_counter()
        prompt = self.prompt_tokens(req)
        n = max(1, req.num_hypotheses)
        sampling = req.temperature > 0
        beam = not sampling and n > 1
        newline_ids = self.tokenizer.newline_ids
        watch_text = req.stop_at_newline or bool(req.stop)
        cancelled = threading.Event()
        ended: set[int] = set()  # batch entries the callback stopped on a stop
        generated: dict[int, list[int]] = {}

        def on_step(step: ctranslate2.GenerationStepResult) -> bool:
            # Runs in CTranslate2's thread after every token; True ends that batch entry.
            if req.cancelled is not None and req.cancelled():
                cancelled.set()
                return True
            if not watch_text:
                return False
            ids = generated.setdefault(step.batch_id, [])
            ids.append(step.token_id)
            # Only a token with a newline can end a line, so skip decoding for the others.
            if (req.stop or step.token_id in newline_ids) and self._cut(self.tokenizer.decode(ids), req)[1]:
                ended.add(step.batch_id)
                return True
            return False

        use_callback = not beam and bool(watch_text or req.cancelled)
        options = dict(
            max_length=req.max_tokens,
            end_token=self.tokenizer.eos,
            include_prompt_in_result=False,
            return_scores=True,
            **self._sampling_options(req),
        )
        if beam:
            # CTranslate2 takes no callback with beams: stops are applied to the finished text.
            options.update(beam_size=n, num_hypotheses=n)
            batch = [prompt]
        else:
            # Independent samples as a batch of identical prompts: each entry stops on its own.
            batch = [prompt] * (n if sampling else 1)
        results = self._run(batch, on_step if use_callback else None, **options)
        elapsed = (time.perf_counter() - started) * 1000
        outputs = (
            [(0, ids, sc) for ids, sc in zip(results[0].sequences_ids, results[0].scores, strict=False)]
            if beam
            else [(b, r.sequences_ids[0], r.scores[0] if r.scores else None) for b, r in enumerate(results)]
        )
        completions = []
        for batch_id, seq, score in outputs:
            ids = list(seq)
            text, was_cut = self._cut(self.tokenizer.decode(ids), req)
            if cancelled.is_set():
                reason = "cancelled"
            elif was_cut or (batch_id in ended and not beam):
                reason = "stop"
            elif len(ids) < req.max_tokens:
                reason = "eos"
            else:
                reason = "length"
            # CTranslate2 reports the length-normalised score; the sum is comparable across lengths.
            log_prob = score * len(ids) if score is not None and ids else None
            tokens = [self.tokenizer.id_to_token(i) or "" for i in ids]
            completions.append(Completion(text, tokens, ids, log_prob, reason, elapsed))
        if beam:
            # Beams often differ only past a stop; keep the best of each distinct text.
            completions.sort(key=lambda c: c.log_prob if c.log_prob is not None else float("-inf"), reverse=True)
            unique: dict[str, Completion] = {}
            for c in completions:
                unique.setdefault(c.text, c)
            completions = list(unique.values())
        return completions

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        """Yield decoded text pieces token by token (one hypothesis, greedy or sampled).

        Stops at the request's stops and checks `cancelled` between tokens; closing the
        iterator early stops decoding.
        """
        req = self._encodable(req)
        if not req.prefix and not self.manifest.has_fim:
            return
        healed, removed = heal_trailing_spaces(req)
        if removed:
            yield from _unheal_stream(self.stream(healed), removed)
            return
        prompt = self.prompt_tokens(req)
        ids: list[int] = []
        emitted = ""
        with self._slots:
            steps = self._gen.generate_tokens(
                prompt,
                max_length=req.max_tokens,
                end_token=self.tokenizer.eos,
                **self._sampling_options(req),
            )
            try:
                for step in steps:
                    if req.cancelled is not None and req.cancelled():
                        break
                    ids.append(step.token_id)
                    text, stopped = self._cut(self.tokenizer.decode(ids), req)
                    # Hold back a trailing replacement char: a multi-byte character may be half-decoded.
                    if len(text) > len(emitted) and not text.endswith("\ufffd"):
                        yield text[len(emitted) :]
                        emitted = text
                    if stopped:
                        break
            finally:
                close = getattr(steps, "close", None)
                if close is not None:
                    close()
        text, _ = self._cut(self.tokenizer.decode(ids), req)
        if len(text) > len(emitted):
            yield text[len(emitted) :]

    def score(self, text_tokens: list[str]) -> list[float]:
        """Per-token log-probabilities of a token sequence under the model (for checks and evaluation)."""
        with self._slots:
            return list(self._gen.score_batch([text_tokens])[0].log_probs)
