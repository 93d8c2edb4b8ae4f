"""Code actions and commands for "Generate implementation" and its clarification questions.

Offering an action costs nothing: `generate_actions` only finds the function under the cursor
(`generate.find_site`). Running `elixirCoder.generateImplementation` samples candidates,
clusters them (`clarify.assess`) and either applies the first clean candidate through
`workspace/applyEdit`, or keeps the best question for that function; the next code action
request there lists it as one action per option ("<question> → <option>"), each running
`elixirCoder.answerClarification`, which regenerates with the answer in the prompt and applies
the result. Both commands also return the edit and what happened, for clients that do not
support `workspace/applyEdit` and for the terminal.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any, cast

from lsprotocol import types as lsp
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from elixir_coder.assist.clarify import assess, clarification_comment
from elixir_coder.assist.fixes import Edit
from elixir_coder.assist.generate import Candidate, Outcome, Site, find_site, generate_checked

from ..documents import uri_to_path
from .code_actions import to_text_edits
from .host import ServerHost

GENERATE_COMMAND = "elixirCoder.generateImplementation"
ANSWER_COMMAND = "elixirCoder.answerClarification"
GENERATE_KIND = lsp.CodeActionKind.RefactorRewrite
GENERATE_TITLE = "Generate implementation"


@dataclass
class Pending:
    """A question asked about one function of one document version."""

    version: int | None
    line: int
    question: dict[str, Any]


# Per-server state kept here, so the server class needs no new attributes.
_pending: weakref.WeakKeyDictionary[object, dict[str, Pending]] = weakref.WeakKeyDictionary()


def pending_for(ls: object) -> dict[str, Pending]:
    """Open questions per document URI for a server."""
    return _pending.setdefault(ls, {})


def generate_actions(ls: LanguageServer, uri: str, version: int | None, text: str,
                     rng: lsp.Range) -> list[lsp.CodeAction]:
    """"Generate implementation" for a function described at the cursor, or the open question's options."""
    site = find_site(text, rng.start.line)
    if site is None:
        return []
    pending = pending_for(ls).get(uri)
    if pending is not None and pending.version == version and pending.line == site.line:
        question = pending.question
        actions = []
        for option in question["options"]:
            title = f"{question['text']} → {option['label']}"
            arg = {"uri": uri, "line": rng.start.line, "version": version, "answer": option["answer"],
                   "label": option["label"], "codes": option["codes"]}
            actions.append(lsp.CodeAction(title=title, kind=GENERATE_KIND,
                                          command=lsp.Command(title=title, command=ANSWER_COMMAND, arguments=[arg])))
        return actions
    arg = {"uri": uri, "line": rng.start.line, "version": version}
    title = GENERATE_TITLE if site.name is None else f"{GENERATE_TITLE} of {site.name}/{site.arity}"
    return [lsp.CodeAction(title=title, kind=GENERATE_KIND, command=lsp.Command(title=title, command=GENERATE_COMMAND, arguments=[arg]))]


def _arg(args: tuple[Any, ...]) -> dict[str, Any]:
    if len(args) == 1 and isinstance(args[0], dict) and isinstance(args[0].get("uri"), str) \
            and isinstance(args[0].get("line"), int):
        return args[0]
    raise JsonRpcInvalidParams(f"expected one object {{uri, line, ...}}, got {list(args)!r}")


def _site(ls: ServerHost, arg: dict[str, Any]) -> tuple[Site, int | None]:
    current = ls.document(arg["uri"])
    if current is None:
        raise JsonRpcInvalidParams(f"{arg['uri']} is not open")
    text, version = current
    site = find_site(text, arg["line"])
    if site is None:
        raise JsonRpcInvalidParams(f"line {arg['line'] + 1} describes no function to generate")
    return site, version


