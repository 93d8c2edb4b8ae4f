"""Dynamic batching: requests that arrive within a short window run as one CTranslate2 batch.

A `Batcher` owns the worker threads of one model instance (one per CTranslate2 replica: while
one batch decodes, the next one gathers and runs on another core). Callers `submit` a `BatchJob`
and get a `concurrent.futures.Future`; a worker collects jobs for up to `window_ms` (or until
`max_batch_size`), groups those that can share decoding options, runs each group with a
single `generate_batch` call, and resolves every job's future with its own completions. The
queue is bounded: a full queue refuses new jobs at once, so the HTTP layer can answer 503 with
Retry-After instead of letting latency grow without limit.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

import ctranslate2

from elixir_coder.model.engine import Completion, Engine, GenerationRequest, cut_at_stops

log = logging.getLogger(__name__)

# (choice index within the job, token id, log-probability or None), called from the worker thread.
TokenSink = Callable[[int, int, float | None], None]
EngineLease = Callable[[], contextlib.AbstractContextManager[Engine | None]]


class QueueFullError(Exception):
    """The batch queue is at its bound; retry after `retry_after` seconds."""

    def __init__(self, depth: int, retry_after: int) -> None:
        super().__init__(f"inference queue full ({depth} waiting); retry after {retry_after} s")
        self.retry_after = retry_after


class ModelUnavailableError(Exception):
    """No model is loaded for the instance (unloaded, failed to load, or shutting down)."""


@dataclass
class BatchJob:
    """One request waiting for the batch worker.

    Args:
        req: what to generate (its `num_hypotheses` samples become that many batch entries).
        on_token: optional sink called for each generated token (for streaming responses).
        cancelled: set it to stop this job's decoding (client went away).
    """

    req: GenerationRequest
    on_token: TokenSink | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    future: Future[list[Completion]] = field(default_factory=Future)
    enqueued: float = field(default_factory=time.perf_counter)
    prompt_tokens: int = 0
    want_log_probs: bool = False
    # Filled by the worker: per choice, the log-probability of each generated token.
    token_log_probs: list[list[float | None]] = field(default_factory=list)

    def is_cancelled(self) -> bool:
        """True when the client or the request's own callback asked to stop."""
        return self.cancelled.is_set() or (self.req.cancelled is not None and self.req.cancelled())


def _options_key(req: GenerationRequest) -> tuple:
    """Jobs with equal keys can share one `generate_batch` call (same sampling options)."""
    if req.temperature > 0:
        return ("sample", req.temperature, req.top_k, req.top_p)
    if req.num_hypotheses > 1:
        return ("beam", id(req))  # beam search takes no callback: each such job runs alone
    return ("greedy",)


def _sampling_options(req: GenerationRequest) -> dict:
    if req.temperature > 0:
        return {"sampling_temperature": req.temperature, "sampling_topk": req.top_k, "sampling_topp": req.top_p}
    return {"sampling_topk": 1}


