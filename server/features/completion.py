"""Inline and classic completion: from a cursor to items, off the editor's path.

`CompletionFeature` owns what completion needs across requests: the model service, one
generation thread, the proposal cache, the feedback tracker, and a sequence number per
document so that a newer request or edit stops the generation of an older one. The handlers
in completion_handlers.py stay thin: they read the document and call `propose`, then turn proposals into LSP
items with the acceptance command attached.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from elixir_coder.model.engine import GenerationRequest
from elixir_coder.telemetry.events import new_request_id

from ..completion import CompletionCache, CursorContext, cursor_context, trim_completion, unique_proposals
from ..completion_findings import FindingGuard
from ..completion_syntax import SyntaxGuard
from ..completion_timing import StageTimes, Stopwatch
from ..feedback import FeedbackTracker, Shown
from ..models import Backend, ModelService
from ..settings import Settings

log = logging.getLogger(__name__)

ACCEPT_COMMAND = "elixirCoder.completionAccepted"
REJECT_COMMAND = "elixirCoder.completionRejected"
# Each token costs ~1 ms on one CPU core, and the cap decides the slowest answers. Against 24 tokens
# on 120 held-out cursors, 16 kept exact match (5.8%) and edit similarity (0.231 -> 0.236) and cut
# the decode stage's 95th percentile from 47 to 36 ms; a longer line is finished by the next request.
SINGLE_LINE_TOKENS = 16
# After two retries or corrections, a single line starts no further decoding pass once this
# much of the request has gone: a few requests took 7-13 passes (80-130 ms) for one line; cut
# before the rejected text, they answer in time (docs/reports/context.md).
SINGLE_LINE_RETRY_BUDGET_MS = 25.0
# And none at all, the floor included, once this much has gone (a line whose two corrections took
# 5 passes and 87 ms on a quiet machine).
SINGLE_LINE_RETRY_DEADLINE_MS = 45.0
# Alternatives (completionAlternatives > 1) are sampled only when the greedy proposal took at most
# this long, so that asking for them never makes a slow answer slower.
ALTERNATIVES_BUDGET_MS = 25.0
ALTERNATIVES_TEMPERATURE = 0.7
_WORD_TAIL = re.compile(r"[\w?!]+$")


@dataclass(frozen=True)
class Proposals:
    """What one completion request produced."""

    request_id: str
    texts: list[str]
    context: CursorContext
    model_version: str | None
    adapter: str
    latency_ms: float
    cached: bool = False
    reason: str | None = None  # why there is nothing: loading, cancelled, error
    stages: dict[str, float] = field(default_factory=dict)  # milliseconds per stage (completion_timing.py)


def prompt_tokens(settings: Settings, multiline: bool) -> int:
    """The prompt budget of a request: a single line takes the shorter one (it is prefilled for
    a few tokens of answer)."""
    if multiline:
        return settings.completion_prompt_tokens
    return min(settings.completion_line_prompt_tokens, settings.completion_prompt_tokens)


def needs_header(prefix: str, settings: Settings) -> bool:
    """Whether a prefix is long enough that the prompt may cut it, so that the module head and
    related signatures are worth building (~4 characters a token; the shorter budget decides)."""
    return len(prefix) > 2 * prompt_tokens(settings, multiline=False)


def generation_request(ctx: CursorContext, settings: Settings, header: str,
                       cancelled: Callable[[], bool], api: Any = None, repository: str = "") -> GenerationRequest:
    """The model request for a cursor: one line or a block, within the settings' limits.

    `api` (what exists at the cursor, server/api_index.py) guides decoding when constrained and
    guided decoding are both on; `repository` is the repository context for the prompt."""
    extra: dict[str, Any] = {}
    if api is not None and settings.constrained_decoding and settings.guided_decoding:
        extra["api"] = api
    if repository and settings.repository_context:
        extra.update(repository=repository, repository_tokens=settings.repository_context_tokens)
    return GenerationRequest(
        prefix=ctx.prefix,
        suffix=ctx.suffix,
        max_tokens=settings.completion_max_tokens if ctx.multiline else min(SINGLE_LINE_TOKENS,
                                                                           settings.completion_max_tokens),
        stop_at_newline=not ctx.multiline,
        stop=("\n\n\n",),
        prompt_budget=prompt_tokens(settings, ctx.multiline),
        context=header,
        cancelled=cancelled,
        constrained=settings.constrained_decoding,
        retry_budget_ms=None if ctx.multiline else SINGLE_LINE_RETRY_BUDGET_MS,
        retry_deadline_ms=None if ctx.multiline else SINGLE_LINE_RETRY_DEADLINE_MS,
        **extra,
    )


@dataclass
class CompletionStats:
    """Counts for `elixirCoder/status` and the metrics."""

    generations: int = 0
    cancelled_generations: int = 0  # stopped between decoding steps by a cancel or a newer edit
    cache_hits: int = 0
    syntax_cut: int = 0  # proposals shortened by the syntax check
    syntax_dropped: int = 0  # proposals dropped by it: every prefix broke the file more than nothing
    timeouts: int = 0  # requests answered empty because the budget ran out
    errors: int = 0  # requests answered empty because the model failed (logged)
    findings_cut: int = 0  # proposals shortened because they added a Credo warning or Sobelow finding
    findings_dropped: int = 0  # proposals dropped for it: no prefix was free of the new finding
    guided: int = 0  # identifiers monitor-guided decoding corrected to existing names


def propose_with(backend: Backend, ctx: CursorContext, settings: Settings, header: Callable[[], str],
                 cancelled: Callable[[], bool], stats: CompletionStats, guard: SyntaxGuard | None = None,
                 api: Callable[[], Any] | None = None, findings: FindingGuard | None = None,
                 repository: Callable[[Any], str] | None = None,
                 alternatives_budget_ms: float = ALTERNATIVES_BUDGET_MS, watch: Stopwatch | None = None) -> list[str]:
    """Generate and trim proposals for a cursor with a loaded backend (blocking).

    `header` builds the prompt's context (module head, signatures), `api` what exists at the
    cursor and `repository` the repository context from it, all here, off the event loop. With
    `settings.completion_alternatives` > 1 and a fast first proposal, up to two sampled
    alternatives follow it. With `guard` (constrained decoding on), each proposal is cut back
    until it adds no syntax error to the unit around the cursor, or dropped; with `findings`,
    likewise until it adds no Credo warning or Sobelow finding. `watch` gets each stage's time.
    """
    watch = watch or Stopwatch()
    with watch.stage("api"):
        cursor_api = api() if api is not None else None
    with watch.stage("repository"):
        repo = repository(cursor_api) if repository is not None and settings.repository_context and cursor_api else ""
    with watch.stage("header"):
        context = header()
    req = generation_request(ctx, settings, context, cancelled, cursor_api, repo)
    started = time.perf_counter()
    completions = backend.generate(req)
    first_ms = (time.perf_counter() - started) * 1000
    _generation_stages(watch, completions, first_ms)
    stats.generations += 1
    if settings.completion_alternatives > 1 and first_ms <= alternatives_budget_ms and not cancelled():
        # The greedy proposal came fast: sample up to two alternatives for clients that cycle.
        with watch.stage("alternatives"):
            completions = completions + backend.generate(replace(
                req, temperature=ALTERNATIVES_TEMPERATURE, num_hypotheses=min(3, settings.completion_alternatives) - 1))
        stats.generations += 1
    stats.guided += sum(getattr(c, "guided", 0) for c in completions)
    if cancelled() or any(c.finish_reason == "cancelled" for c in completions):
        stats.cancelled_generations += 1
        return []
    texts = unique_proposals([trim_completion(c.text, ctx) for c in completions])
    if guard is not None:
        with watch.stage("syntax"):
            checked = [guard.check(ctx.prefix, ctx.suffix, text, ctx.multiline) for text in texts]
        stats.syntax_cut += sum(c.cut and bool(c.text.strip()) for c in checked)
        stats.syntax_dropped += sum(not c.text.strip() for c in checked)
        texts = unique_proposals([c.text for c in checked])
    if findings is not None:
        with watch.stage("findings"):
            found = [findings.check(ctx.prefix, ctx.suffix, text, ctx.multiline) for text in texts]
        stats.findings_cut += sum(f.cut and bool(f.text.strip()) for f in found)
        stats.findings_dropped += sum(f.cut and not f.text.strip() for f in found)
        texts = unique_proposals([f.text for f in found])
    return texts


def _generation_stages(watch: Stopwatch, completions: list[Any], ms: float) -> None:
    """Split the model's time: prompt building, the lexical constraint and the guide (constrained
    decoding reports them), and the rest, CTranslate2's decoding passes."""
    first = completions[0] if completions else None
    parts = {name: float(getattr(first, f"{name}_ms", 0.0)) for name in ("prompt", "constraint", "guide")}
    for name, part in parts.items():
        watch.add(name, part)
    watch.add("decode", max(0.0, ms - sum(parts.values())))
    watch.add("decoding_passes", float(getattr(first, "passes", 1)))  # a count, not milliseconds


