"""Credo's opt-in Refactor checks, with Credo's own test cases as labelled examples."""

from __future__ import annotations

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, code: str, filename: str = "lib/sample.ex", **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Refactor.{short}"]()
    ctx = CheckContext(SourceFile(filename, code), check, check.params_with(params))
    return list(check.run(ctx))


def lines(issues: list[Issue]) -> list[int | None]:
    return sorted(i.line_no or 0 for i in issues)


# --- PipeChainStart ------------------------------------------------------------------------

PIPE_OK = '''defmodule CredoSampleModule do
  def some_function(parameter1, parameter2) do
    "Fahrenheit 451" |> String.to_charlist |> IO.inspect
    do_something() |> then_something_else() |> and_last_step()
    something
    |> String.downcase
    :something
    |> is_atom
    -1
    |> Kernel.+(1)
    FooBar
    |> to_string
    map[:something]
    |> is_atom
    1..100
    |> IO.inspect
    map.key
    |> Enum.join
    %Bar{}
    |> something()
    %{foo: :bar}
    |> something()
    {:ok, foobar, 42}
    |> Module.something()
    ~r/\\d+\\s\\z/
    |> Regex.run(string)
    ~w(foo bar baz)a
    |> Enum.map(&to_string/1)
    @something
    |> Enum.join
    "A #{baked_good}" |> String.upcase |> IO.inspect
    << thing::utf8 >> |> String.upcase |> IO.inspect
    quote do
      unquote(foo)
      |> bar
    end
    block =
      (options[:do] || contents[:do])
      |> prewalk_block(name)
    for i <- 1..4 do
      i
    end
    |> Enum.map(fn(i) -> i + 2 end)
    fn a -> x end
    |> IO.inspect
    (&Math.square/1)
    |> IO.inspect
    document_pred(query)
    ++ wheres_preds(query)
    |> Enum.map(&wrap/1)
    "hello"
    <> "world"
    |> String.capitalize
  end
end
'''


def test_pipe_chain_start_accepts_raw_values() -> None:
    assert run("PipeChainStart", PIPE_OK) == []


def test_pipe_chain_start_reports_call_starts_at_the_first_pipe() -> None:
    code = 'String.trim("nope") |> String.upcase\nString.trim("nope")\n|> String.downcase\n|> String.trim\n'
    issues = run("PipeChainStart", code)
    assert lines(issues) == [1, 3]
    assert issues[0].message == "Pipe chain should start with a raw value."
    assert issues[0].trigger == "TODO" and issues[0].check == "Credo.Check.Refactor.PipeChainStart"
    code = "fun.([a, b, c]) |> IO.inspect\nfun.([a, b, c]) |> Enum.join |> IO.inspect\nfun([a, b, c])\n|> something1\n"
    assert lines(run("PipeChainStart", code)) == [1, 2, 4]


def test_pipe_chain_start_params() -> None:
    excluded = ["String.trim", "table", "put_in", ":crypto.hash", "Stream.repeatedly"]
    assert run("PipeChainStart", 'String.trim("users") |> String.upcase\n', excluded_functions=excluded) == []
    assert run("PipeChainStart", 'table("users")\n|> insert(%{name: "Bob"})\n', excluded_functions=excluded) == []
    assert run("PipeChainStart", ':crypto.hash(:md5, "test") |> Base.encode16()\n', excluded_functions=excluded) == []
    code = 'Enum.take(["a"], 5) |> Enum.shuffle\nString.trim("a") |> String.upcase\nfoo(:a) |> bar\n'
    assert lines(run("PipeChainStart", code, excluded_argument_types=["list"])) == [2, 3]
    assert lines(run("PipeChainStart", code, excluded_argument_types=["atom", "binary"])) == [1]


# --- Enum pairs, UtcNowTruncate, AppendSingleItem ---------------------------------------------

ENUM_PAIRS = '''defmodule T do
  def f(list) do
    list |> Enum.filter(&a?/1) |> Enum.reject(&b?/1)
    Enum.reject(Enum.filter(list, &a?/1), &b?/1)
    Enum.filter(list, &a?/1) |> Enum.reject(&b?/1)
    Enum.reject(list |> Enum.filter(&a?/1), &b?/1)
    list |> Enum.reject(&a?/1) |> Enum.filter(&b?/1)
    list |> Enum.map(&a/1) |> Enum.map(&b/1)
    list |> Enum.filter(&a?/1) |> Enum.map(&b/1)
  end
end
'''


