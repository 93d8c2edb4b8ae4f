"""Credo's Consistency checks: the project-wide majority style, `force:`, ties, and what each check counts."""

from __future__ import annotations

from typing import Any

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, *files: str, params: dict[str, Any] | None = None) -> list[Issue]:
    """Run a consistency check over several files at once (`lib/f0.ex`, `lib/f1.ex`, ...)."""
    check = CHECKS[f"Credo.Check.Consistency.{short}"]()
    merged = check.params_with(params)
    contexts = [CheckContext(SourceFile(f"lib/f{i}.ex", code), check, merged) for i, code in enumerate(files)]
    return list(check.run_project(contexts))


def lines(issues: list[Issue]) -> list[tuple[str, int | None, str | None]]:
    return [(i.filename, i.line_no, i.trigger) for i in issues]


# --- ParameterPatternMatching ------------------------------------------------------------------------

MIXED = """defmodule Credo.Sample do
  defmodule InlineModule do
    def list_after([bar, baz] = foo), do: :ok

    def struct_before(foo_left = %User{name: name}), do: :ok
    def struct_after(%User{name: name} = foo), do: :ok

    defp map_before(foo_left = %{bar: baz}), do: :ok
    defp map_after(%{bar: baz} = foo), do: :ok
  end
end
"""
RIGHT = "defmodule A do\n  def f(%{a: a} = m) do\n    {a, m}\n  end\nend\n"
LEFT = "defmodule B do\n  def g(m = %{a: a}), do: {a, m}\nend\n"


def test_parameter_pattern_matching_reports_the_minority_side() -> None:
    issues = run("ParameterPatternMatching", MIXED)
    assert lines(issues) == [("lib/f0.ex", 5, "foo_left"), ("lib/f0.ex", 8, "foo_left")]
    assert all(i.check == "Credo.Check.Consistency.ParameterPatternMatching" for i in issues)
    assert issues[0].category == "consistency"


def test_parameter_pattern_matching_is_silent_when_consistent() -> None:
    assert run("ParameterPatternMatching", RIGHT, RIGHT) == []
    assert run("ParameterPatternMatching", LEFT) == []


def test_parameter_pattern_matching_counts_across_files() -> None:
    issues = run("ParameterPatternMatching", RIGHT, RIGHT, LEFT)
    assert lines(issues) == [("lib/f2.ex", 2, "m")]


def test_parameter_pattern_matching_tie_goes_to_after() -> None:
    # one of each: Credo's max over a sorted map keeps the first key, `:after`
    assert lines(run("ParameterPatternMatching", RIGHT, LEFT)) == [("lib/f1.ex", 2, "m")]


def test_parameter_pattern_matching_force() -> None:
    assert lines(run("ParameterPatternMatching", RIGHT, params={"force": ":before"})) == [("lib/f0.ex", 2, "m")]
    assert run("ParameterPatternMatching", RIGHT, LEFT, LEFT, params={"force": "after"})[0].line_no == 2


def test_parameter_pattern_matching_skips_guards_bodyless_heads_and_macros() -> None:
    code = """defmodule C do
  def f(m = %{}) when is_map(m), do: m
  def h(m = %{})
  defmacro k(m = %{}), do: m
  def j(%{} = m), do: m
end
"""
    assert run("ParameterPatternMatching", code) == []


# --- LineEndings ----------------------------------------------------------------------------------------

UNIX = "defmodule A do\n  def a, do: 1\nend\n"


def test_line_endings_reports_the_odd_file_once() -> None:
    windows = "defmodule W do\r\n  def a, do: 1\r\nend\r\n"
    (issue,) = run("LineEndings", UNIX, windows, UNIX)
    assert (issue.filename, issue.line_no, issue.trigger) == ("lib/f1.ex", 1, "\r\n")
    assert issue.column is None


def test_line_endings_first_differing_line_and_force() -> None:
    mixed = "defmodule W do\n  def a, do: 1\r\nend\n"
    assert lines(run("LineEndings", UNIX, mixed)) == [("lib/f1.ex", 2, "\r\n")]
    assert run("LineEndings", UNIX, UNIX) == []
    forced = run("LineEndings", UNIX, params={"force": ":windows"})
    assert lines(forced) == [("lib/f0.ex", 1, "\n")]


# --- TabsOrSpaces --------------------------------------------------------------------------------------


def test_tabs_or_spaces_reports_each_tab_indented_line() -> None:
    tabs = "defmodule T do\n\tdef a, do: 1\n\tdef b, do: 2\nend\n"
    issues = run("TabsOrSpaces", UNIX, UNIX, tabs)
    assert [(i.filename, i.line_no) for i in issues] == [("lib/f2.ex", 2), ("lib/f2.ex", 3)]
    assert run("TabsOrSpaces", UNIX, "defmodule S do\n def one_space, do: 1\nend\n") == []


def test_tabs_or_spaces_force() -> None:
    assert [i.line_no for i in run("TabsOrSpaces", UNIX, params={"force": "tabs"})] == [2]


# --- SpaceInParentheses --------------------------------------------------------------------------------

NO_SPACES = "defmodule A do\n  def f(x), do: foo({x, [1]})\n  def g(x), do: bar(x)\nend\n"
WITH_SPACES = "defmodule B do\n  def h(x) do\n    { :ok } = File.read( x )\n  end\nend\n"


def test_space_in_parentheses_reports_lines_of_the_minority_style() -> None:
    issues = run("SpaceInParentheses", NO_SPACES, NO_SPACES, WITH_SPACES)
    assert lines(issues) == [("lib/f2.ex", 3, "{ :")]


