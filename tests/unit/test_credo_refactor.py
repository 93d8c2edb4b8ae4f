"""Credo Refactor checks: what triggers each one (line, trigger), what does not, and their params."""

from __future__ import annotations

import pytest

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, code: str, **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Refactor.{short}"]()
    src = SourceFile("lib/sample.ex", code)
    ctx = CheckContext(src, check, check.params_with(params))
    return list(check.run(ctx))


def lines(issues: list[Issue]) -> list[int | None]:
    return [i.line_no for i in issues]


def test_metadata_and_opt_ins() -> None:
    for short in ("DoubleBooleanNegation", "NegatedIsNil", "IoPuts"):
        assert CHECKS[f"Credo.Check.Refactor.{short}"].enabled_by_default is False
    assert CHECKS["Credo.Check.Refactor.Nesting"].default_params == {"max_nesting": 2}
    assert CHECKS["Credo.Check.Refactor.CyclomaticComplexity"].default_params == {"max_complexity": 9}
    for cls in CHECKS.values():
        if cls.category == "refactor":
            assert cls.summary and cls.__doc__


# --- Nesting ---------------------------------------------------------------------------------

NESTED = """defmodule M do
  def f(a, b) do
    if a do
      if b do
        case a do
          0 -> nil
          1 -> :x
        end
      end
    end
  end
end
"""


def test_nesting_reports_innermost_construct_line() -> None:
    issues = run("Nesting", NESTED)
    assert len(issues) == 1
    assert issues[0].check == "Credo.Check.Refactor.Nesting"
    assert issues[0].line_no == 5 and issues[0].trigger == "case"
    assert "was 3" in issues[0].message


def test_nesting_param_and_flat_code() -> None:
    assert run("Nesting", NESTED, max_nesting=3) == []
    flat = "defmodule M do\n  def f(a) do\n    if a do\n      :x\n    end\n    if a, do: :y\n  end\nend\n"
    assert run("Nesting", flat) == []


def test_nesting_follows_else_but_not_list_literals_or_pairs() -> None:
    in_else = """defmodule M do
  defp foo() do
    if true do
      "flat"
    else
      if true do
        unless false do
          :deep
        end
      end
    end
  end
end
"""
    assert lines(run("Nesting", in_else)) == [7]
    # Credo's walk does not look into list literals and two-element tuples
    opaque = """defmodule M do
  def f(a) do
    if a do
      [fn -> if a, do: 1 end]
      {:ok, fn -> if a, do: 1 end}
    end
  end
end
"""
    assert run("Nesting", opaque) == []


def test_nesting_try_with_after_is_not_followed() -> None:
    code = """defmodule M do
  def f(a) do
    if a do
      try do
        if a do
          case a do
            _ -> 1
          end
        end
      after
        :ok
      end
    end
  end
end
"""
    assert run("Nesting", code) == []


def test_nesting_fn_counts_and_one_issue_per_function() -> None:
    code = """defmodule M do
  def f(list) do
    Enum.map(list, fn x ->
      Enum.map(x, fn y ->
        if y, do: 1
      end)
    end)
    Enum.each(list, fn x ->
      Enum.each(x, fn y ->
        cond do
          y -> 2
          true -> 3
        end
      end)
    end)
  end
end
"""
    issues = run("Nesting", code)
    assert len(issues) == 1
    assert issues[0].line_no == 10 and issues[0].trigger == "cond"


# --- CyclomaticComplexity --------------------------------------------------------------------

COMPLEX = """defmodule M do
  def f(a, b) do
    if a && b do
      :x
    end
    case a do
      1 -> :one
      2 -> :two
      3 -> :three
    end
    cond do
      a and b -> 1
      a or b -> 2
      true -> 3
    end
  end
end
"""


def test_cyclomatic_complexity_counts_like_credo() -> None:
    issues = run("CyclomaticComplexity", COMPLEX)
    assert len(issues) == 1
    assert issues[0].line_no == 2 and issues[0].trigger == "f"
    # def 1 + if 1 + && 1 + case 3 clauses + cond 3 clauses + and 1 + or 1
    assert "is 11" in issues[0].message


def test_cyclomatic_complexity_param_and_using() -> None:
    assert run("CyclomaticComplexity", COMPLEX, max_complexity=11) == []
    using = COMPLEX.replace("def f(a, b) do", "defmacro __using__(a) do")
    assert run("CyclomaticComplexity", using) == []


# --- FunctionArity ---------------------------------------------------------------------------

ARITY = "defmodule M do\n  defp f(a, b, c, d, e, f, g, h, i), do: a\n  def g(a, b), do: a\nend\n"


