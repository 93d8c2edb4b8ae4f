"""Documents over `maxFileBytes` are not kept: the server holds an empty text for them instead.

pygls keeps every open document's text. A 20 MB file the analyzer skips anyway cost hundreds of
megabytes (its text, the copies decoding and checking made). `OversizeDocuments` replaces the
workspace's text of such a document with "" and remembers its size; nothing is analysed or
completed there until a whole-text change brings it under the limit (incremental changes to a
text that is not kept cannot be applied, so the document stays set aside until then or until it
is closed and opened again). The text is never re-read from disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types as lsp


def _text_of(doc: Any) -> str:
    # pygls reads the file from disk when `_source` is None: never leave it None.
    return doc._source or ""


class OversizeDocuments:
    """The open documents set aside for their size (uri -> characters when last seen)."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}

    def __contains__(self, uri: object) -> bool:
        return uri in self.sizes

    def release(self, doc: Any, limit: int) -> int | None:
        """Set `doc` aside when its text is over `limit` characters; returns its size then (else None)."""
        size = len(_text_of(doc))
        if size <= limit:
            return None
        doc._source = ""
        self.sizes[doc.uri] = size
        return size

    def after_change(self, doc: Any, changes: Sequence[Any], limit: int) -> int | None:
        """Keep the set-aside state right after pygls applied `changes`; returns the size when set aside."""
        if doc.uri not in self.sizes:
            return self.release(doc, limit)
        if changes and isinstance(changes[-1], lsp.TextDocumentContentChangeWholeDocument):
            del self.sizes[doc.uri]
            return self.release(doc, limit)
        doc._source = ""  # an edit to a text that is not kept: the document stays set aside
        return self.sizes[doc.uri]

    def forget(self, uri: str) -> None:
        """The document was closed."""
        self.sizes.pop(uri, None)
