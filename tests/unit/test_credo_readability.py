"""Credo Readability checks: one positive and one negative snippet per check, triggers, lines and params."""

from __future__ import annotations

from typing import Any

import pytest

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, code: str, filename: str = "lib/sample.ex", **params: Any) -> list[Issue]:
    cls = CHECKS[f"Credo.Check.Readability.{short}"]
    check = cls()
    src = SourceFile(filename, code)
    return list(check.run(CheckContext(src, check, check.params_with(params))))


def found(short: str, code: str, **params: Any) -> list[tuple[int | None, str | None]]:
    return [(i.line_no, i.trigger) for i in run(short, code, **params)]


# --- names ------------------------------------------------------------------------------------------


def test_function_names() -> None:
    code = "defmodule A do\n  def fooBar(a), do: a\n  def fooBar(a, b), do: a\n  def fooBar(b), do: b\nend\n"
    # one issue per name/arity, on the last clause
    assert sorted(found("FunctionNames", code)) == [(3, "fooBar"), (4, "fooBar")]
    assert found("FunctionNames", "def foo_bar?(a), do: a\ndef a + b, do: 1\ndef sigil_X(a, b), do: a\n") == []
    assert found("FunctionNames", "defguardp is_year_BCE(y) when y < 0\n") == [(1, "is_year_BCE")]
    # `=` and `^` are not operators a module can define: Credo names them
    assert found("FunctionNames", "defmacro left = right, do: 1\n") == [(1, "=")]
    assert found("FunctionNames", "def unquote(name)(a), do: a\n") == []


def test_function_names_allow_acronyms() -> None:
    assert found("FunctionNames", "def get_HTTP(a), do: a\n") == [(1, "get_HTTP")]
    assert found("FunctionNames", "def get_HTTP(a), do: a\n", allow_acronyms=True) == []


def test_predicate_function_names() -> None:
    code = "defmodule A do\n  def is_admin(u), do: u\n  defp is_ok?(x), do: x\n  defmacro is_thing(x), do: x\nend\n"
    assert found("PredicateFunctionNames", code) == [(2, "is_admin"), (3, "is_ok?")]
    # guarded heads and @impl callbacks are left alone
    code = "defmodule A do\n  def is_a(x) when x > 1, do: x\n  @impl true\n  def is_b(x), do: x\nend\n"
    assert found("PredicateFunctionNames", code) == []
    assert found("PredicateFunctionNames", "def admin?(u), do: u\n") == []


def test_variable_names() -> None:
    code = "def f(x) do\n  myVar = x\n  {:ok, otherVar} = g(x)\n  myVar\nend\n"
    assert found("VariableNames", code) == [(2, "myVar"), (3, "otherVar")]
    code = "case x do\n  {:ok, resultValue} -> resultValue\nend\n"
    assert found("VariableNames", code) == [(2, "resultValue")]
    assert found("VariableNames", "my_var = someCall(x)\n_ = __MODULE__\n") == []


def test_module_attribute_names() -> None:
    (issue,) = run("ModuleAttributeNames", "defmodule A do\n  @fooBar 1\nend\n")
    assert (issue.line_no, issue.trigger, issue.column) == (2, "@fooBar", 3)
    assert run("ModuleAttributeNames", "defmodule A do\n  @foo_bar 1\n  def f, do: @foo_bar\nend\n") == []


def test_module_names() -> None:
    assert found("ModuleNames", "defmodule My_App.Web do\nend\n") == [(1, "My_App.Web")]
    assert found("ModuleNames", "defmodule MyApp.Web do\nend\n") == []
    assert found("ModuleNames", "defmodule My_App do\nend\n", ignore=["My_App"]) == []


def test_module_doc() -> None:
    assert found("ModuleDoc", "defmodule MyApp.Thing do\n  def f, do: 1\nend\n") == [(1, "MyApp.Thing")]
    assert found("ModuleDoc", 'defmodule MyApp.Thing do\n  @moduledoc ""\nend\n') == [(1, "MyApp.Thing")]
    assert found("ModuleDoc", "defmodule A do\n  @moduledoc false\nend\n") == []
    assert found("ModuleDoc", 'defmodule A do\n  @moduledoc "Docs."\nend\n') == []
    # ignored: Phoenix-style names, exceptions, .exs files, computed names
    assert found("ModuleDoc", "defmodule MyAppWeb.PageController do\nend\n") == []
    assert found("ModuleDoc", "defmodule MyApp.Error do\n  defexception [:m]\nend\n") == []
    assert run("ModuleDoc", "defmodule A do\nend\n", filename="test/a_test.exs") == []
    assert found("ModuleDoc", "quote do\n  defmodule unquote(name) do\n  end\nend\n") == []
    assert found("ModuleDoc", "defmodule B.Schema do\n  use Ecto.Schema\nend\n") == []


