"""Handlers for completion and the commands clients send back: thin wrappers over `features.completion`.

Registered by `app.build_server`; each reads the document, calls the feature, converts the
result to LSP types, and records metrics and feedback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from elixir_coder.model.prompt import without_lone_surrogates
from elixir_coder.telemetry.events import Event, EventKind, new_request_id

from ..documents import uri_to_path
from ..workspace import Symbol, symbol_completions
from . import completion as completion_feature
from .completion import Proposals
from .host import ServerHost

log = logging.getLogger(__name__)

# Command handlers take the server as pygls's LanguageServer (pygls resolves their annotations at
# run time) and use it through the ServerHost protocol.


# Whatever happens, a completion is answered within this (an empty answer when the model is
# slower): editors drop ghost text that comes later anyway, and a request must never hang.
COMPLETION_BUDGET_S = 3.0


@dataclass(frozen=True)
class _Cursor:
    text: str
    offset: int
    adapter: str


def _cursor(ls: ServerHost, doc: Any, position: lsp.Position, path: Any) -> _Cursor | None:
    """The text (lone surrogates replaced, one for one), the cursor offset and the adapter (on a worker:
    all three are linear in the document)."""
    text = without_lone_surrogates(doc.source)
    if len(text) > ls.settings.max_file_bytes or len(text.encode("utf-8")) > ls.settings.max_file_bytes:
        return None
    offset = max(0, min(len(text), doc.offset_at_position(position)))
    return _Cursor(text, offset, ls.adapter_for(path, text))


async def _proposals(ls: ServerHost, uri: str, position: lsp.Position, feature: str) -> Proposals | None:
    """The model's proposals at a position of an open document.

    None when completions are off, the document is unknown or too large, the budget ran out, or
    the model failed (logged): any text gives proposals or an empty answer, never an error.
    """
    if not ls.settings.completions_enabled:
        return None
    doc = ls.workspace.text_documents.get(uri)
    if doc is None:
        return None
    started = time.perf_counter()
    ok = True
    path = uri_to_path(uri)
    try:
        async with asyncio.timeout(COMPLETION_BUDGET_S):
            cursor = await ls.in_request_thread(_cursor, ls, doc, position, path)
            if cursor is None:
                return None
            cursor_ms = (time.perf_counter() - started) * 1000
            text, offset = cursor.text, cursor.offset
            proposals = await ls.completions.propose(uri, text, offset, ls.settings, cursor.adapter,
                                                     header=partial(ls.prompt_context, path, text, offset),
                                                     path=str(path) if path else uri,
                                                     api=partial(ls.cursor_api, path, text, offset),
                                                     repository=partial(ls.repository_context, path, text, offset))
        # Only the join is settled here; the tracker scrubs and records the event on its own thread.
        remember_started = time.perf_counter()
        ls.completions.remember(uri, path, doc.language_id, proposals)
        if proposals.stages:  # a generation ran (not a cache hit, not loading)
            ls.completions.timings.record({
                **proposals.stages, "cursor": cursor_ms, "remember": (time.perf_counter() - remember_started) * 1000,
                "total": (time.perf_counter() - started) * 1000})
        if proposals.model_version is not None:
            ls.metrics.cache_lookup("completion", proposals.cached)
        if proposals.texts:
            ls.metrics.completion_shown(proposals.model_version or "", proposals.adapter)
        return proposals
    except TimeoutError:
        ok = False
        ls.completions.stats.timeouts += 1
        log.warning("%s at %s:%d:%d: no proposal within %.1f s; answered empty", feature, path or uri,
                    position.line, position.character, COMPLETION_BUDGET_S)
        return None
    except asyncio.CancelledError:
        raise
    except Exception:
        ok = False
        ls.completions.stats.errors += 1
        log.exception("%s failed at %s:%d:%d; answered empty", feature, path or uri, position.line,
                      position.character)
        return None
    finally:
        ls.metrics.observe_request(feature, (time.perf_counter() - started) * 1000, ok)


async def on_inline_completion(ls: ServerHost, params: lsp.InlineCompletionParams
                               ) -> lsp.InlineCompletionList | None:
    """Ghost text at the cursor."""
    proposals = await _proposals(ls, params.text_document.uri, params.position, "inline_completion")
    if proposals is None:
        return None
    return lsp.InlineCompletionList(items=completion_feature.inline_items(proposals, params.position))


async def on_completion(ls: ServerHost, params: lsp.CompletionParams) -> lsp.CompletionList:
    """The model's proposal first, then symbols from the project."""
    uri = params.text_document.uri
    proposals = await _proposals(ls, uri, params.position, "completion")
    items = completion_feature.model_completion_items(proposals, params.position) if proposals else []
    doc = ls.workspace.text_documents.get(uri)
    if doc is not None:
        try:
            async with asyncio.timeout(COMPLETION_BUDGET_S):
                symbols = await ls.in_request_thread(_symbols, ls, doc, uri, params.position)
        except TimeoutError:
            log.warning("project symbols at %s:%d: over %.1f s; left out", uri, params.position.line,
                        COMPLETION_BUDGET_S)
            symbols = []
        items += [_symbol_item(sym, i) for i, sym in enumerate(symbols)]
    return lsp.CompletionList(is_incomplete=True, items=items)


