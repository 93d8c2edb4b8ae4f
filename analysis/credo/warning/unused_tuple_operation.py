"""Warning.UnusedTupleOperation: A `Tuple` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("Tuple")
class UnusedTupleOperation(UnusedOperation):
    """A `Tuple` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedTupleOperation"
