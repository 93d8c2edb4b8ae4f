"""Warning.UnusedRegexOperation: A `Regex` call whose result is thrown away."""

from __future__ import annotations

from ._helpers import UnusedOperation, unused_check


@unused_check("Regex")
class UnusedRegexOperation(UnusedOperation):
    """A `Regex` call whose result is thrown away."""

    name = "Credo.Check.Warning.UnusedRegexOperation"
