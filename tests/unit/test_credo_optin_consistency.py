"""Credo's opt-in Consistency checks, with Credo's own test cases as labelled examples."""

from __future__ import annotations

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run_files(short: str, files: dict[str, str], **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Consistency.{short}"]()
    merged = check.params_with(params)
    contexts = [CheckContext(SourceFile(name, code), check, merged) for name, code in files.items()]
    return sorted(check.run_project(contexts), key=lambda i: (i.filename, i.line_no or 0))


MULTI = """defmodule Credo.Sample1 do
  alias Foo.{Bar, Baz}
  require Foo.{Quux, Corge}
end
"""
SINGLE = """defmodule Credo.Sample2 do
  alias Foo.Bar
  alias Foo.Baz
  import Foo.Bar
  alias Other.One
end
"""


def test_multi_alias_consistent_files_are_fine() -> None:
    assert run_files("MultiAliasImportRequireUse", {"a.ex": MULTI, "b.ex": MULTI.replace("Sample1", "S3")}) == []
    assert run_files("MultiAliasImportRequireUse", {"a.ex": SINGLE, "b.ex": SINGLE.replace("Sample2", "S4")}) == []


def test_multi_alias_reports_the_minority_style() -> None:
    issues = run_files("MultiAliasImportRequireUse", {"a.ex": MULTI, "b.ex": SINGLE, "c.ex": MULTI.replace("1", "5")})
    assert [(i.filename, i.line_no) for i in issues] == [("b.ex", 3)]
    assert issues[0].message.startswith("Most of the time you are using the multi-alias/require/import/use syntax")
    singles = {"b.ex": SINGLE, "c.ex": SINGLE.replace("2", "6"), "d.ex": SINGLE.replace("2", "7")}
    issues = run_files("MultiAliasImportRequireUse", {"a.ex": MULTI, **singles})
    assert [(i.filename, i.line_no) for i in issues] == [("a.ex", 2), ("a.ex", 3)]
    assert issues[0].message.startswith("Most of the time you are using the multiple single line")
    assert issues[0].priority >= 10


def test_multi_alias_single_aliases_of_different_namespaces_do_not_count() -> None:
    spread = "defmodule M do\n  alias Foo.Bar\n  alias Other.Baz\n  alias Foo.Qux, as: Q\nend\n"
    assert run_files("MultiAliasImportRequireUse", {"a.ex": MULTI, "b.ex": spread}) == []


def test_unused_variable_names_follow_the_majority() -> None:
    anonymous = "defmodule A do\n  def f(_, _), do: 1\n  def g({:ok, _}), do: fn _ -> 2 end\nend\n"
    meaningful = "defmodule B do\n  def f(_name, x) do\n    _rest = x\n  end\nend\n"
    issues = run_files("UnusedVariableNames", {"a.ex": anonymous, "b.ex": meaningful})
    # `_` three times (the tuple in g's head is not looked into) against `_name` and `_rest`
    assert [(i.filename, i.line_no, i.trigger) for i in issues] == [("b.ex", 2, "_name"), ("b.ex", 3, "_rest")]
    assert "to name them anonymously (ie. `_`) but `_name` does not follow" in issues[0].message
    forced = run_files("UnusedVariableNames", {"a.ex": anonymous, "b.ex": meaningful}, force="meaningful")
    assert {(i.filename, i.trigger) for i in forced} == {("a.ex", "_")}
