"""Readability.LargeNumbers: Decimal numbers above `only_greater_than` written without `_` digit separators."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...ast import ancestors
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ._helpers import _text


def _number_value(text: str, is_float: bool) -> float | int | None:
    clean = text.replace("_", "")
    try:
        if is_float:
            return float(clean)
        if clean[:2] in ("0x", "0o", "0b"):
            return int(clean, 0)
        return int(clean)
    except ValueError:
        return None


def _underscored(digits: str) -> str:
    """`1234567` -> `1_234_567` (Credo groups from the right, three digits at a time)."""
    rev = digits[::-1]
    rev = re.sub(r"(\d{3})(?=\d)", r"\1_", rev)
    return rev[::-1]


def _expected_forms(value_text: str, trailing: list[int]) -> list[str]:
    forms = [_underscored(value_text)]
    for n in trailing:
        if len(value_text) > n:
            forms.append(f"{_underscored(value_text[:-n] if n else value_text)}_{value_text[-n:] if n else ''}")
    out: list[str] = []
    for f in forms:
        if f not in out:
            out.append(f)
    return out


_BEGIN_RE = re.compile(r"[0-9_oxb]+$")


_END_RE = re.compile(r"^[0-9_.]+")


def _source_fragment(line: str, column: int) -> str:
    """The number text as Credo cuts it out of the line around a token's 1-based column."""
    head = line[1 : column + 1]
    m = _BEGIN_RE.search(head)
    begin = m.group(0) if m else ""
    m2 = _END_RE.match(line[column + 1 :])
    end = m2.group(0) if m2 else ""
    end = re.sub(r"\.\..*", "", end)
    return begin + end


@register
class LargeNumbers(CredoCheck):
    """Decimal numbers above `only_greater_than` written without `_` digit separators."""

    name = "Credo.Check.Readability.LargeNumbers"
    category = "readability"
    base_priority = "high"
    default_params = {"only_greater_than": 9999, "trailing_digits": []}
    summary = "Large numbers should use underscores as thousands separators."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        limit = ctx.params.get("only_greater_than", 9999)
        trailing_param = ctx.params.get("trailing_digits") or []
        if isinstance(trailing_param, int):
            trailing = [trailing_param]
        elif isinstance(trailing_param, range):
            trailing = list(trailing_param)
        else:
            trailing = [int(t) for t in trailing_param]
        nodes = sorted([*src.by_type("integer"), *src.by_type("float")], key=lambda n: n.start_byte)
        for node in nodes:
            text = _text(src, node)
            value = _number_value(text, node.type == "float")
            if value is None or not value > limit:
                continue
            if any(a.type == "interpolation" for a in ancestors(node)):
                continue  # Credo reads top-level tokens only; interpolated code is nested
            line_no = src.line_of(node)
            column = src.column_of(node)
            fragment = _source_fragment(src.line(line_no), column)
            if fragment[:2] in ("0b", "0o", "0x", "") or fragment == "":
                continue
            if isinstance(value, int):
                expected = _expected_forms(str(value), trailing)
            else:
                whole, _, decimals = fragment.partition(".")
                forms = _expected_forms(whole, trailing)
                expected = [f"{f}.{decimals}" for f in forms] if "." in fragment else forms
            if fragment in expected:
                continue
            yield ctx.issue(
                f"Number {fragment} is larger than {limit}; write it with underscores: {' or '.join(expected)}",
                line_no,
                trigger=fragment,
                column=column,
            )
