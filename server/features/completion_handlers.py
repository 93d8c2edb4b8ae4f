"""Handlers for completion and the commands clients send back: thin wrappers over `features.completion`.

Registered by `app.build_server`; each reads the document, calls the feature, converts the
result to LSP types, and records metrics and feedback.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any, cast

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from elixir_coder.telemetry.events import Event, EventKind, new_request_id

from ..documents import uri_to_path
from ..workspace import Symbol, symbol_completions
from . import completion as completion_feature
from .completion import Proposals
from .host import ServerHost

# Command handlers take the server as pygls's LanguageServer (pygls resolves their annotations at
# run time) and use it through the ServerHost protocol.


async def _proposals(ls: ServerHost, uri: str, position: lsp.Position, feature: str) -> Proposals | None:
    """The model's proposals at a position of an open document (None: completions are off)."""
    if not ls.settings.completions_enabled:
        return None
    doc = ls.workspace.text_documents.get(uri)
    if doc is None:
        return None
    started = time.perf_counter()
    ok = True
    try:
        text = doc.source
        if len(text.encode("utf-8", "surrogatepass")) > ls.settings.max_file_bytes:
            return None
        offset = doc.offset_at_position(position)
        path = uri_to_path(uri)
        proposals = await ls.completions.propose(uri, text, offset, ls.settings, ls.adapter_for(path, text),
                                                 header=partial(ls.prompt_context, path, text, offset),
                                                 path=str(path) if path else uri,
                                                 api=partial(ls.cursor_api, path, text, offset),
                                                 repository=partial(ls.repository_context, path, text, offset))
        ls.completions.remember(uri, path, doc.language_id, proposals)
        if proposals.model_version is not None:
            ls.metrics.cache_lookup("completion", proposals.cached)
        if proposals.texts:
            ls.metrics.completion_shown(proposals.model_version or "", proposals.adapter)
        return proposals
    except asyncio.CancelledError:
        raise
    except Exception:
        ok = False
        raise
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
        text = doc.source
        line_start = doc.offset_at_position(lsp.Position(params.position.line, 0))
        character = doc.offset_at_position(params.position) - line_start  # code points, as the index counts
        symbols = await ls.in_worker(symbol_completions, ls.index, uri_to_path(uri), text, params.position.line,
                                     character)
        items += [_symbol_item(sym, i) for i, sym in enumerate(symbols)]
    return lsp.CompletionList(is_incomplete=True, items=items)


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
