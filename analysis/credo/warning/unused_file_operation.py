"""Warning.UnusedFileOperation: A side-effect-free `File` query whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("File", "cwd cwd! dir? exists? read read! regular? stat stat!".split())
class UnusedFileOperation(UnusedOperation):
    """A side-effect-free `File` query whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedFileOperation"
