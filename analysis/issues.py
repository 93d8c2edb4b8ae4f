"""What the analyzer reports: Credo issues and Sobelow findings, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Credo's priority names and their integer values (Credo.Priority).
PRIORITY_VALUES: dict[str, int] = {"ignore": -100, "low": -10, "normal": 1, "high": 10, "higher": 20}

SYNTAX_CHECK = "Credo.Check.SyntaxError"


def priority_to_int(value: str | int | None) -> int:
    """Credo's `Priority.to_integer`: names map to numbers, numbers pass through, nil is 0."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value).lstrip(":")
    try:
        return int(text)
    except ValueError:
        pass
    if text not in PRIORITY_VALUES:
        raise ValueError(f"invalid priority {value!r} (valid: numbers or {'/'.join(PRIORITY_VALUES)})")
    return PRIORITY_VALUES[text]


def priority_name(value: int) -> str:
    """Credo's `Priority.to_atom` for a numeric priority."""
    if value > 19:
        return "higher"
    if value >= 10:
        return "high"
    if value >= 0:
        return "normal"
    if value >= -10:
        return "low"
    return "ignore"


@dataclass(frozen=True)
class Issue:
    """One Credo issue, with the fields of `mix credo --format json`.

    `check` is the full module name (`Credo.Check.Readability.LargeNumbers`); `priority` is
    the check's base priority plus the scope adjustment Credo applies.
    """

    check: str
    category: str
    message: str
    filename: str
    line_no: int | None
    column: int | None = None
    column_end: int | None = None
    trigger: str | None = None
    priority: int = 0
    scope: str | None = None

    @property
    def short_name(self) -> str:
        """`Readability.LargeNumbers` for `Credo.Check.Readability.LargeNumbers`."""
        return self.check.removeprefix("Credo.Check.")

    def to_credo_json(self) -> dict[str, Any]:
        """The object `mix credo --format json` prints for this issue."""
        return {
            "category": self.category,
            "check": self.check,
            "column": self.column,
            "column_end": self.column_end,
            "filename": self.filename,
            "line_no": self.line_no,
            "message": self.message,
            "priority": self.priority,
            "scope": self.scope,
            "trigger": self.trigger,
        }


@dataclass(frozen=True)
class Finding:
    """One Sobelow finding.

    Args:
        type_name: the finding type's short name, e.g. `XSS.Raw`.
        title: the human title Sobelow appends, e.g. `XSS`, giving `"XSS.Raw: XSS"`.
        confidence: `high`, `medium` or `low`.
        line: 0 for whole-configuration findings, like Sobelow.
        details: the type-specific fields (`variable`, `key`, `pipeline`, `route`,
            `template`, `details`, `cve`) in the order Sobelow prints them.
    """

    type_name: str
    title: str
    type_id: str
    confidence: str
    file: str
    line: int
    details: dict[str, Any] = field(default_factory=dict)
    column: int | None = None
    column_end: int | None = None

    @property
    def type(self) -> str:
        """Sobelow's `type` field: `"XSS.Raw: XSS"`."""
        return f"{self.type_name}: {self.title}"

    def to_sobelow_json(self) -> dict[str, Any]:
        """The object `mix sobelow --format json` prints for this finding."""
        out: dict[str, Any] = {"type": self.type, "file": self.file, "line": self.line}
        out.update(self.details)
        return out
