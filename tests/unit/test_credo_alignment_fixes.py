"""Smaller alignments with Credo found on real projects: AliasUsage after grouped aliases and its
`only:` param, ModuleDoc and exceptions nested in a module."""

from __future__ import annotations

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile
from elixir_coder.analysis.terms import Regex

CHECKS = load_checks()


def run(name: str, code: str, **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.{name}"]()
    return list(check.run(CheckContext(SourceFile("lib/sample.ex", code), check, check.params_with(params))))


GROUPED = """defmodule App.Web do
  alias App.{Accounts.User, Billing}

  def f(id) do
    App.Accounts.User.get(id)
    Billing.charge(id)
  end
end
"""


def test_alias_usage_after_a_grouped_alias_reports_the_full_call() -> None:
    # Credo takes the grouped alias's own names out of the module's dependencies, so the
    # fully qualified call is not mistaken for a clash with `Accounts.User`
    issues = run("Design.AliasUsage", GROUPED)
    assert [(i.line_no, i.trigger) for i in issues] == [(5, "App.Accounts.User")]


def test_alias_usage_only_param_with_regexes_and_modules() -> None:
    code = "defmodule M do\n  def f do\n    App.Accounts.get()\n    Other.Thing.go()\n  end\nend\n"
    assert [i.trigger for i in run("Design.AliasUsage", code, only=[Regex(r"^App\.")])] == ["App.Accounts"]
    assert [i.trigger for i in run("Design.AliasUsage", code, only=["Other"])] == ["Other.Thing"]
    assert len(run("Design.AliasUsage", code)) == 2


def test_module_doc_outer_module_of_a_nested_exception_is_reported() -> None:
    nested = "defmodule App do\n  defmodule Error do\n    defexception [:message]\n  end\nend\n"
    assert [(i.line_no, i.trigger) for i in run("Readability.ModuleDoc", nested)] == [(1, "App")]
    own = "defmodule App.Error do\n  defexception [:message]\nend\n"
    assert run("Readability.ModuleDoc", own) == []
    # a nested `@moduledoc false` counts for the outer module too, as in Credo's attribute lookup
    quiet = "defmodule App do\n  defmodule Inner do\n    @moduledoc false\n  end\nend\n"
    assert run("Readability.ModuleDoc", quiet) == []
