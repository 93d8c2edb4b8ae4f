"""Every Credo check against its documentation page: the Before example triggers it, the After does not.

The pages under docs/checks/credo/ are user documentation and test data at once, so a page can
never drift from what the check does.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from elixir_coder.analysis.checks import CheckContext, CredoCheck, load_checks
from elixir_coder.analysis.issues import Issue, priority_to_int
from elixir_coder.analysis.source import SourceFile

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "docs" / "checks" / "credo"
CHECKS = load_checks()
REFERENCE = {row["module"]: row for row in csv.DictReader(open(ROOT / "tests/data/credo_checks.tsv"), delimiter="\t")}

# What an example needs beyond its text: a file name, params, or a companion file (consistency checks).
FILENAMES = {"Warning.WrongTestFilename": ("test/app.exs", "test/app_test.exs")}
PARAMS = {"Warning.MissedMetadataKeyInLoggerConfig": {"metadata_keys": ["user_id"]}}
COMPANIONS = {"Consistency.LineEndings": "defmodule Other do\n  def x, do: 1\nend\n"}
# What a Markdown code block cannot show: a missing final newline, Windows line endings.
BEFORE_AS_SAVED = {
    "Readability.TrailingBlankLine": lambda code: code.rstrip("\n"),
    "Consistency.LineEndings": lambda code: code.replace("\n", "\r\n"),
}


def examples(short: str) -> tuple[str, str]:
    text = (PAGES / f"{short}.md").read_text()
    before = re.search(r"## Before\n.*?```elixir\n(.*?)```", text, re.S)
    after = re.search(r"## After\n.*?```elixir\n(.*?)```", text, re.S)
    assert before and after, f"{short}: page lacks Before/After examples"
    # pages show files as saved; the LineEndings example keeps its \r characters literally
    return before.group(1), after.group(1)


def run_check(cls: type[CredoCheck], code: str, filename: str = "lib/sample.ex", companion: str | None = None,
              params: dict | None = None) -> list[Issue]:
    check = cls()
    merged = check.params_with(params)
    contexts = [CheckContext(SourceFile(filename, code), check, merged)]
    if companion:
        contexts += [CheckContext(SourceFile(f"lib/other{i}.ex", companion), check, merged) for i in range(2)]
    return [i for i in check.run_project(contexts) if i.filename == filename]


def test_every_reference_check_enabled_by_default_is_implemented() -> None:
    enabled = {m for m, row in REFERENCE.items() if row["status"] == "enabled"}
    assert enabled <= set(CHECKS), sorted(enabled - set(CHECKS))
    assert len(enabled) == 69
    for opt_in in ("Warning.UnsafeToAtom", "Warning.MapGetUnsafePass", "Readability.Specs", "Refactor.IoPuts",
                   "Refactor.NegatedIsNil", "Refactor.DoubleBooleanNegation"):
        assert CHECKS[f"Credo.Check.{opt_in}"].enabled_by_default is False


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_metadata_matches_credo(name: str) -> None:
    cls = CHECKS[name]
    row = REFERENCE[name]
    assert cls.category == row["category"]
    base = row["base_priority"].split("(")[0]
    assert priority_to_int(cls.base_priority) == priority_to_int(base)
    assert cls.enabled_by_default == (row["status"] == "enabled")
    for key in re.findall(r"(\w+): ", row["param_defaults"].split("[", 1)[-1]):
        if key in ("excluded", "included"):
            continue
        assert key in cls.default_params, f"{name} lacks param {key}"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_page_examples(name: str) -> None:
    cls = CHECKS[name]
    short = cls.short_name()
    before, after = examples(short)
    before = BEFORE_AS_SAVED.get(short, lambda code: code)(before)
    before_name, after_name = FILENAMES.get(short, ("lib/sample.ex", "lib/sample.ex"))
    params = PARAMS.get(short)
    companion = COMPANIONS.get(short)
    found = run_check(cls, before, before_name, companion, params)
    assert found, f"{short}: the Before example does not trigger the check"
    assert all(i.check == name and i.line_no and i.message for i in found)
    assert run_check(cls, after, after_name, companion, params) == [], f"{short}: the After example still triggers"


def test_triggers_and_columns_of_fixable_checks() -> None:
    (issue,) = run_check(CHECKS["Credo.Check.Readability.LargeNumbers"], "x = 1000000\n")
    assert (issue.trigger, issue.column, issue.column_end) == ("1000000", 5, 12)
    (issue,) = run_check(CHECKS["Credo.Check.Warning.IoInspect"], "def f(x), do: IO.inspect(x)\n")
    assert issue.trigger == "IO.inspect" and issue.column == 15


def test_params_are_honoured() -> None:
    arity = CHECKS["Credo.Check.Refactor.FunctionArity"]
    code = "defmodule A do\n  def f(a, b, c), do: a\nend\n"
    assert run_check(arity, code) == []
    assert len(run_check(arity, code, params={"max_arity": 2})) == 1
    large = CHECKS["Credo.Check.Readability.LargeNumbers"]
    assert run_check(large, "x = 123456\n", params={"only_greater_than": 999999}) == []
    line = CHECKS["Credo.Check.Readability.MaxLineLength"]
    assert len(run_check(line, "x = " + "a + " * 30 + "1\n", params={"max_length": 80})) == 1
    nesting = CHECKS["Credo.Check.Refactor.Nesting"]
    deep = "def f(x) do\n  if x do\n    if x do\n      x\n    end\n  end\nend\n"
    assert run_check(nesting, deep) == [] and len(run_check(nesting, deep, params={"max_nesting": 1})) == 1


def test_consistency_force_param() -> None:
    check = CHECKS["Credo.Check.Consistency.ParameterPatternMatching"]
    code = "defmodule A do\n  def f(%{} = a), do: a\nend\n"
    assert run_check(check, code) == []
    assert len(run_check(check, code, params={"force": "before"})) == 1
