"""Quick fixes: applied to each check page's Before example, the fix removes the issue and keeps the code valid."""

from __future__ import annotations

import pytest
from test_credo_checks import BEFORE_AS_SAVED, CHECKS, examples, run_check

from elixir_coder.server.analysis.source import SourceFile
from elixir_coder.server.fixes import FIXERS, apply_edits, fixes_for


def test_at_least_twelve_checks_have_fixes() -> None:
    assert len(FIXERS) >= 12
    assert set(FIXERS) <= set(CHECKS)


@pytest.mark.parametrize("name", sorted(FIXERS))
def test_fix_removes_the_issue(name: str) -> None:
    cls = CHECKS[name]
    short = cls.short_name()
    before, _after = examples(short)
    before = BEFORE_AS_SAVED.get(short, lambda code: code)(before)
    issues = run_check(cls, before)
    assert issues
    text = before
    # fix one issue at a time, re-analysing in between, as a user applying quick fixes would
    for _ in range(10):
        issues = run_check(cls, text)
        if not issues:
            break
        edits = fixes_for(text, issues[0])
        assert edits, f"{short}: no fix offered"
        text = apply_edits(text, edits)
    assert run_check(cls, text) == []
    assert SourceFile("lib/sample.ex", text).syntax_problems() == [], text


def test_specific_rewrites() -> None:
    cases = {
        "Credo.Check.Warning.IoInspect": ("def f(x), do: x |> Map.get(:a) |> IO.inspect(label: \"a\")\n",
                                          "def f(x), do: x |> Map.get(:a)\n"),
        "Credo.Check.Warning.ExpensiveEmptyEnumCheck": ("def f(l), do: length(l) > 0\n",
                                                        "def f(l), do: not Enum.empty?(l)\n"),
        "Credo.Check.Readability.LargeNumbers": ("x = 12345678.5\n", "x = 12_345_678.5\n"),
        "Credo.Check.Refactor.UnlessWithElse": (
            "def f(x) do\n  unless x do\n    :a\n  else\n    :b\n  end\nend\n",
            "def f(x) do\n  if x do\n    :b\n  else\n    :a\n  end\nend\n",
        ),
    }
    for name, (before, after) in cases.items():
        (issue,) = run_check(CHECKS[name], before)
        assert apply_edits(before, fixes_for(before, issue) or []) == after


def test_no_fix_when_unsafe() -> None:
    # `length(x) >= 0` is always true: rewriting it would change nothing useful, so no fix is offered
    (issue,) = run_check(CHECKS["Credo.Check.Warning.ExpensiveEmptyEnumCheck"], "def f(l), do: length(l) >= 0\n")
    assert fixes_for("def f(l), do: length(l) >= 0\n", issue) is None
