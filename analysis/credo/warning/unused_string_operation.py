"""Warning.UnusedStringOperation: A `String` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("String")
class UnusedStringOperation(UnusedOperation):
    """A `String` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedStringOperation"