def test_function_arity() -> None:
    issues = run("FunctionArity", ARITY)
    assert lines(issues) == [2] and issues[0].trigger == "f"
    assert run("FunctionArity", ARITY, ignore_defp=True) == []
    assert run("FunctionArity", ARITY, max_arity=9) == []
    assert lines(run("FunctionArity", ARITY, max_arity=1)) == [2, 3]
    multi = "defmodule M do\n  def f(\n    a, b, c,\n    d, e, f,\n    g, h, i\n  ) do\n    a\n  end\nend\n"
    assert lines(run("FunctionArity", multi)) == [2]


# --- CondStatements --------------------------------------------------------------------------


def test_cond_statements() -> None:
    code = "defmodule M do\n  def f(a) do\n    cond do\n      a > 1 -> :big\n      true -> :small\n    end\n  end\nend\n"
    issues = run("CondStatements", code)
    assert lines(issues) == [3] and issues[0].trigger == "cond"
    three = code.replace("      true -> :small\n", "      a > 0 -> :pos\n      true -> :small\n")
    assert run("CondStatements", three) == []
    no_catch_all = code.replace("true ->", ":else ->")
    assert run("CondStatements", no_catch_all) == []


# --- WithClauses / RedundantWithClauseResult -------------------------------------------------


def test_with_clauses() -> None:
    code = """defmodule M do
  def f(a) do
    with ref = make_ref(),
         {:ok, x} <- a.(ref),
         IO.puts(x) do
      x
    end
  end
end
"""
    issues = run("WithClauses", code)
    assert lines(issues) == [3, 3] and {i.trigger for i in issues} == {"with"}
    good = "defmodule M do\n  def f(a) do\n    with {:ok, x} <- a.(1), {:ok, y} <- a.(x) do\n      y\n    end\n  end\nend\n"
    assert run("WithClauses", good) == []


def test_redundant_with_clause_result() -> None:
    code = """defmodule M do
  def f(a) do
    with {:ok, x} <- a.(1),
         {:ok, y} <- a.(x) do
      {:ok, y}
    end
  end
end
"""
    issues = run("RedundantWithClauseResult", code)
    assert lines(issues) == [3] and issues[0].trigger == "with"
    with_else = code.replace("      {:ok, y}\n    end", "      {:ok, y}\n    else\n      e -> e\n    end")
    assert run("RedundantWithClauseResult", with_else) == []
    different = code.replace("      {:ok, y}\n", "      y\n")
    assert run("RedundantWithClauseResult", different) == []


# --- Apply -----------------------------------------------------------------------------------


def test_apply() -> None:
    code = "defmodule M do\n  def f(fun, m) do\n    apply(fun, [1, 2])\n    apply(m, :run, [1])\n  end\nend\n"
    issues = run("Apply", code)
    assert lines(issues) == [3, 4] and {i.trigger for i in issues} == {"apply"}
    unknown = ("defmodule M do\n  def f(fun, args, m, name) do\n    apply(fun, args)\n"
               "    apply(m, name, [1])\n    apply(fun, [1 | args])\n    apply(__MODULE__, :run, [1])\n  end\nend\n")
    assert run("Apply", unknown) == []


# --- unless / if shapes ----------------------------------------------------------------------


def test_unless_with_else_points_at_unless() -> None:
    code = "defmodule M do\n  def f(x) do\n    unless x do\n      :a\n    else\n      :b\n    end\n  end\nend\n"
    issues = run("UnlessWithElse", code)
    assert lines(issues) == [3] and issues[0].trigger == "unless" and issues[0].column == 5
    assert run("UnlessWithElse", "defmodule M do\n  def f(x), do: unless(x, do: :a)\nend\n") == []


def test_negated_conditions_in_unless() -> None:
    code = "defmodule M do\n  def f(x) do\n    unless !x do\n      :a\n    end\n  end\nend\n"
    issues = run("NegatedConditionsInUnless", code)
    assert lines(issues) == [3] and issues[0].trigger == "!"
    assert lines(run("NegatedConditionsInUnless", code.replace("!x", "not x"))) == [3]
    assert run("NegatedConditionsInUnless", code.replace("!x", "x")) == []


def test_negated_conditions_with_else_points_at_if() -> None:
    code = "defmodule M do\n  def f(x) do\n    if !x do\n      :a\n    else\n      :b\n    end\n  end\nend\n"
    issues = run("NegatedConditionsWithElse", code)
    assert lines(issues) == [3] and issues[0].trigger == "if" and issues[0].column == 5
    assert lines(run("NegatedConditionsWithElse", code.replace("!x", "x not in [1]"))) == [3]
    assert run("NegatedConditionsWithElse", code.replace("!x", "!!x")) == []
    no_else = "defmodule M do\n  def f(x) do\n    if !x do\n      :a\n    end\n  end\nend\n"
    assert run("NegatedConditionsWithElse", no_else) == []