# --- definitions --------------------------------------------------------------------------------------


def test_parentheses_on_zero_arity_defs() -> None:
    code = "defmodule A do\n  def run(), do: 1\n  defp cwd!() do\n    2\n  end\n  def ok, do: 3\nend\n"
    assert found("ParenthesesOnZeroArityDefs", code) == [(2, "run"), (3, "cwd!")]
    assert found("ParenthesesOnZeroArityDefs", "def run, do: 1\ndef f(a), do: a\n") == []
    assert found("ParenthesesOnZeroArityDefs", "def run, do: 1\ndef go(), do: 2\n", parens=True) == [(1, "run")]


def test_prefer_implicit_try() -> None:
    code = "def f(x) do\n  try do\n    g(x)\n  rescue\n    _ -> :error\n  end\nend\n"
    (issue,) = run("PreferImplicitTry", code)
    assert (issue.line_no, issue.trigger, issue.column) == (2, "try", 3)
    other = "def f(x) do\n  y = 1\n  try do\n    g(x)\n  rescue\n    _ -> y\n  end\nend\n"
    assert run("PreferImplicitTry", other) == []
    assert run("PreferImplicitTry", "def f(x) do\n  g(x)\nrescue\n  _ -> :error\nend\n") == []


def test_specs_opt_in() -> None:
    cls = CHECKS["Credo.Check.Readability.Specs"]
    assert cls.enabled_by_default is False
    code = "defmodule A do\n  @spec f(integer) :: integer\n  def f(a), do: a\n  def g(a), do: a\n  defp h, do: 1\nend\n"
    assert found("Specs", code) == [(4, "g")]
    assert found("Specs", code, include_defp=True) == [(4, "g"), (5, "h")]
    assert found("Specs", "defmodule A do\n  @impl true\n  def init(a), do: a\nend\n") == []


# --- aliases ----------------------------------------------------------------------------------------------


def test_alias_order() -> None:
    code = "defmodule A do\n  alias App.Zeta\n  alias App.Alpha\n\n  alias App.Beta\nend\n"
    (issue,) = run("AliasOrder", code)
    assert (issue.line_no, issue.trigger, issue.column) == (2, "App.Zeta", 9)
    assert run("AliasOrder", "alias App.Alpha\nalias App.Zeta\n\nalias App.Beta\n") == []
    (issue,) = run("AliasOrder", "alias App.{Zeta, Alpha}\n")
    assert (issue.line_no, issue.trigger) == (1, "Zeta")


def test_alias_order_sort_method() -> None:
    code = "alias App.Bar\nalias App.BAZ\n"
    assert run("AliasOrder", code) == []
    assert found("AliasOrder", code, sort_method="ascii") == [(1, "App.Bar")]


def test_unnecessary_alias_expansion() -> None:
    assert found("UnnecessaryAliasExpansion", "alias App.{Foo}\n") == [(1, "Foo")]
    assert found("UnnecessaryAliasExpansion", "alias App.{Foo, Bar}\nalias App.Foo\n") == []


# --- expressions ---------------------------------------------------------------------------------------


def test_large_numbers() -> None:
    (issue,) = run("LargeNumbers", "x = 1000000\n")
    assert (issue.trigger, issue.column, issue.column_end) == ("1000000", 5, 12)
    assert "1_000_000" in issue.message
    assert found("LargeNumbers", "y = 12_345.6789\n") == []
    assert found("LargeNumbers", "y = 123456.5\n") == [(1, "123456.5")]
    # hex literals, small numbers, numbers inside interpolation are not reported
    assert found("LargeNumbers", 'a = 0xFFFFFF\nb = 9999\nc = "#{100000}"\n') == []


def test_large_numbers_params() -> None:
    assert found("LargeNumbers", "x = 123456\n", only_greater_than=999999) == []
    assert found("LargeNumbers", "x = 1_234_56\n", trailing_digits=2) == []
    assert found("LargeNumbers", "x = 1_234_56\n") == [(1, "1_234_56")]


def test_parentheses_in_condition() -> None:
    assert found("ParenthesesInCondition", "if (a > 1) do\n  :ok\nend\n") == [(1, "if")]
    assert found("ParenthesesInCondition", "unless (a), do: :ok\n") == [(1, "unless")]
    negative = "if (a + 1) > 2 do\n  :ok\nend\nif(a, do: 1)\ndefmacro if(condition, clauses), do: 1\n"
    assert found("ParenthesesInCondition", negative) == []


def test_pipe_into_anonymous_functions() -> None:
    code = "x\n|> (fn y -> y * 2 end).()\n"
    (issue,) = run("PipeIntoAnonymousFunctions", code)
    assert (issue.line_no, issue.trigger, issue.column) == (2, "|>", 1)
    assert run("PipeIntoAnonymousFunctions", "x |> then(fn y -> y * 2 end)\n") == []


