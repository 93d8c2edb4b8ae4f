"""The `elixirCoder.explain` command: the explanation of a diagnostic as markdown, written by a capable model
when one is configured.

Registered by `app.build_server`. The structured explanation is built on the analysis thread;
when the configured model is capable (`explain.is_capable`: a remote server, or a local model of
at least a billion parameters) it rewrites the prose on a separate thread, and its answer is used
only if its example passes the check again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from elixir_coder.assist.explain import (
    ExplainRequest,
    Explanation,
    explain,
    find_targets,
    is_capable,
    write_with_model,
)
from elixir_coder.model.manifest import ModelDirectoryError, read_manifest
from elixir_coder.model.registry import BASE

from .host import ServerHost

if TYPE_CHECKING:
    from ..models import Backend

# Handlers take the server as pygls's LanguageServer: pygls resolves their annotations at run time.


def capable_backend(ls: ServerHost) -> Backend | None:
    """The configured model when it may write explanations, else None (never raises; may load: call off the loop)."""
    settings = ls.settings
    remote = bool(settings.remote_url)
    if not remote:
        try:
            from ..models import BackendChoice

            parameters = read_manifest(ls.models.model_dir(BackendChoice.from_settings(settings), BASE)).parameters
        except (ModelDirectoryError, OSError, ValueError):
            return None
        if not is_capable(parameters, remote=False):
            return None
    try:
        return ls.models.load(BASE)
    except Exception:  # noqa: BLE001 - no model means the structured text, not an error
        return None


def _explain_document(ls: ServerHost, text: str, result: Any, name: str, req: ExplainRequest) -> list[Explanation]:
    targets = find_targets(result, name, req.line + 1, req.check)
    return [explain(t, text, result, filename=name, root=ls.workspace_root) for t in targets]


async def on_explain(server: LanguageServer, *args: Any) -> dict[str, Any]:
    """`elixirCoder.explain` {uri, line (0-based), check?}: `{markdown, explanations: [{check, source, model}]}`."""
    ls = cast("ServerHost", server)
    arg = args[0] if len(args) == 1 else None
    try:
        req = ExplainRequest.parse(arg)
    except ValueError as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    analysed = await ls.current_analysis(req.uri)
    if analysed is None or analysed.result is None:
        raise JsonRpcInvalidParams(f"explain: {req.uri} is not open or could not be analysed")
    result = analysed.result
    explanations = await ls.in_worker(_explain_document, ls, analysed.text, result, analysed.name, req)
    if not explanations:
        raise JsonRpcInvalidParams(f"explain: no {req.check or 'finding'} on line {req.line + 1} of {req.uri}")
    backend = await asyncio.to_thread(capable_backend, ls)
    if backend is not None:
        root: Path | None = ls.workspace_root
        targets = find_targets(result, analysed.name, req.line + 1, req.check)
        explanations = [
            await asyncio.to_thread(write_with_model, backend, exp, target, analysed.text, filename=analysed.name,
                                    root=root, model_name=backend.version)
            for exp, target in zip(explanations, targets, strict=True)
        ]
    return {
        "markdown": "\n\n---\n\n".join(e.to_markdown() for e in explanations),
        "explanations": [{"check": e.check, "source": e.source, "line": e.line, "model": e.written_by}
                         for e in explanations],
    }
