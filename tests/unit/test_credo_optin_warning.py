"""Credo's opt-in Warning checks, with Credo's own test cases as labelled examples."""

from __future__ import annotations

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile
from elixir_coder.analysis.terms import Regex

CHECKS = load_checks()


def run(short: str, code: str, filename: str = "lib/sample.ex", **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Warning.{short}"]()
    ctx = CheckContext(SourceFile(filename, code), check, check.params_with(params))
    return list(check.run(ctx))


def test_lazy_logging() -> None:
    code = '''defmodule CredoSampleModule do

  def some_function(parameter1, parameter2) do
    var_1 = "Hello world"
    Logger.debug "The module: #{var1}"
    Logger.debug fn -> "lazy #{var1}" end
    Logger.debug "Hallo"
    Logger.info "The module: #{var1}"
  end
end
'''
    issues = run("LazyLogging", code)
    assert [(i.line_no, i.column, i.trigger) for i in issues] == [(5, 5, "Logger.debug")]
    assert issues[0].message == "Prefer lazy Logger calls."
    assert run("LazyLogging", code, ignore=["debug", "info"]) == []
    assert len(run("LazyLogging", code, ignore=[])) == 2
    imported = 'defmodule M do\n  import Logger\n\n  def f(x) do\n    debug "Ok #{inspect 1}"\n  end\nend\n'
    assert [(i.line_no, i.trigger) for i in run("LazyLogging", imported)] == [(5, "debug")]
    own = 'defmodule M do\n  def debug(w), do: w\n  def f, do: debug "x #{1}"\nend\n'
    assert run("LazyLogging", own) == []


def test_leaky_environment() -> None:
    code = '''defmodule M do
  def f do
    System.cmd("env", [])
    System.cmd("env", [], env: %{"DB_PASSWORD" => nil})
    System.cmd("env", [], cd: "/tmp")
    :erlang.open_port({:spawn_executable, "/bin/env"}, [:binary])
    :erlang.open_port({:spawn_executable, "/bin/env"}, [env: []])
  end
end
'''
    issues = run("LeakyEnvironment", code)
    assert [(i.line_no, i.column, i.trigger) for i in issues] == [
        (3, 5, "System.cmd"), (5, 5, "System.cmd"), (6, 5, ":erlang.open_port")]
    assert issues[0].message == "When using System.cmd, clear or overwrite sensitive environment variables."


def test_mix_env() -> None:
    code = "defmodule M do\n  @env Mix.env()\n  def f do\n    Mix.env(); Mix.env()\n    &Mix.env/0\n  end\nend\n"
    issues = run("MixEnv", code)
    assert [(i.line_no, i.column) for i in issues] == [(4, 5), (4, 16), (5, 6)]
    assert issues[0].trigger == "Mix.env"
    assert issues[0].message == "There should be no calls to `Mix.env` in application code."
    assert run("MixEnv", code, filename="foo.exs") == []
    assert run("MixEnv", code, filename="foo/dangerous_stuff/bar.ex", excluded_paths=["foo/dangerous_stuff"]) == []
    assert run("MixEnv", code, filename="foo/dangerous_stuff/bar.ex", excluded_paths=[Regex("danger")]) == []
