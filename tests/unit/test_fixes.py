"""Quick fixes: each fixer turns a known before text into the expected after text, which parses and no longer
triggers its check; the checks are looked up through the registry (`find_check`)."""

from __future__ import annotations

import re

import pytest

from elixir_coder.analysis.check_pages import DOCS_DIR
from elixir_coder.analysis.checks import CheckContext, find_check, load_checks
from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.source import SourceFile
from elixir_coder.assist.fixes import (
    FINDING_FIXERS,
    FIXERS,
    Edit,
    apply_edits,
    fixes_for,
    fixes_for_finding,
    group_digits,
    keeps_parsing,
)

# check (short name) -> (before, after): one fix applied to the first issue the check reports.
CASES: dict[str, tuple[str, str]] = {
    "Readability.LargeNumbers": (
        "defmodule A do\n  def t, do: 1000000 + 12345678.5\nend\n",
        "defmodule A do\n  def t, do: 1_000_000 + 12345678.5\nend\n",
    ),
    "Readability.TrailingWhiteSpace": (
        "defmodule A do\n  def t, do: 1  \t\nend\n",
        "defmodule A do\n  def t, do: 1\nend\n",
    ),
    "Readability.TrailingBlankLine": (
        "defmodule A do\n  def t, do: 1\nend",
        "defmodule A do\n  def t, do: 1\nend\n",
    ),
    "Readability.RedundantBlankLines": (
        "defmodule A do\n  def a, do: 1\n\n\n\n  def b, do: 2\nend\n",
        "defmodule A do\n  def a, do: 1\n\n  def b, do: 2\nend\n",
    ),
    "Readability.SpaceAfterCommas": (
        "defmodule A do\n  def t, do: foo(1,2)\nend\n",
        "defmodule A do\n  def t, do: foo(1, 2)\nend\n",
    ),
    "Readability.Semicolons": (
        "defmodule A do\n  def t do\n    a = 1; b = 2\n    a + b\n  end\nend\n",
        "defmodule A do\n  def t do\n    a = 1\n    b = 2\n    a + b\n  end\nend\n",
    ),
    "Readability.ParenthesesOnZeroArityDefs": (
        "defmodule A do\n  def t() do\n    1\n  end\nend\n",
        "defmodule A do\n  def t do\n    1\n  end\nend\n",
    ),
    "Readability.UnnecessaryAliasExpansion": (
        "defmodule A do\n  alias App.{Repo}\nend\n",
        "defmodule A do\n  alias App.Repo\nend\n",
    ),
    "Readability.AliasOrder": (
        "defmodule A do\n  alias App.Zeta\n  alias App.Alpha\n  alias App.Mid\nend\n",
        "defmodule A do\n  alias App.Alpha\n  alias App.Mid\n  alias App.Zeta\nend\n",
    ),
    "Warning.IoInspect": (
        "defmodule A do\n  def f(x), do: x |> Map.get(:a) |> IO.inspect(label: \"a\")\nend\n",
        "defmodule A do\n  def f(x), do: x |> Map.get(:a)\nend\n",
    ),
    "Warning.Dbg": (
        "defmodule A do\n  def f(x), do: dbg(x + 1)\nend\n",
        "defmodule A do\n  def f(x), do: x + 1\nend\n",
    ),
    "Warning.IExPry": (
        "defmodule A do\n  def f(x) do\n    require IEx\n    IEx.pry()\n    x\n  end\nend\n",
        "defmodule A do\n  def f(x) do\n    require IEx\n    x\n  end\nend\n",
    ),
    "Warning.ExpensiveEmptyEnumCheck": (
        "defmodule A do\n  def f(l), do: length(l) > 0\nend\n",
        "defmodule A do\n  def f(l), do: not Enum.empty?(l)\nend\n",
    ),
    "Warning.UnsafeToAtom": (
        "defmodule A do\n  def f(s), do: String.to_atom(s)\nend\n",
        "defmodule A do\n  def f(s), do: String.to_existing_atom(s)\nend\n",
    ),
    "Refactor.UnlessWithElse": (
        "defmodule A do\n  def f(x) do\n    unless x do\n      :a\n    else\n      :b\n    end\n  end\nend\n",
        "defmodule A do\n  def f(x) do\n    if x do\n      :b\n    else\n      :a\n    end\n  end\nend\n",
    ),
    "Refactor.NegatedConditionsWithElse": (
        "defmodule A do\n  def f(x) do\n    if !x do\n      :a\n    else\n      :b\n    end\n  end\nend\n",
        "defmodule A do\n  def f(x) do\n    if x do\n      :b\n    else\n      :a\n    end\n  end\nend\n",
    ),
}


