"""Credo's EnumHelpers: `Enum.first(...)` handed straight to `Enum.second(...)`, nested or piped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...quoted import Q, prewalk
from .._quoted_terms import is_pipe, pipe_left, pipe_right, remote


def _is(term: Any, module: str, function: str) -> bool:
    return remote(term) == (module, function)


def pair_lines(root: Any, module: str, first: str, second: str, dot_line_for_nested_pipe: bool = True) -> Iterator[int]:
    """Lines Credo reports for `module.first` followed by `module.second` (its four shapes)."""
    for term in prewalk(root):
        if not isinstance(term, Q):
            continue
        if _is(term, module, second) and isinstance(term.args, list) and len(term.args) == 2:
            head = pipe_left(term)
            if _is(head, module, first):
                # `second(first(...), _)`: the line of the outer module alias
                dot_args = term.form.args if isinstance(term.form, Q) else None
                alias = dot_args[0] if dot_args else None
                yield (alias.line if isinstance(alias, Q) else None) or term.line or 0
                continue
            if is_pipe(head) and _is(pipe_right(head), module, first):
                yield (term.form.line if dot_line_for_nested_pipe else term.line) or 0  # type: ignore[union-attr]
                continue
        if is_pipe(term):
            lhs, rhs = term.args or [None, None]
            if not _is(rhs, module, second):
                continue
            if _is(lhs, module, first) or (is_pipe(lhs) and _is(pipe_right(lhs), module, first)):
                yield term.line or 0
