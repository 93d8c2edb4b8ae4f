"""Warning.UnusedPathOperation: A `Path` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("Path")
class UnusedPathOperation(UnusedOperation):
    """A `Path` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedPathOperation"