def run_check(short: str, code: str) -> list[Issue]:
    """Issues of one check (looked up in the registry) on one file; skips when the check is not registered."""
    cls = find_check(short)
    if cls is None:
        pytest.skip(f"check {short} is not registered yet")
    check = cls()
    return list(check.run_project([CheckContext(SourceFile("lib/sample.ex", code), check, check.params_with(None))]))


def test_at_least_twelve_checks_have_fixes() -> None:
    assert len(FIXERS) + len(FINDING_FIXERS) >= 12
    registered = load_checks()
    assert set(FIXERS) <= set(registered) | {f"Credo.Check.{s}" for s in CASES}


def test_every_fixer_has_a_case() -> None:
    assert {name.removeprefix("Credo.Check.") for name in FIXERS} == set(CASES)


@pytest.mark.parametrize("short", sorted(CASES))
def test_fix_turns_before_into_after(short: str) -> None:
    before, after = CASES[short]
    issues = run_check(short, before)
    assert issues, f"{short} reports nothing on its before text"
    line = issues[0].line_no
    edits = fixes_for(before, issues[0])
    assert edits, f"{short}: no fix offered"
    fixed = apply_edits(before, edits)
    assert fixed == after
    assert SourceFile("lib/sample.ex", fixed).syntax_problems() == []
    assert keeps_parsing(before, edits)
    remaining = run_check(short, fixed)
    # the fixed line no longer triggers the check (LargeNumbers's case keeps a second number on purpose)
    assert all(i.line_no != line or i.trigger != issues[0].trigger for i in remaining), remaining


def _page_example(short: str) -> str | None:
    page = DOCS_DIR / "credo" / f"{short}.md"
    if not page.is_file():
        return None
    m = re.search(r"## Before\n.*?```elixir\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    if m is None:
        return None
    code = m.group(1)
    return code.rstrip("\n") if short == "Readability.TrailingBlankLine" else code


@pytest.mark.parametrize("short", sorted(CASES))
def test_fixing_every_issue_of_the_page_example(short: str) -> None:
    code = _page_example(short)
    if code is None:
        pytest.skip(f"no page with a Before example for {short}")
    for _ in range(20):  # one quick fix at a time, re-analysing in between, as a user would
        issues = run_check(short, code)
        if not issues:
            break
        edits = fixes_for(code, issues[0])
        assert edits, f"{short}: no fix offered for {issues[0]}"
        code = apply_edits(code, edits)
    assert run_check(short, code) == []
    assert SourceFile("lib/sample.ex", code).syntax_problems() == [], code


def test_no_fix_when_unsafe() -> None:
    # `length(x) >= 0` is always true: no rewrite says the same thing more cheaply
    text = "defmodule A do\n  def f(l), do: length(l) >= 0\nend\n"
    (issue,) = run_check("Warning.ExpensiveEmptyEnumCheck", text)
    assert fixes_for(text, issue) is None
    # multi-line alias groups are left to the user
    text = "defmodule A do\n  alias App.Zeta\n  alias App.{Beta, Alpha}\nend\n"
    issues = run_check("Readability.AliasOrder", text)
    assert all(fixes_for(text, i) is None for i in issues)


def test_fixers_never_raise_on_mismatched_issues() -> None:
    text = "defmodule A do\nend\n"
    for name in FIXERS:
        bogus = Issue(check=name, category="readability", message="m", filename="lib/a.ex", line_no=99,
                      column=5, trigger="zzz")
        assert fixes_for(text, bogus) is None, name


def test_keeps_parsing_rejects_breaking_edits() -> None:
    text = "defmodule A do\n  def f, do: 1\nend\n"
    assert keeps_parsing(text, [Edit(0, 0, "")])
    assert not keeps_parsing(text, [Edit(len(text) - 4, len(text), "")])  # drops the final `end`


@pytest.mark.parametrize(("type_name", "before", "after"), [
    ("DOS.StringToAtom", "def sort(p), do: String.to_atom(p[\"s\"])\n",
     "def sort(p), do: String.to_existing_atom(p[\"s\"])\n"),
    ("DOS.ListToAtom", "def sort(p), do: List.to_atom(p)\n", "def sort(p), do: List.to_existing_atom(p)\n"),
])
def test_sobelow_to_atom_fixes(type_name: str, before: str, after: str) -> None:
    finding = Finding(type_name=type_name, title="t", type_id="SBLW013", confidence="low", file="lib/a.ex", line=1)
    edits = fixes_for_finding(before, finding)
    assert edits and apply_edits(before, edits) == after
    assert fixes_for_finding(before, Finding(type_name, "t", "x", "low", "lib/a.ex", 0)) is None


def test_group_digits() -> None:
    assert group_digits("1000000") == "1_000_000"
    assert group_digits("12_34567") == "1_234_567"
    assert group_digits("1234567.891e10") == "1_234_567.891e10"
    assert group_digits("999") == "999"
    assert group_digits("0x1FFFFFF") is None
