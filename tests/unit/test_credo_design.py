"""Credo's Design checks: TODO/FIXME tags in comments and docs, and AliasUsage with its params."""

from __future__ import annotations

from typing import Any

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, code: str, params: dict[str, Any] | None = None) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Design.{short}"]()
    ctx = CheckContext(SourceFile("lib/sample.ex", code), check, check.params_with(params))
    return list(check.run(ctx))


# --- TagTODO / TagFIXME --------------------------------------------------------------------------------

TODO_CODE = '''defmodule App do
  @moduledoc """
  TODO: write the docs
  """

  # TODO: handle timeouts
  def fetch(url), do: url # todo later

  @doc "Returns a TODO list"
  def list, do: "# TODO: not a comment"

  #TODO
  # This is a TODO in the middle
  @typedoc "TODO: types"
  @doc ~S"TODO: a sigil"
end
'''


def test_tag_todo_in_comments_and_at_the_start_of_docs() -> None:
    issues = run("TagTODO", TODO_CODE)
    assert [(i.line_no, i.trigger) for i in issues] == [
        (2, "TODO: write the docs"),
        (6, "# TODO: handle timeouts"),
        (7, "# todo later"),
    ]
    assert all(i.check == "Credo.Check.Design.TagTODO" and i.category == "design" for i in issues)
    assert issues[1].column is None and "handle timeouts" in issues[1].message


def test_tag_todo_include_doc_false() -> None:
    issues = run("TagTODO", TODO_CODE, {"include_doc": False})
    assert [i.line_no for i in issues] == [6, 7]


def test_tag_todo_negative() -> None:
    code = 'defmodule App do\n  # Nothing to do here\n  def a, do: "TODO: x"\nend\n'
    assert run("TagTODO", code) == []


def test_tag_fixme() -> None:
    code = 'defmodule App do\n  # FIXME: negative amounts\n  @doc "fixme: docs"\n  def a, do: 1\nend\n'
    issues = run("TagFIXME", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(2, "# FIXME: negative amounts"), (3, "fixme: docs")]
    assert run("TagFIXME", "defmodule App do\n  # TODO: x\nend\n") == []
    assert CHECKS["Credo.Check.Design.TagFIXME"].base_priority == "high"


# --- AliasUsage ------------------------------------------------------------------------------------------


def test_alias_usage_reports_nested_module_calls() -> None:
    code = "defmodule CredoSampleModule do\n  def fun1 do\n    ExUnit.Case.something\n  end\nend\n"
    (issue,) = run("AliasUsage", code)
    assert (issue.line_no, issue.trigger, issue.check) == (3, "ExUnit.Case", "Credo.Check.Design.AliasUsage")


def test_alias_usage_leaves_stdlib_attributes_and_module_refs_alone() -> None:
    code = """defmodule CredoSampleModule do
  alias ExUnit.Case

  @spec foo(Sample.Foo.t) :: false
  def fun1 do
    Case.something
    {:error, reason} = __MODULE__.Sup.start_link(fn -> :foo end)
    [:faint, filename]
    |> IO.ANSI.format
    |> Credo.Foo.Code.run
  end
end
"""
    assert run("AliasUsage", code) == []


def test_alias_usage_skips_names_an_alias_would_clash_with() -> None:
    clash = """defmodule Test do
  alias Exzmq.Socket
  alias Exzmq.Tcp

  def just_an_example do
    Socket.test1
    Tcp.Socket.test2
  end
end
"""
    ambiguous = "defmodule Test do\n  def x(uri) do\n    Switch.Uri.parse Sip.Uri.generate!(uri)\n  end\nend\n"
    assert run("AliasUsage", clash) == []
    assert run("AliasUsage", ambiguous) == []


def test_alias_usage_multi_alias_does_not_cover_full_names() -> None:
    code = """defmodule Test do
  alias Exzmq.{Socket, Tcp}

  def just_an_example do
    Socket.test1
    Exzmq.Socket.test2
  end
end
"""
    assert [(i.line_no, i.trigger) for i in run("AliasUsage", code)] == [(6, "Exzmq.Socket")]


def test_alias_usage_params() -> None:
    code = "defmodule CredoSampleModule do\n  def fun1 do\n    Credo.Foo.Bar.call\n  end\nend\n"
    assert len(run("AliasUsage", code)) == 1
    assert run("AliasUsage", code, {"if_nested_deeper_than": 3}) == []
    assert run("AliasUsage", code, {"if_called_more_often_than": 1}) == []
    twice = code.replace("Credo.Foo.Bar.call", "Credo.Foo.Bar.call\n    Credo.Foo.Bar.call")
    assert len(run("AliasUsage", twice, {"if_called_more_often_than": 1})) == 2
    assert run("AliasUsage", code, {"excluded_namespaces": ["Credo"]}) == []
    assert run("AliasUsage", code, {"excluded_lastnames": ["Bar"]}) == []
    assert run("AliasUsage", code, {"only": ["Other"]}) == []
    deeper = "defmodule M do\n  def f, do: Credo.Foo.Bar.Baz.call\nend\n"
    assert len(run("AliasUsage", deeper, {"if_nested_deeper_than": 3})) == 1


def test_alias_usage_if_referenced() -> None:
    code = "defmodule M do\n  def impl, do: Application.get_env(:app, :impl, App.Mailer.Smtp)\nend\n"
    assert run("AliasUsage", code) == []
    assert [(i.line_no, i.trigger) for i in run("AliasUsage", code, {"if_referenced": True})] == [
        (2, "App.Mailer.Smtp")
    ]
