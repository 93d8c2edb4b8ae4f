"""One engine class over `ctranslate2.Generator`: load a model directory, generate, stream.

Dataclasses in and out; no torch. The constructor resolves device and compute type (int8 on
CPU by default) and validates the directory through its manifest, so a corrupt model is
refused before CTranslate2 sees it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ctranslate2

from .manifest import Manifest, ModelDirectoryError, validate_model_dir
from .prompt import build_prompt
from .tokenizer import ModelTokenizer


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate.

    Args:
        prefix / suffix: text before and after the cursor.
        max_tokens: new tokens at most.
        temperature: 0 for greedy decoding.
        num_samples: independent samples (different seeds); 1 for a single completion.
        stop_at_newline: end the completion at the end of the current line.
        stop: further strings that end a completion (cut before them).
        cancelled: checked between steps; returning True stops generation.
    """

    prefix: str
    suffix: str = ""
    max_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 0.95
    num_samples: int = 1
    seed: int = 0
    stop_at_newline: bool = False
    stop: tuple[str, ...] = ()
    prompt_budget: int = 384
    cancelled: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Completion:
    """One generated continuation."""

    text: str
    token_ids: list[int] = field(default_factory=list)
    log_prob: float | None = None
    finish_reason: str = "length"  # "length" | "stop" | "eos" | "cancelled"
    latency_ms: float = 0.0


class Engine:
    """A loaded model.

    Args:
        model_dir: a model directory (CTranslate2 files, tokenizer.json, manifest.json).
        device: "cpu" or "cuda".
        compute_type: CTranslate2 compute type; default int8 on CPU, int8_float16 on CUDA.
        intra_threads: threads per generation (1 is fastest for small int8 models).
    """

    def __init__(
        self, model_dir: Path, device: str = "cpu", compute_type: str | None = None, intra_threads: int = 1
    ) -> None:
        self.model_dir = Path(model_dir)
        self.manifest: Manifest = validate_model_dir(self.model_dir)
        self.compute_type = compute_type or ("int8" if device == "cpu" else "int8_float16")
        started = time.perf_counter()
        try:
            self._gen = ctranslate2.Generator(
                str(self.model_dir), device=device, compute_type=self.compute_type, intra_threads=intra_threads
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelDirectoryError(f"{self.model_dir}: CTranslate2 cannot load the model ({exc})") from exc
        self.load_ms = (time.perf_counter() - started) * 1000
        self.tokenizer = ModelTokenizer(self.model_dir / "tokenizer.json", self.manifest)
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """The manifest's version string."""
        return self.manifest.version

    def _prompt_tokens(self, req: GenerationRequest) -> list[str]:
        return build_prompt(
            self.tokenizer, req.prefix, req.suffix, budget=req.prompt_budget, fim=self.manifest.has_fim
        ).tokens

    def _finish(self, ids: list[int], req: GenerationRequest) -> tuple[str, str]:
        text = self.tokenizer.decode(ids)
        reason = "length"
        cut = len(text)
        if req.stop_at_newline and "\n" in text:
            cut, reason = text.index("\n"), "stop"
        for s in req.stop:
            pos = text.find(s)
            if 0 <= pos < cut:
                cut, reason = pos, "stop"
        return text[:cut], reason

    def generate(self, req: GenerationRequest) -> list[Completion]:
        """Generate `num_samples` completions (greedy when temperature is 0)."""
        started = time.perf_counter()
        prompt = self._prompt_tokens(req)
        newline_ids = self.tokenizer.newline_ids if req.stop_at_newline else frozenset()
        stopped: set[int] = set()

        def on_step(step: ctranslate2.GenerationStepResult) -> bool:
            # Stop a hypothesis at its first newline token, or every one when cancelled.
            if req.cancelled is not None and req.cancelled():
                stopped.add(-1)
                return True
            if step.token_id in newline_ids:
                stopped.add(step.batch_id)
                return True
            return False

        sampling = req.temperature > 0
        n = max(1, req.num_samples)
        results = []
        with self._lock:
            for i in range(n if sampling else 1):
                if sampling:
                    ctranslate2.set_random_seed(req.seed + i)
                out = self._gen.generate_batch(
                    [prompt],
                    max_length=req.max_tokens,
                    sampling_temperature=req.temperature if sampling else 1.0,
                    sampling_topk=0 if sampling else 1,
                    sampling_topp=req.top_p if sampling else 1.0,
                    end_token=self.tokenizer.eos,
                    include_prompt_in_result=False,
                    return_scores=True,
                    callback=on_step if (newline_ids or req.cancelled) else None,
                )[0]
                results.append(out)
        elapsed = (time.perf_counter() - started) * 1000
        completions = []
        for out in results:
            ids = list(out.sequences_ids[0])
            text, reason = self._finish(ids, req)
            if -1 in stopped:
                reason = "cancelled"
            elif reason == "length" and len(ids) < req.max_tokens:
                reason = "eos"
            score = out.scores[0] if out.scores else None
            completions.append(Completion(text, ids, score, reason, elapsed))
        return completions

    def stream(self, req: GenerationRequest) -> Iterator[str]:
        """Yield decoded text pieces as tokens are generated (greedy or sampled, one hypothesis)."""
        prompt = self._prompt_tokens(req)
        sampling = req.temperature > 0
        ids: list[int] = []
        emitted = ""
        with self._lock:
            for step in self._gen.generate_tokens(
                prompt,
                max_length=req.max_tokens,
                sampling_temperature=req.temperature if sampling else 1.0,
                sampling_topk=0 if sampling else 1,
                sampling_topp=req.top_p if sampling else 1.0,
                end_token=self.tokenizer.eos,
            ):
                if req.cancelled is not None and req.cancelled():
                    break
                ids.append(step.token_id)
                text, reason = self._finish(ids, req)
                if len(text) > len(emitted):
                    yield text[len(emitted) :]
                    emitted = text
                if reason == "stop":
                    break