def generate_group(engine: Engine, jobs: list[BatchJob]) -> list[list[Completion]]:
    """Run jobs that share decoding options as one `generate_batch`; completions per job, in order.

    Each job contributes `num_hypotheses` entries when sampled (one when greedy); the batch
    runs to the longest `max_tokens`, and a per-step callback ends each entry at its own
    limit, at its stops, or when its job is cancelled, exactly as `Engine.generate` would.

    Args:
        engine: a loaded engine (its lock is taken for the call).
        jobs: jobs with equal `_options_key` (not beam-search jobs).
    """
    started = time.perf_counter()
    tok = engine.tokenizer
    eos_id = tok.token_id(tok.eos)
    newline_ids = tok.newline_ids
    entries: list[tuple[int, int]] = []  # batch id -> (job index, choice index)
    prompts: list[list[str]] = []
    for j, job in enumerate(jobs):
        prompt = engine.prompt_tokens(job.req)
        job.prompt_tokens = len(prompt)
        count = max(1, job.req.num_hypotheses) if job.req.temperature > 0 else 1
        for c in range(count):
            entries.append((j, c))
            prompts.append(prompt)
    generated: list[list[int]] = [[] for _ in entries]
    log_probs: list[list[float | None]] = [[] for _ in entries]
    ended: set[int] = set()
    cancelled: set[int] = set()

    def on_step(step: ctranslate2.GenerationStepResult) -> bool:
        # Runs in CTranslate2's thread after every token; True ends that batch entry only.
        b = step.batch_id
        j, c = entries[b]
        job = jobs[j]
        if job.is_cancelled():
            cancelled.add(b)
            return True
        if step.token_id == eos_id:
            return False
        ids = generated[b]
        ids.append(step.token_id)
        log_probs[b].append(step.log_prob)
        if job.on_token is not None:
            job.on_token(c, step.token_id, step.log_prob)
        req = job.req
        if len(ids) >= req.max_tokens:
            return True
        if (req.stop or (req.stop_at_newline and step.token_id in newline_ids)) and cut_at_stops(tok.decode(ids), req)[1]:
            ended.add(b)
            return True
        return False

    first = jobs[0].req
    # The per-step callback takes the GIL for every token of every entry, which slows decoding
    # while the event loop runs; it is left out when no job needs what only it can do.
    needs_callback = len({job.req.max_tokens for job in jobs}) > 1 or any(
        job.req.stop or job.req.stop_at_newline or job.on_token or job.want_log_probs or job.req.cancelled
        for job in jobs
    )
    with engine._slots:
        results = engine._gen.generate_batch(
            prompts,
            max_length=max(job.req.max_tokens for job in jobs),
            end_token=tok.eos,
            include_prompt_in_result=False,
            # Scores cost ~10% of decoding and only the summed log-probability uses them.
            return_scores=any(job.want_log_probs for job in jobs),
            callback=on_step if needs_callback else None,
            **_sampling_options(first),
        )
    elapsed = (time.perf_counter() - started) * 1000
    out: list[list[Completion]] = [[] for _ in jobs]
    for b, result in enumerate(results):
        j, _c = entries[b]
        req = jobs[j].req
        ids = list(result.sequences_ids[0])[: req.max_tokens]
        text, was_cut = cut_at_stops(tok.decode(ids), req)
        if b in cancelled:
            reason = "cancelled"
        elif was_cut or b in ended:
            reason = "stop"
        elif len(ids) < req.max_tokens:
            reason = "eos"
        else:
            reason = "length"
        score = result.scores[0] if result.scores else None
        # Same convention as Engine.generate: the normalised score times length is the summed log-prob.
        log_prob = score * len(ids) if score is not None and ids else None
        tokens = [tok.id_to_token(i) or "" for i in ids]
        out[j].append(Completion(text, tokens, ids, log_prob, reason, elapsed))
        if needs_callback:
            jobs[j].token_log_probs.append(log_probs[b][: len(ids)])
    return out