def test_space_in_parentheses_ignores_strings_comments_sigils_and_char_literals() -> None:
    quiet = 'defmodule C do\n  def s, do: "( x )" <> ~w( a b )a # ( x )\n  def c, do: ?( \nend\n'
    assert run("SpaceInParentheses", NO_SPACES, quiet) == []


def test_space_in_parentheses_when_spaces_win() -> None:
    spaced = "defmodule D do\n  def f( x ), do: foo( x )\n  def g( x ), do: [ ]\nend\n"
    empty = "defmodule E do\n  def e, do: []\nend\n"
    assert lines(run("SpaceInParentheses", spaced, spaced, empty)) == [("lib/f2.ex", 2, "[]")]
    assert run("SpaceInParentheses", spaced, spaced, empty, params={"allow_empty_enums": True}) == []


# --- SpaceAroundOperators ------------------------------------------------------------------------------


def test_space_around_operators_reports_against_the_majority() -> None:
    code = "defmodule M do\n  defmacro foo do\n    3+4\n  end\n\n  defp bar do\n    6 *7\n  end\nend\n"
    (issue,) = run("SpaceAroundOperators", code)  # `3+4` and `*7` touch, so no spaces is the rule
    assert (issue.line_no, issue.trigger, issue.column) == (7, "*", 7)


def test_space_around_operators_tie_goes_to_spaces() -> None:
    code = "defmodule N do\ndef bar do\n2+3\n4 + 5\nend\nend\n"
    (issue,) = run("SpaceAroundOperators", code)
    assert (issue.line_no, issue.trigger, issue.column) == (3, "+", 2)


def test_space_around_operators_leaves_signs_captures_specs_and_pipes_alone() -> None:
    spaced = "defmodule S do\n  def a(x, y), do: x + y\n  def b(x, y), do: x * y\nend\n"
    quiet = """defmodule Q do
  @spec f(integer) :: -1..1
  @min -1
  def f(x) when x > -1, do: [-1, foo(-x), x..-1, x * -1, &Mod.fun/2, &json().encode!/1]
  def g([h|t]), do: {h, t}
  def h(fun), do: fun.(-30, 10)
end
"""
    assert run("SpaceAroundOperators", spaced, spaced, quiet) == []


def test_space_around_operators_stops_at_the_first_binary() -> None:
    spaced = "defmodule S do\n  def a(x, y), do: x + y\nend\n"
    after_binary = "defmodule B do\n  def a(<<x::8>>), do: x\n  def b(x), do: x+1\nend\n"
    before_binary = "defmodule B do\n  def b(x), do: x+1\n  def a(<<x::8>>), do: x\nend\n"
    assert run("SpaceAroundOperators", spaced, after_binary) == []
    assert lines(run("SpaceAroundOperators", spaced, spaced, before_binary)) == [("lib/f2.ex", 2, "+")]


def test_space_around_operators_ignore_param() -> None:
    spaced = "defmodule S do\n  def a(x, y), do: x + y\n  def b(x, y), do: x - y\nend\n"
    pipe = "defmodule P do\n  def a([h|t]), do: h\nend\n"
    assert run("SpaceAroundOperators", spaced, pipe) == []
    assert lines(run("SpaceAroundOperators", spaced, pipe, params={"ignore": []})) == [("lib/f1.ex", 2, "|")]


# --- ExceptionNames ------------------------------------------------------------------------------------


def test_exception_names_reports_the_odd_one() -> None:
    a = "defmodule Credo.Sample do\n  defmodule SomeError do\n    defexception [:message]\n  end\nend\n"
    b = "defmodule UndefinedResponse do\n  defexception [:message]\nend\n"
    (issue,) = run("ExceptionNames", a, b)  # a tie: the prefix `Some` sorts first, so `Undefined...` is odd
    assert (issue.filename, issue.line_no, issue.trigger) == ("lib/f1.ex", 1, "UndefinedResponse")


def test_exception_names_suffix_majority() -> None:
    a = "defmodule X do\n  defmodule SomeException do\n    defexception [:message]\n  end\n" \
        "  defmodule UndefinedResponse do\n    defexception [:message]\n  end\nend\n"
    b = "defmodule InputValidationException do\n  defexception [:message]\nend\n"
    assert lines(run("ExceptionNames", a, b)) == [("lib/f0.ex", 5, "UndefinedResponse")]


def test_exception_names_is_silent_when_consistent_or_alone() -> None:
    a = "defmodule ParseError do\n  defexception [:message]\nend\n"
    b = "defmodule Web do\n  defmodule TimeoutError do\n    defexception [:message]\n  end\nend\n"
    plain = "defmodule NotAnException do\n  def a, do: 1\nend\n"
    assert run("ExceptionNames", a, b, plain) == []
    assert run("ExceptionNames", a) == []


def test_exception_names_counts_module_relative_names_as_credo_does() -> None:
    # `__MODULE__.BadThing` is an alias to Elixir: Credo counts it (its last part) like any exception
    a = "defmodule App do\n  defmodule __MODULE__.BadThing do\n    defexception [:message]\n  end\nend\n"
    b = "defmodule FooError do\n  defexception [:message]\nend\n"
    c = "defmodule BarError do\n  defexception [:message]\nend\n"
    assert lines(run("ExceptionNames", a, b, c)) == [("lib/f0.ex", 2, "__MODULE__.BadThing")]
    assert run("ExceptionNames", a.replace("BadThing", "BadError"), b, c) == []