def test_string_sigils() -> None:
    code = 'IO.puts("a \\"b\\" \\"c\\" \\"d\\" \\"e\\"")\n'
    assert found("StringSigils", code) == [(1, 'a "b" "c" "d" "e"')]
    assert found("StringSigils", 'IO.puts("a \\"b\\" c")\nIO.puts(~s(a "b" "c" "d" "e"))\n') == []
    assert found("StringSigils", code, maximum_allowed_quotes=10) == []



def test_string_sigils_counts_quotes_around_interpolations_where_credo_does() -> None:
    # Credo blanks interpolations before parsing: every escaped quote of the string counts...
    code = 'IO.puts(" was \\"#{a}\\" but \\"#{b}\\" ")\n'
    assert [line for line, _ in found("StringSigils", code)] == [1]
    # ...and an interpolated string is checked only where a plain one is (not as `=`'s right side),
    # nor a string inside an interpolation
    assert found("StringSigils", 'x = "a \\"b\\" #{y} \\"c\\" \\"d\\""\n') == []
    assert found("StringSigils", 'IO.puts("#{f("a \\"b\\" \\"c\\" \\"d\\" \\"e\\"")}")\n') == []


def test_with_single_clause() -> None:
    code = "with {:ok, a} <- f() do\n  a\nelse\n  _ -> :error\nend\n"
    assert found("WithSingleClause", code) == [(1, "with")]
    two = "with {:ok, a} <- f(),\n     {:ok, b} <- g(a) do\n  b\nelse\n  _ -> :error\nend\n"
    assert found("WithSingleClause", two) == []
    assert found("WithSingleClause", "with {:ok, a} <- f() do\n  a\nend\n") == []


# --- text ------------------------------------------------------------------------------------------------


def test_max_line_length() -> None:
    long = "x = " + "a + " * 25 + "1\n"
    (issue,) = run("MaxLineLength", long, max_length=80)
    assert (issue.line_no, issue.column, issue.trigger) == (1, 81, long.rstrip("\n")[80:])
    assert run("MaxLineLength", long) == []
    # strings, definitions and lines with URL-like text do not count by default
    assert run("MaxLineLength", 'x = "' + "a" * 200 + '"\n') == []
    assert run("MaxLineLength", "def f(" + ", ".join(f"a{i}" for i in range(40)) + "), do: 1\n") == []
    assert run("MaxLineLength", "x = Enum.map(" + "a + " * 40 + "1)\n") == []
    assert len(run("MaxLineLength", 'x = "' + "a" * 200 + '"\n', ignore_strings=False)) == 1


def test_redundant_blank_lines() -> None:
    assert found("RedundantBlankLines", "a = 1\n\n\nb = 2\n") == [(3, None)]
    assert run("RedundantBlankLines", "a = 1\n\nb = 2\n") == []
    assert run("RedundantBlankLines", 'a = """\nx\n\n\ny\n"""\n') == []
    assert run("RedundantBlankLines", "a = 1\n\n\nb = 2\n", max_blank_lines=2) == []


def test_semicolons() -> None:
    (issue,) = run("Semicolons", "a = 1; b = 2\n")
    assert (issue.line_no, issue.column, issue.trigger) == (1, 6, ";")
    assert run("Semicolons", 'a = "x; y"\n# c; d\nb = ?;\n') == []


def test_space_after_commas() -> None:
    (issue,) = run("SpaceAfterCommas", "f(a,b)\n")
    assert (issue.line_no, issue.column, issue.trigger) == (1, 4, ",")
    assert found("SpaceAfterCommas", "[1,2]\n") == [(1, ",2")]
    assert run("SpaceAfterCommas", 'f(a, b)\nx = "a,b"\n# a,b\n') == []


def test_trailing_blank_line() -> None:
    assert found("TrailingBlankLine", "a = 1\nb = 2") == [(2, None)]
    assert run("TrailingBlankLine", "a = 1\n") == []


def test_trailing_white_space() -> None:
    (issue,) = run("TrailingWhiteSpace", "a = 1  \nb = 2\n")
    assert (issue.line_no, issue.column, issue.trigger) == (1, 6, "  ")
    heredoc = 'a = """\n  text  \n"""\n'
    assert run("TrailingWhiteSpace", heredoc) == []
    assert len(run("TrailingWhiteSpace", heredoc, ignore_strings=False)) == 1


@pytest.mark.parametrize("name", sorted(n for n in CHECKS if ".Readability." in n))
def test_every_readability_check_has_summary_and_docstring(name: str) -> None:
    cls = CHECKS[name]
    # Credo files WithCustomTaggedTuple under Readability but gives it the warning category
    expected = "warning" if name.endswith(".WithCustomTaggedTuple") else "readability"
    assert cls.summary and cls.__doc__ and cls.category == expected
