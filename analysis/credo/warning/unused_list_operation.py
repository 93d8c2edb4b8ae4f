"""Warning.UnusedListOperation: A `List` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("List")
class UnusedListOperation(UnusedOperation):
    """A `List` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedListOperation"