# --- MatchInCondition ------------------------------------------------------------------------


def test_match_in_condition() -> None:
    code = "defmodule M do\n  def f(a) do\n    if {:ok, x} = File.read(a) do\n      x\n    end\n  end\nend\n"
    issues = run("MatchInCondition", code)
    assert lines(issues) == [3] and issues[0].trigger == "="
    assert run("MatchInCondition", code, allow_tagged_tuples=True) == []
    plain = code.replace("{:ok, x} = File.read(a)", "x = File.read(a)")
    assert run("MatchInCondition", plain) == []
    with_op = code.replace("{:ok, x} = File.read(a)", 'x = File.read(a <> ".txt")')
    assert lines(run("MatchInCondition", with_op)) == [3]
    assert run("MatchInCondition", with_op, allow_operators=True) == []
    nested = code.replace("{:ok, x} = File.read(a)", "a && (x = File.read(a))")
    assert lines(run("MatchInCondition", nested)) == [3]


# --- pairs of collection passes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("short", "first", "second", "trigger"),
    [
        ("FilterCount", "Enum.filter(&(&1))", "Enum.count()", "count"),
        ("FilterFilter", "Enum.filter(&(&1))", "Enum.filter(& &1)", "|>"),
        ("RejectReject", "Enum.reject(&(&1))", "Enum.reject(& &1)", "|>"),
        ("MapJoin", "Enum.map(&to_string/1)", 'Enum.join(",")', "|>"),
    ],
)
def test_pipe_pairs(short: str, first: str, second: str, trigger: str) -> None:
    code = f"defmodule M do\n  def f(l) do\n    l\n    |> {first}\n    |> {second}\n  end\nend\n"
    issues = run(short, code)
    assert len(issues) == 1 and issues[0].trigger == trigger
    assert issues[0].line_no == 5
    alone = f"defmodule M do\n  def f(l) do\n    l\n    |> {first}\n    |> Enum.sort()\n  end\nend\n"
    assert run(short, alone) == []


def test_nested_pairs() -> None:
    assert lines(run("MapJoin", 'defmodule M do\n  def f(l), do: Enum.join(Enum.map(l, &to_string/1), ",")\nend\n')) == [2]
    assert lines(run("FilterCount", "defmodule M do\n  def f(l), do: Enum.count(Enum.filter(l, & &1))\nend\n")) == [2]
    assert lines(run("FilterFilter", "defmodule M do\n  def f(m), do: Map.filter(Map.filter(m, & &1), & &1)\nend\n")) == [2]
    assert run("FilterCount", "defmodule M do\n  def f(l), do: Enum.count(Enum.map(l, & &1))\nend\n") == []


# --- LongQuoteBlocks -------------------------------------------------------------------------


def test_long_quote_blocks() -> None:
    body = "".join(f"      x{i} = {i}\n" for i in range(12))
    code = f"defmodule M do\n  defmacro m do\n    quote do\n{body}      # a comment\n      done()\n    end\n  end\nend\n"
    issues = run("LongQuoteBlocks", code, max_line_count=10)
    literal_last = code.replace("done()", ":done")  # literals carry no line either
    assert run("LongQuoteBlocks", literal_last, max_line_count=12) == []
    assert lines(issues) == [3] and issues[0].trigger == "quote"
    assert run("LongQuoteBlocks", code) == []
    # the quote spans lines 3..17 (`end` carries no line): 14 lines, 13 without the comment
    assert run("LongQuoteBlocks", code, max_line_count=13, ignore_comments=True) == []
    assert lines(run("LongQuoteBlocks", code, max_line_count=13)) == [3]


# --- opt-in checks ---------------------------------------------------------------------------


def test_double_boolean_negation() -> None:
    issues = run("DoubleBooleanNegation", "defmodule M do\n  def f(x), do: !!x\n  def g(x), do: not not x\nend\n")
    assert [(i.line_no, i.trigger) for i in issues] == [(2, "!!"), (3, "not not")]
    assert run("DoubleBooleanNegation", "defmodule M do\n  def f(x), do: !x\nend\n") == []


def test_negated_is_nil() -> None:
    code = "defmodule M do\n  def f(x) when not is_nil(x), do: x\n  def g(x) when !is_nil(x) and x > 1, do: x\nend\n"
    issues = run("NegatedIsNil", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(2, "not"), (3, "!")]
    assert run("NegatedIsNil", "defmodule M do\n  def f(x) when is_nil(x), do: x\nend\n") == []


def test_io_puts() -> None:
    issues = run("IoPuts", 'defmodule M do\n  def f, do: IO.puts("hi")\nend\n')
    assert lines(issues) == [2] and issues[0].trigger == "IO.puts"
    assert run("IoPuts", 'defmodule M do\n  def f, do: IO.write("hi")\nend\n') == []
