"""Schema checks the benchmark suites share: items are JSON objects of non-empty string fields."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


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


def load_documents(root: Path, validate: Callable[[object, str], list[str]], what: str, suite: str
                   ) -> list[dict[str, Any]]:
    """Every `*.json` document under `root` that `validate` accepts, sorted by id.

    Each document's `id` must be its file name; ids are unique. Every file is checked before
    anything is raised, so one SuiteError lists all the problems.

    Args:
        root: the suite's directory.
        validate: (document, file name) -> error lines.
        what: what a file holds, for the "no files" message ("problem", "item").
        suite: the suite's name, for the summary line.
    """
    files = sorted(root.glob("*.json"))
    if not files:
        raise SuiteError([f"{root}: no {what} files (*.json)"], suite)
    errors: list[str] = []
    docs: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            errors.append(f"{f.name}: unreadable JSON ({exc})")
            continue
        doc_errors = validate(doc, f.name)
        if not doc_errors and f.stem != doc["id"]:
            doc_errors.append(f"{f.name}: file name must be the id ({doc['id']}.json)")
        if not doc_errors and doc["id"] in seen:
            doc_errors.append(f"{f.name}: duplicate id {doc['id']} (also in {seen[doc['id']]})")
        errors += doc_errors
        if not doc_errors:
            seen[doc["id"]] = f.name
            docs[doc["id"]] = doc
    if errors:
        raise SuiteError(errors, suite)
    return [docs[k] for k in sorted(docs)]