def _symbols(ls: ServerHost, doc: Any, uri: str, position: lsp.Position) -> list[Symbol]:
    """Project symbols for the cursor (on a request thread: offsets and the index lookup are linear)."""
    text = without_lone_surrogates(doc.source)
    if len(text) > ls.settings.max_file_bytes:
        return []
    line_start = doc.offset_at_position(lsp.Position(position.line, 0))
    character = doc.offset_at_position(position) - line_start  # code points, as the index counts
    return symbol_completions(ls.index, uri_to_path(uri), text, position.line, character)


_SYMBOL_KINDS = {"function": lsp.CompletionItemKind.Function, "module": lsp.CompletionItemKind.Module,
                 "attribute": lsp.CompletionItemKind.Constant}


def _symbol_item(sym: Symbol, rank: int) -> lsp.CompletionItem:
    doc = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=sym.documentation) if sym.documentation else None
    return lsp.CompletionItem(
        label=sym.label, kind=_SYMBOL_KINDS.get(sym.kind, lsp.CompletionItemKind.Text), detail=sym.detail,
        documentation=doc, sort_text=f"1{rank:04d}", insert_text=sym.insert_text,
        insert_text_format=lsp.InsertTextFormat.Snippet if sym.is_snippet else lsp.InsertTextFormat.PlainText,
    )


def _command_arg(args: tuple[Any, ...]) -> dict[str, Any]:
    if len(args) == 1 and isinstance(args[0], dict):
        return args[0]
    raise JsonRpcInvalidParams(f"expected one JSON object argument, got {list(args)!r}")


def on_completion_accepted(server: LanguageServer, *args: Any) -> bool:
    """`elixirCoder.completionAccepted`: record it, and check for edits after the configured delay."""
    ls = cast("ServerHost", server)
    arg = _command_arg(args)
    request_id = str(arg.get("requestId", ""))
    chars = arg.get("acceptedChars")
    shown = ls.tracker.accepted(request_id, int(arg.get("index", 0)), int(chars) if chars is not None else None)
    if shown is None:
        return False
    ls.metrics.completion_accepted(shown.model_version or "", shown.adapter or "")

    def check() -> None:
        doc = ls.workspace.text_documents.get(shown.uri)
        ls.tracker.edit_check(request_id, doc.source if doc is not None else None)

    ls.call_later(ls.settings.edit_check_delay_seconds, check)
    return True


def on_completion_rejected(server: LanguageServer, *args: Any) -> bool:
    """`elixirCoder.completionRejected`: the user dismissed the suggestion."""
    ls = cast("ServerHost", server)
    return ls.tracker.rejected(str(_command_arg(args).get("requestId", "")))


def on_rate_explanation(server: LanguageServer, *args: Any) -> bool:
    """`elixirCoder.rateExplanation`: thumbs up or down on an explanation."""
    ls = cast("ServerHost", server)
    arg = _command_arg(args)
    rating = arg.get("rating")
    if rating not in (1, -1) or not isinstance(arg.get("check"), str):
        raise JsonRpcInvalidParams("rateExplanation needs {check: str, rating: 1 or -1}")
    if ls.recorder is not None:
        uri = arg.get("uri")
        path = uri_to_path(uri) if isinstance(uri, str) else None
        ls.recorder.record(Event(kind=EventKind.EXPLANATION_RATED, request_id=new_request_id(),
                                 path=str(path) if path else None, detail={"check": arg["check"], "rating": rating}))
    return True


def on_action_taken(server: LanguageServer, *args: Any) -> bool:
    """`elixirCoder.actionTaken`: attached to every code action offered, so taking one is recorded."""
    ls = cast("ServerHost", server)
    arg = _command_arg(args)
    if ls.recorder is not None:
        ls.recorder.record(Event(kind=EventKind.ACTION_TAKEN, request_id=str(arg.get("requestId", "")),
                                 language_id="elixir", detail={k: arg[k] for k in ("index", "title", "kind")
                                                               if k in arg}))
    return True
