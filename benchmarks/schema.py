"""Schema checks the benchmark suites share: items are JSON objects of non-empty string fields."""

from __future__ import annotations

from collections.abc import Sequence


class SuiteError(ValueError):
    """A suite on disk is malformed: `errors` lists every problem found, one line each.

    Args:
        errors: one message, or every problem found.
        suite: the suite's name, for the summary line.
    """

    def __init__(self, errors: str | Sequence[str], suite: str = "the suite") -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        if isinstance(errors, str):
            super().__init__(errors)
        else:
            super().__init__(f"{len(self.errors)} problem(s) in {suite}:\n  " + "\n  ".join(self.errors))


def string_fields_errors(doc: object, fields: Sequence[str], source: str) -> list[str]:
    """Errors (`"source: message"`) when `doc` is not an object holding exactly `fields`, each a non-empty string."""
    if not isinstance(doc, dict):
        return [f"{source}: expected a JSON object, got {type(doc).__name__}"]
    errors = []
    missing = [f for f in fields if f not in doc]
    extra = sorted(set(doc) - set(fields))
    if missing:
        errors.append(f"{source}: missing field(s) {', '.join(missing)}")
    if extra:
        errors.append(f"{source}: unknown field(s) {', '.join(extra)}")
    for f in fields:
        if f in doc and (not isinstance(doc[f], str) or not doc[f].strip()):
            errors.append(f"{source}: field {f!r} must be a non-empty string")
    return errors
