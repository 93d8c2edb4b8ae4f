"""Syntax diagnostics point where the parse first goes wrong, not where tree-sitter gave up."""

from __future__ import annotations

import pytest

from elixir_coder.analysis.runner import syntax_problems
from elixir_coder.analysis.source import SourceFile

HEAD = "defmodule Shop do\n  @moduledoc false\n\n  def total(items) do\n"
TAIL = "  end\n\n  def other(x) do\n    x * 2\n  end\nend\n"


def problem(typed: str) -> tuple[int, int, str]:
    problems = SourceFile("lib/shop.ex", HEAD + typed + TAIL).syntax_problems()
    assert len(problems) == 1, problems
    p = problems[0]
    return p.line, p.column, p.message


def test_half_typed_operator_is_reported_on_the_line_being_typed() -> None:
    # tree-sitter reads `a +\n  end` as `a + end` and reports the module's missing `end` at the last line.
    assert problem("    a +\n") == (5, 7, "syntax error: '+' has no right-hand side (found 'end')")
    assert problem("    items |>\n")[:2] == (5, 11)
    assert problem("    x = \n")[:2] == (5, 7)
    # `Enum.` then the function's `end` reads as the call `Enum.end`.
    assert problem("    Enum.\n") == (5, 9, "syntax error: nothing after '.' (found 'end' on the next line)")


@pytest.mark.parametrize(("typed", "column", "opener"), [
    ("    foo(\n", 8, "("),
    ("    [1, 2\n", 5, "["),
    ("    %{a: \n", 6, "{"),
    ("    Enum.map(items, fn x -> \n", 13, "("),
])
def test_an_unclosed_delimiter_is_reported_at_its_opener(typed: str, column: int, opener: str) -> None:
    assert problem(typed) == (5, column, f"syntax error: the {opener!r} on line 5 is not closed")


def test_a_block_without_end_is_reported_at_its_do() -> None:
    assert problem("    if x do\n") == (5, 10, 'syntax error: the "do" on line 5 has no matching "end"')
    assert problem("    case x do\n      1 ->\n")[:2] == (5, 12)
    # The whole function left open: the dedented `def` shows which `do` lacks its `end`.
    text = "defmodule Shop do\n  def total(items) do\n    Enum.sum(items)\n\n  def other(x) do\n    x\n  end\nend\n"
    assert SourceFile("lib/shop.ex", text).syntax_problems()[0].line == 2


def test_an_unterminated_string_is_reported_where_it_starts() -> None:
    assert problem('    "abc\n') == (5, 5, "syntax error: the string started on line 5 is not closed")


def test_a_stray_token_is_reported_at_itself() -> None:
    text = "defmodule Broken do\n  def ok, do: 1\n\n  def bad(x), do: foo(x,, 1)\nend\n"
    p = SourceFile("lib/broken.ex", text).syntax_problems()[0]
    assert (p.line, p.column) == (4, 24)


def test_valid_code_has_no_problem_even_where_a_keyword_follows_a_dot() -> None:
    assert SourceFile("lib/ok.ex", HEAD + "    a +\n    Enum.sum(items)\n" + TAIL).syntax_problems() == []
    assert SourceFile("lib/ok.ex", "defmodule R do\n  def last(r), do: r.end\nend\n").syntax_problems() == []


def test_the_analyzer_reports_the_located_problem() -> None:
    src = SourceFile("lib/shop.ex", HEAD + "    a +\n" + TAIL)
    assert [(p.line, p.column, p.kind) for p in syntax_problems([src])] == [(5, 7, "syntax")]
