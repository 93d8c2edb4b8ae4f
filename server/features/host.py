"""What the request and command handlers need from the language server, as a protocol.

Handlers are typed against `ServerHost`, not against `app.ElixirCoderServer`: the app imports
the handlers to register them, so the handlers naming the app class would be an import circle.
`ElixirCoderServer` satisfies this protocol; a test can hand a handler anything else that does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from lsprotocol import types as lsp
from pygls.workspace import Workspace

from elixir_coder.telemetry.metrics import Metrics
from elixir_coder.telemetry.recorder import Recorder

from ..analysed import Analysed
from ..api_index import CursorApi
from ..feedback import FeedbackTracker
from ..models import ModelService
from ..settings import Settings
from ..workspace import ProjectIndex
from .completion import CompletionFeature

T = TypeVar("T")


class ServerHost(Protocol):
    """The server's state and services a handler may use."""

    settings: Settings
    workspace_root: Path | None
    models: ModelService
    completions: CompletionFeature
    tracker: FeedbackTracker
    recorder: Recorder | None
    metrics: Metrics
    index: ProjectIndex

    # from pygls's LanguageServer
    @property
    def workspace(self) -> Workspace: ...

    @property
    def client_capabilities(self) -> lsp.ClientCapabilities: ...

    def workspace_apply_edit_async(self, params: lsp.ApplyWorkspaceEditParams) -> Awaitable[Any]: ...

    # from ElixirCoderServer
    @property
    def encoding(self) -> str: ...

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None: ...

    def document(self, uri: str) -> tuple[str, int | None] | None: ...

    def in_worker(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]: ...

    def in_request_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]: ...

    def current_analysis(self, uri: str) -> Awaitable[Analysed | None]: ...

    def adapter_for(self, path: Path | None, text: str = "") -> str: ...

    def prompt_context(self, path: Path | None, text: str, offset: int) -> str: ...

    def cursor_api(self, path: Path | None, text: str, offset: int) -> CursorApi: ...

    def repository_context(self, path: Path | None, text: str, offset: int, api: CursorApi) -> str: ...

    def call_later(self, delay: float, fn: Callable[[], None]) -> None: ...
