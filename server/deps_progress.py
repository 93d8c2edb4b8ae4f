"""`$/progress` for indexing `deps/`: callbacks the index thread calls, forwarded to the event loop.

The token is created (`window/workDoneProgress/create`) and begun on the event loop while the
index already runs; reports that come before the client accepted the token are skipped, and
the end waits for it, so a client always sees begin, reports, end in that order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from lsprotocol import types as lsp

log = logging.getLogger(__name__)


class DepsProgress:
    """Thread-safe progress callbacks for `DepsIndex` (server/deps_index.py).

    Args:
        loop: the server's event loop.
        begun: the task creating and beginning the token (its result: the token, or None when the
            client refused it); None when no progress is shown (no `deps/`, or a client without
            `window.workDoneProgress`).
        report / end: the server's `$/progress` senders.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, begun: asyncio.Future[str | None] | None,
                 report: Callable[[str, lsp.WorkDoneProgressReport], None],
                 end: Callable[[str, lsp.WorkDoneProgressEnd], None]) -> None:
        self.loop = loop
        self.begun = begun
        self._report = report
        self._end = end

    def report(self, done: int, total: int) -> None:
        """Files done of all (on the index thread)."""
        log.info("deps index: %d/%d files", done, total)
        self._on_loop(self._send_report, done, total)

    def finished(self, modules: int) -> None:
        """Indexing ended with `modules` modules (on the index thread)."""
        log.info("deps index: %d modules", modules)
        self._on_loop(lambda: asyncio.ensure_future(self._send_end(modules)))

    def _on_loop(self, fn: Callable[..., object], *args: object) -> None:
        if self.begun is None or self.loop.is_closed():
            return
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed meanwhile: the server is exiting
            pass

    def _token(self) -> str | None:
        begun = self.begun
        if begun is None or not begun.done() or begun.cancelled() or begun.exception() is not None:
            return None
        return begun.result()

    def _send_report(self, done: int, total: int) -> None:
        token = self._token()
        if token is not None:
            self._report(token, lsp.WorkDoneProgressReport(message=f"{done}/{total} files",
                                                           percentage=done * 100 // max(total, 1)))

    async def _send_end(self, modules: int) -> None:
        if self.begun is None:
            return
        try:
            token = await self.begun
        except Exception:  # noqa: BLE001 - progress is a courtesy; the index is ready either way
            return
        if token is not None:
            self._end(token, lsp.WorkDoneProgressEnd(message=f"{modules} modules"))