class CompletionFeature:
    """Completion state shared by the handlers.

    Args:
        service: the models.
        tracker: feedback about what is shown.
        on_progress: called with ("begin" | "end", message) around background model loads.
        after_load: called on the generation thread after a model loaded (before "end").
    """

    def __init__(self, service: ModelService, tracker: FeedbackTracker,
                 on_progress: Callable[[str, str], None] | None = None,
                 after_load: Callable[[], object] | None = None) -> None:
        self.service = service
        self.tracker = tracker
        self.cache = CompletionCache()
        self.guard = SyntaxGuard()
        self.findings = FindingGuard()
        self.on_progress = on_progress
        self.after_load = after_load
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="elixir-coder-generation")
        self._seq: dict[str, int] = {}
        self._loading: set[str] = set()
        self.queue = 0
        self.last_activity = time.monotonic()  # the last edit or request: the heap keeper waits for quiet
        self.stats = CompletionStats()
        self.timings = StageTimes()

    # --- staleness -----------------------------------------------------------------------------

    def document_changed(self, uri: str) -> None:
        """A newer edit: generation for an older state of this document stops."""
        self.last_activity = time.monotonic()
        self._seq[uri] = self._seq.get(uri, 0) + 1

    def _next(self, uri: str) -> int:
        self._seq[uri] = self._seq.get(uri, 0) + 1
        return self._seq[uri]

    def quiet_for(self) -> float:
        """Seconds since the last edit or completion request."""
        return time.monotonic() - self.last_activity

    # --- loading -------------------------------------------------------------------------------

    def start_loading(self, adapter: str, version: str | None = None) -> None:
        """Load an adapter's model (of a registry version; default current) on the generation thread,
        reporting progress (no-op if under way)."""
        slot = f"{version}/{adapter}" if version else adapter
        if slot in self._loading or self.service.loaded(adapter, version) is not None:
            return
        self._loading.add(slot)

        def load() -> None:
            if self.on_progress:
                self.on_progress("begin", f"Loading completion model ({adapter})")
            message = "ready"
            try:
                engine = self.service.load(adapter, version)
                message = f"model {version or engine.version} ({adapter}) ready"
            except Exception as exc:  # noqa: BLE001 - reported through status and the log
                message = f"no completion model: {exc}"
                log.warning(message)
            else:
                self._after_load()
            finally:
                self._loading.discard(slot)
                if self.on_progress:
                    self.on_progress("end", message)

        self.executor.submit(load)

    def _after_load(self) -> None:
        """Warm the proposal checks and run the `after_load` hook; a failure here is logged and
        leaves the model loaded (it is not a failed load)."""
        try:
            self.warm_checks()
            if self.after_load is not None:
                self.after_load()
        except Exception:  # noqa: BLE001 - the model serves without the warm-up
            log.exception("warming up after the model load failed")

    def warm_checks(self) -> None:
        """Run the syntax and analyzer checks of proposals once, on the generation thread: the first
        real proposal would otherwise pay ~12 ms for the checks' first run and this thread's parser."""
        prefix, suffix = "defmodule Warm do\n  def f(params) do\n    x = ", "\n  end\nend\n"
        self.guard.check(prefix, suffix, "params + 1", multiline=False)
        self.findings.check(prefix, suffix, "params + 1", multiline=False)

    # --- proposing -----------------------------------------------------------------------------

    async def propose(self, uri: str, text: str, offset: int, settings: Settings, adapter: str,
                      header: Callable[[], str] = str, path: str | None = None,
                      api: Callable[[], Any] | None = None,
                      repository: Callable[[Any], str] | None = None) -> Proposals:
        """Proposals at `offset` of `text`; empty (with a reason) while the model loads or when overtaken.

        When an A/B experiment runs, the version comes from its stable assignment for this
        user and `path`, and proposals carry that version's registry name.
        """
        started = time.perf_counter()
        self.last_activity = time.monotonic()
        request_id = new_request_id()
        ctx = cursor_context(text[:offset], text[offset:])
        self.service.last_adapter = adapter
        arm = self.service.ab_version(path)
        backend = self.service.loaded(adapter, arm)
        if backend is None:
            self.start_loading(adapter, arm)
            return Proposals(request_id, [], ctx, None, adapter, 0.0, reason=self.service.error or "loading")
        version = arm or backend.version
        model_key = f"{version}:{adapter}:{int(ctx.multiline)}"
        cached = self.cache.get(model_key, ctx.prefix, ctx.suffix)
        if cached is not None:
            self.stats.cache_hits += 1
            elapsed = (time.perf_counter() - started) * 1000
            return Proposals(request_id, cached, ctx, version, adapter, elapsed, cached=True)
        seq = self._next(uri)
        stop = threading.Event()

        def cancelled() -> bool:
            return stop.is_set() or self._seq.get(uri) != seq

        watch = Stopwatch()
        submitted = time.perf_counter()

        def generate() -> list[str]:
            watch.add("queue", (time.perf_counter() - submitted) * 1000)  # behind another generation
            return propose_with(backend, ctx, settings, header, cancelled, self.stats,
                                self.guard if settings.constrained_decoding else None, api,
                                self.findings if settings.checked_proposals else None, repository, watch=watch)

        self.queue += 1
        try:
            texts = await asyncio.get_running_loop().run_in_executor(self.executor, generate)
        except asyncio.CancelledError:
            stop.set()  # $/cancelRequest: the generation thread sees it at its next step
            raise
        finally:
            self.queue -= 1
            self.last_activity = time.monotonic()
        elapsed = (time.perf_counter() - started) * 1000
        if cancelled():
            return Proposals(request_id, [], ctx, version, adapter, elapsed, reason="cancelled")
        self.cache.put(model_key, ctx.prefix, ctx.suffix, texts)
        return Proposals(request_id, texts, ctx, version, adapter, elapsed, stages=watch.ms)

    def remember(self, uri: str, path: Path | None, language_id: str | None, proposals: Proposals) -> None:
        """Record what was shown so acceptance and later edits join to it."""
        if not proposals.texts:
            return
        line = proposals.context.prefix.count("\n")
        self.tracker.shown(Shown(
            request_id=proposals.request_id, uri=uri, path=str(path) if path else None, language_id=language_id,
            model_version=proposals.model_version, adapter=proposals.adapter, items=list(proposals.texts),
            prefix=proposals.context.prefix, suffix=proposals.context.suffix, line=line,
            latency_ms=proposals.latency_ms,
        ))

    def close(self) -> None:
        """Stop generating and release the models."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.service.close()


def _word_before(line_prefix: str) -> str:
    match = _WORD_TAIL.search(line_prefix)
    return match.group(0) if match else ""


def accept_command(request_id: str, index: int) -> lsp.Command:
    """The command a client runs when the user accepts an item."""
    return lsp.Command(title="Accept completion", command=ACCEPT_COMMAND,
                       arguments=[{"requestId": request_id, "index": index}])


def inline_items(proposals: Proposals, position: lsp.Position) -> list[lsp.InlineCompletionItem]:
    """Ghost-text items inserted at the cursor."""
    return [
        lsp.InlineCompletionItem(insert_text=text, range=lsp.Range(start=position, end=position),
                                 command=accept_command(proposals.request_id, i))
        for i, text in enumerate(proposals.texts)
    ]


def model_completion_items(proposals: Proposals, position: lsp.Position) -> list[lsp.CompletionItem]:
    """The model's proposals as the first items of a classic completion list."""
    items = []
    for i, text in enumerate(proposals.texts):
        first = text.strip().split("\n", 1)[0]
        label = first if len(first) <= 60 else first[:57] + "..."
        items.append(lsp.CompletionItem(
            label=label or text.strip()[:60],
            kind=lsp.CompletionItemKind.Snippet,
            detail=f"ElixirCoder {proposals.model_version or ''} ({proposals.adapter})".strip(),
            documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=f"```elixir\n{text}\n```"),
            sort_text=f"0{i}",
            # Clients filter by the word before the cursor: keep that word in front of the text.
            filter_text=_word_before(proposals.context.line_prefix) + text,
            insert_text_format=lsp.InsertTextFormat.PlainText,
            text_edit=lsp.TextEdit(range=lsp.Range(start=position, end=position), new_text=text),
            command=accept_command(proposals.request_id, i),
        ))
    return items