def document_edit(uri: str, version: int | None, old: str, new: str, encoding: str) -> lsp.WorkspaceEdit:
    """One TextEdit turning `old` into `new` (the changed middle only, so the rest of the file is untouched)."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    edits = to_text_edits(old, [Edit(start, end_old, new[start:end_new])], encoding)
    return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
        text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=list(edits))])


async def _finish(ls: ServerHost, uri: str, version: int | None, outcome: Outcome) -> dict[str, Any]:
    """Apply a clean outcome through workspace/applyEdit; report a failure in words."""
    result: dict[str, Any] = {"rounds": outcome.rounds, "checked": len(outcome.tried), "message": outcome.summary()}
    if outcome.candidate is None or outcome.edited_text is None:
        ls.log_to_client(f"Generate implementation: {outcome.summary()}", lsp.MessageType.Warning)
        return {**result, "status": "failed", "remaining": outcome.remaining}
    edit = document_edit(uri, version, outcome.site.text, outcome.edited_text, ls.encoding)
    applied = False
    workspace = ls.client_capabilities.workspace if ls.client_capabilities else None
    if workspace is not None and workspace.apply_edit:
        response = await asyncio.wait_for(ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=edit, label=GENERATE_TITLE)), 30)
        applied = bool(response.applied)
    return {**result, "status": "applied" if applied else "generated", "applied": applied,
            "code": outcome.candidate.code, "edit": get_converter().unstructure(edit)}


def _root(ls: ServerHost) -> Any:
    return ls.workspace_root


async def on_generate_implementation(server: LanguageServer, *args: Any) -> dict[str, Any]:
    """`elixirCoder.generateImplementation {uri, line}`: ask a question, or generate, check and apply."""
    ls = cast("ServerHost", server)
    arg = _arg(args)
    site, version = _site(ls, arg)
    uri = arg["uri"]
    adapter = ls.adapter_for(uri_to_path(uri), site.text)
    settings = ls.settings

    def work() -> tuple[Any, Outcome | None]:
        model = ls.models.load_for_generation(adapter)
        assessment = assess(model, site, entropy_threshold=settings.clarify_entropy,
                            clusters_threshold=settings.clarify_clusters)
        if assessment.ask:
            return assessment, None
        return assessment, generate_checked(model, site, first=assessment.ordered_candidates(), root=_root(ls))

    # Sampling and running candidates take seconds: off the event loop, and off the analysis thread.
    assessment, outcome = await asyncio.get_running_loop().run_in_executor(None, work)
    facts = {"entropy": round(assessment.entropy, 4), "clusters": [c.size for c in assessment.clustering.clusters],
             "method": assessment.clustering.method, "reasons": assessment.reasons}
    if outcome is None and assessment.question is not None:
        question = assessment.question.to_json()
        pending_for(ls)[uri] = Pending(version, site.line, question)
        ls.log_to_client(f"Generate implementation: {question['text']} (see the code actions)")
        return {"status": "question", "question": question, **facts}
    pending_for(ls).pop(uri, None)
    assert outcome is not None  # `work` generates whenever it does not ask
    return {**await _finish(ls, uri, version, outcome), **facts}


async def on_answer_clarification(server: LanguageServer, *args: Any) -> dict[str, Any]:
    """`elixirCoder.answerClarification {uri, line, answer, codes}`: regenerate with the answer, check, apply."""
    ls = cast("ServerHost", server)
    arg = _arg(args)
    answer = arg.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise JsonRpcInvalidParams("answerClarification needs a non-empty `answer`")
    codes = [c for c in arg.get("codes") or [] if isinstance(c, str)]
    site, version = _site(ls, arg)
    uri = arg["uri"]
    adapter = ls.adapter_for(uri_to_path(uri), site.text)

    def work() -> Outcome:
        model = ls.models.load_for_generation(adapter)
        # The chosen cluster's own candidates are the fallback when the regenerated ones fail the checks.
        return generate_checked(model, site, extra=clarification_comment(site, answer), root=_root(ls),
                                fallback=[Candidate(c) for c in codes])

    outcome = await asyncio.get_running_loop().run_in_executor(None, work)
    pending_for(ls).pop(uri, None)
    return {**await _finish(ls, uri, version, outcome), "answer": answer}
