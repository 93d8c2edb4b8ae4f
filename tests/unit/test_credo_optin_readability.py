"""Credo's opt-in Readability checks, with Credo's own test cases as labelled examples."""

from __future__ import annotations

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, code: str, filename: str = "lib/sample.ex", **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Readability.{short}"]()
    ctx = CheckContext(SourceFile(filename, code), check, check.params_with(params))
    return list(check.run(ctx))


def lines(issues: list[Issue]) -> list[int | None]:
    return sorted(i.line_no or 0 for i in issues)


def test_alias_as() -> None:
    code = "defmodule Test do\n  alias App.Module1\n  alias App.Module2, as: M2\n  alias __MODULE__, as: Me\nend\n"
    issues = run("AliasAs", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(3, "App.Module2"), (4, ":__MODULE__")]
    assert issues[0].message == "Avoid using the :as option with alias."
    assert lines(run("AliasAs", code, ignore=["App.Module2"])) == [4]
    assert run("AliasAs", "defmodule Test do\n  alias App.{One, Two}\nend\n") == []


def test_block_pipe() -> None:
    code = "defmodule T do\n  def f(l) do\n    l\n    |> Enum.take(5)\n    |> case do\n      [] -> :empty\n      _ -> :more\n    end\n  end\nend\n"
    issues = run("BlockPipe", code)
    assert lines(issues) == [5] and issues[0].trigger == "|>"
    assert issues[0].message == "Use a variable or create a new function instead of piping to a block"
    assert run("BlockPipe", code, exclude=["case"]) == []
    assert run("BlockPipe", "defmodule T do\n  def f(l), do: l |> Enum.take(5) |> Enum.sort()\nend\n") == []


def test_impl_true() -> None:
    code = 'defmodule T do\n  @moduledoc """\n  @impl true\n  """\n  @impl true\n  def init(a), do: a\n  @impl GenServer\n  def x, do: 1\nend\n'
    issues = run("ImplTrue", code)
    assert lines(issues) == [5] and issues[0].trigger == "@impl true" and issues[0].column == 3
    assert issues[0].message == "@impl true should be @impl MyBehaviour"


def test_multi_alias() -> None:
    code = "defmodule T do\n  alias App.Foo\n  alias App.{Bar.Baz, Quux}\n  alias __MODULE__.{One, Two}\nend\n"
    issues = run("MultiAlias", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(3, "Bar.Baz"), (4, "One")]
    assert run("MultiAlias", "defmodule T do\n  alias App.Foo\n  alias App.Bar\nend\n") == []


def test_one_arity_function_in_pipe() -> None:
    code = "defmodule T do\n  def f(x) do\n    x\n    |> String.trim\n    |> trim\n    |> trim()\n  end\nend\n"
    issues = run("OneArityFunctionInPipe", code)
    assert lines(issues) == [5] and issues[0].message == "One arity functions should have parentheses in pipes"


def test_one_pipe_per_line() -> None:
    code = "defmodule T do\n  def f do\n    1 |> Integer.to_string() |> String.to_integer() |> abs()\n    1\n    |> Integer.to_string()\n    |> String.to_integer()\n  end\nend\n"
    issues = run("OnePipePerLine", code)
    assert lines(issues) == [3] and issues[0].trigger == "|>"


def test_separate_alias_require() -> None:
    code = "defmodule Foo do\n  alias Foo.Bar\n  require Logger\n  alias Foo.Baz\n  require Integer\nend\n"
    issues = run("SeparateAliasRequire", code)
    # Credo does not remember the reported alias, so `require Integer` still follows a require
    assert [(i.line_no, i.message) for i in issues] == [(4, "aliases should be consecutive within a file")]
    code = "defmodule Foo do\n  require A\n  alias B\n  import C\n  require D\nend\n"
    assert [(i.line_no, i.message) for i in run("SeparateAliasRequire", code)] == [
        (5, "requires should be consecutive within a file")]
    ok = "defmodule Foo do\n  require Integer\n  require Logger\n\n  alias Foo.Bar\n  alias Foo.Baz\nend\n"
    assert run("SeparateAliasRequire", ok) == []


