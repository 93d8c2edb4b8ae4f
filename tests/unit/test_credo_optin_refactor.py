"""Credo's opt-in Refactor checks, with Credo's own test cases as labelled examples."""

from __future__ import annotations

from elixir_coder.server.analysis.checks import CheckContext, load_checks
from elixir_coder.server.analysis.issues import Issue
from elixir_coder.server.analysis.source import SourceFile

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