def test_enum_pairs() -> None:
    issues = run("FilterReject", ENUM_PAIRS)
    assert lines(issues) == [3, 4, 5, 6]
    assert issues[0].message == "One `Enum.filter/2` is more efficient than `Enum.filter/2 |> Enum.reject/2`"
    assert issues[0].trigger == "|>"
    assert lines(run("RejectFilter", ENUM_PAIRS)) == [7]
    assert lines(run("MapMap", ENUM_PAIRS)) == [8]


def test_utc_now_truncate() -> None:
    code = '''defmodule T do
  def f do
    DateTime.utc_now() |> DateTime.truncate(:second)
    NaiveDateTime.truncate(NaiveDateTime.utc_now(), :second)
    DateTime.utc_now(:second)
    DateTime.truncate(other(), :second)
  end
end
'''
    issues = run("UtcNowTruncate", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(3, "DateTime.truncate"), (4, "NaiveDateTime.truncate")]
    assert issues[0].message == "Pass time unit to `DateTime.utc_now` instead of composing with `DateTime.truncate/2`."


def test_append_single_item() -> None:
    code = "defmodule T do\n  def f(l, x) do\n    l ++ [x]\n    [x] ++ l\n    l ++ [x, x]\n  end\nend\n"
    issues = run("AppendSingleItem", code)
    assert lines(issues) == [3] and issues[0].trigger == "++" and issues[0].column == 7


def test_cond_instead_of_if_else() -> None:
    code = "defmodule T do\n  def f(a) do\n    if a do\n      1\n    else\n      2\n    end\n    if a, do: 1, else: 2\n    if a, do: 1\n  end\nend\n"
    issues = run("CondInsteadOfIfElse", code)
    assert lines(issues) == [3, 8] and issues[0].message == "Consider using `cond` instead of `if/else`."
    assert lines(run("CondInsteadOfIfElse", code, allow_one_liners=True)) == [3]


def test_pass_async_in_test_cases() -> None:
    code = "defmodule MyTest do\n  use ExUnit.Case\n  use MyApp.DataCase, async: true\n  use MyApp.ConnCase, foo: 1\n  use GenServer\nend\n"
    issues = run("PassAsyncInTestCases", code, filename="test/my_test.exs")
    assert lines(issues) == [2, 4] and issues[0].trigger == "use"
    assert run("PassAsyncInTestCases", code, filename="lib/my.ex") == []


def test_abc_size() -> None:
    body = "\n".join(f"    x{n} = foo(a, b) + bar(x{n})" for n in range(12))
    code = f"defmodule T do\n  def big(a, b) do\n{body}\n  end\n\n  def small(a), do: a + 1\nend\n"
    issues = run("ABCSize", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(2, "big")]
    assert issues[0].message.startswith("Function is too complex (ABC size is ")
    assert issues[0].message.endswith(", max is 30).")
    assert run("ABCSize", code, max_size=100) == []
    assert run("ABCSize", code, excluded_functions=["foo", "bar"]) == []


def test_abc_size_matches_credo_doc_example() -> None:
    from elixir_coder.analysis.credo.refactor.abc_size import abc_size
    from elixir_coder.analysis.quoted import quoted
    from elixir_coder.analysis.source import SourceFile

    term = quoted(SourceFile("a.ex", "def first_fun do\n  x = 1\nend\n"))
    assert abc_size(term, []) == 1.0


def test_variable_rebinding() -> None:
    code = '''defmodule T do
  def f do
    time = DateTime.now
    time = later(time, 5)
    {:ok, time} = verify(time)
    _ignored = 1
    _ignored = 2
    params! = a(params!)
    params! = b(params!)
  end
end
'''
    issues = run("VariableRebinding", code)
    assert sorted((i.line_no, i.trigger) for i in issues) == [(5, "time"), (9, "params!")]
    assert issues[0].message in ('Variable "time" was declared more than once.',
                                 'Variable "params!" was declared more than once.')
    assert [(i.line_no, i.trigger) for i in run("VariableRebinding", code, allow_bang=True)] == [(5, "time")]
    pinned = "defmodule T do\n  def f(a) do\n    a = 1\n    ^a = 2\n  end\nend\n"
    assert run("VariableRebinding", pinned) == []


def test_module_dependencies() -> None:
    deps = "\n".join(f"    Dep{n}.call()" for n in range(11))
    code = f"defmodule MyApp.Big do\n  alias MyApp.Dep0\n  def f do\n{deps}\n  end\nend\n"
    issues = run("ModuleDependencies", code)
    assert lines(issues) == [1] and issues[0].message == "Module has too many dependencies: 11 (max is 10)"
    assert run("ModuleDependencies", code, max_deps=11) == []
    assert run("ModuleDependencies", code, filename="test/big_test.exs") == []
    assert run("ModuleDependencies", code, dependency_namespaces=["MyApp"]) == []