def test_single_pipe_and_params() -> None:
    code = "defmodule T do\n  def f(list) do\n    list |> evaluate()\n    list |> Enum.take(5) |> Enum.shuffle()\n    foo() |> bar()\n    list |> case do\n      [] -> 1\n      _ -> 2\n    end\n  end\nend\n"
    issues = run("SinglePipe", code)
    assert lines(issues) == [3, 5]
    assert issues[0].message == "Use a function call when a pipeline is only one function long."
    assert lines(run("SinglePipe", code, allow_0_arity_functions=True)) == [3]
    assert lines(run("SinglePipe", code, allow_blocks=False)) == [3, 5, 6]


def test_single_function_to_block_pipe() -> None:
    code = "defmodule T do\n  def f(list) do\n    list\n    |> length()\n    |> case do\n      0 -> :none\n      _ -> :many\n    end\n    list |> Enum.take(3) |> Enum.sort() |> case do\n      _ -> 1\n    end\n  end\nend\n"
    issues = run("SingleFunctionToBlockPipe", code)
    assert lines(issues) == [5] and issues[0].message == "Avoid single pipes to a block"


def test_with_custom_tagged_tuple() -> None:
    code = "defmodule T do\n  def f(user) do\n    with {:resource, {:ok, r}} <- {:resource, Resource.fetch(user)},\n         {:authz, :ok} <- {:authz, Resource.authorize(r, user)} do\n      do_something(user)\n    end\n  end\nend\n"
    issues = run("WithCustomTaggedTuple", code)
    assert [(i.line_no, i.column, i.message) for i in issues] == [
        (3, 32, "Invalid usage of placeholder `:resource` in with"),
        (4, 24, "Invalid usage of placeholder `:authz` in with"),
    ]
    fine = "defmodule T do\n  def f(u) do\n    with {:ok, r} <- fetch(u), :ok <- auth(r), do: r\n  end\nend\n"
    assert run("WithCustomTaggedTuple", fine) == []


def test_nested_function_calls() -> None:
    code = '''defmodule T do
  def f(x) do
    String.upcase(String.trim(x))
    String.upcase(x)
    String.upcase("#{x} y")
    Enum.map(Enum.filter(List.flatten(x), &a/1), &b/1)
    x |> String.trim() |> String.upcase()
  end
end
'''
    issues = run("NestedFunctionCalls", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(3, "String.upcase"), (6, "Enum.map"), (6, "Enum.filter")]
    assert issues[0].message == "Use a pipeline when there are nested function calls"
    assert [i.trigger for i in run("NestedFunctionCalls", code, min_pipeline_length=3)] == ["Enum.map"]


def test_strict_module_layout() -> None:
    code = '''defmodule Test do
  alias Foo
  @moduledoc "Some doc"
  use Bar

  defmodule Inner do
    require Logger
    @moduledoc false
  end
end
'''
    issues = run("StrictModuleLayout", code)
    assert [(i.line_no, i.column, i.message, i.trigger) for i in issues] == [
        # after a misplaced part Credo compares with that part, so `use` (after moduledoc) is fine
        (3, 3, "moduledoc must appear before alias", "Test"),
        (8, 5, "moduledoc must appear before require", "Test.Inner"),
    ]
    assert run("StrictModuleLayout", code, ignore=["moduledoc"]) != []
    funs = "defmodule T do\n  def a, do: 1\n  @moduledoc false\n  defp b, do: 2\n  @doc false\n  def c, do: 3\nend\n"
    assert [i.message for i in run("StrictModuleLayout", funs)] == ["moduledoc must appear before public function"]
    assert run("StrictModuleLayout", funs, order=["public_fun", "moduledoc"]) == []