class Batcher:
    """A bounded queue and one worker thread that runs queued jobs in batches.

    Args:
        lease: returns a context manager yielding the instance's current engine (None when
            unloaded); it is held for a whole batch so a hot swap waits for it to finish.
        window_ms: how long to wait for more jobs after the first one arrives.
        max_batch_size: jobs per batch at most (1 disables batching).
        max_queue: jobs waiting at most; more are refused with `QueueFullError`.
        on_batch: optional observer called with (batch size, milliseconds) after each batch.
        name: used in the worker threads' names and in logs.
        workers: batches that may run at once (the engine needs as many replicas: `inter_threads`).
    """

    def __init__(
        self,
        lease: EngineLease,
        window_ms: float = 2.0,
        max_batch_size: int = 16,
        max_queue: int = 256,
        on_batch: Callable[[int, float], None] | None = None,
        name: str = "default",
        workers: int = 1,
    ) -> None:
        if max_batch_size < 1 or max_queue < 1 or window_ms < 0 or workers < 1:
            raise ValueError("max_batch_size, max_queue and workers must be >= 1 and window_ms >= 0")
        self._lease = lease
        self.window_s = window_ms / 1000.0
        self.max_batch_size = max_batch_size
        self.max_queue = max_queue
        self.on_batch = on_batch
        self.name = name
        self._queue: queue.Queue[BatchJob] = queue.Queue(maxsize=max_queue)
        self._closing = threading.Event()
        self.workers = workers
        self._threads = [threading.Thread(target=self._work, name=f"batcher-{name}-{i}", daemon=True)
                         for i in range(workers)]
        self._recent_batch_s = 0.05
        self._last_size = 2  # start by waiting the window: the first requests may come as a burst
        for thread in self._threads:
            thread.start()

    @property
    def depth(self) -> int:
        """Jobs waiting in the queue."""
        return self._queue.qsize()

    def submit(self, job: BatchJob) -> Future[list[Completion]]:
        """Queue a job; its future resolves with the job's completions.

        Raises:
            QueueFullError: the queue is at its bound.
            ModelUnavailableError: the batcher is shutting down.
        """
        if self._closing.is_set():
            raise ModelUnavailableError(f"model instance {self.name!r} is shutting down")
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            # A rough wait: the batches needed to clear the queue at the recent batch time.
            batches = self.max_queue / self.max_batch_size
            raise QueueFullError(self.max_queue, max(1, round(batches * self._recent_batch_s + 0.5))) from None
        return job.future

    def close(self, timeout: float = 30.0) -> None:
        """Refuse new jobs, finish the queued ones, and stop the workers (waits up to `timeout` in all)."""
        self._closing.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _take_batch(self) -> list[BatchJob]:
        try:
            first = self._queue.get(timeout=0.1)
        except queue.Empty:
            return []
        batch = [first]
        # Waiting only pays when requests come together: after a batch of one (a lone client),
        # the window is skipped so a single caller does not pay it on every request.
        window = self.window_s if self._last_size > 1 or not self._queue.empty() else 0.0
        deadline = time.monotonic() + window
        while len(batch) < self.max_batch_size:
            # Jobs already queued (they arrived while the last batch ran) join without waiting.
            try:
                batch.append(self._queue.get_nowait())
                continue
            except queue.Empty:
                pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        self._last_size = len(batch)
        return batch

    def _work(self) -> None:
        while True:
            batch = self._take_batch()
            if not batch:
                if self._closing.is_set() and self._queue.empty():
                    return
                continue
            started = time.perf_counter()
            try:
                self._run(batch)
            except BaseException as exc:  # noqa: BLE001 - the worker must survive any one batch
                log.exception("batch failed on %s", self.name)
                for job in batch:
                    if not job.future.done():
                        job.future.set_exception(exc)
            elapsed = time.perf_counter() - started
            self._recent_batch_s = 0.8 * self._recent_batch_s + 0.2 * elapsed
            if self.on_batch is not None:
                self.on_batch(len(batch), elapsed * 1000)

    def _run(self, batch: list[BatchJob]) -> None:
        live = [job for job in batch if not job.future.cancelled()]
        groups: dict[tuple, list[BatchJob]] = {}
        for job in live:
            groups.setdefault(_options_key(job.req), []).append(job)
        with self._lease() as engine:
            if engine is None:
                err = ModelUnavailableError(f"model instance {self.name!r} is not loaded")
                for job in live:
                    job.future.set_exception(err)
                return
            for key, jobs in groups.items():
                try:
                    if key[0] == "beam":
                        results = [engine.generate(jobs[0].req)]
                        jobs[0].prompt_tokens = len(engine.prompt_tokens(jobs[0].req))
                    else:
                        results = generate_group(engine, jobs)
                except Exception as exc:  # noqa: BLE001 - one group's failure goes to its own callers
                    log.exception("generation failed on %s", self.name)
                    for job in jobs:
                        job.future.set_exception(exc)
                    continue
                for job, completions in zip(jobs, results, strict=True):
                    job.future.set_result(completions)


@contextlib.contextmanager
def fixed_lease(engine: Engine | None) -> Iterator[Engine | None]:
    """A lease over one engine that never changes (for tests and benchmarks)."""
    yield engine
