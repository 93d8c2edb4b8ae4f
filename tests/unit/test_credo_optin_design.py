"""Credo's opt-in Design checks, with Credo's own test cases as labelled examples."""

from __future__ import annotations

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.quoted import mass, quoted
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run_files(short: str, files: dict[str, str], **params: object) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Design.{short}"]()
    merged = check.params_with(params)
    contexts = [CheckContext(SourceFile(name, code), check, merged) for name, code in files.items()]
    return list(check.run_project(contexts))


MYFUN = """defmodule {mod} do
{extra}  def myfun(p1, p2) when is_list(p2) do
    if p1 == p2 do
      {call}
    else
      p2 + p1
    end
  end
end
"""


def test_duplicated_code_mass_matches_credo() -> None:
    code = "defmodule M1 do\n  def myfun(p1, p2) do\n    if p1 == p2 do\n      p1\n    else\n      p2 + p1\n    end\n  end\nend\n"
    assert mass(quoted(SourceFile("a.ex", code))) == 18


def test_duplicated_code_reports_each_file_naming_the_other() -> None:
    files = {
        "lib/m1.ex": MYFUN.format(mod="M1", extra="", call="p1"),
        "lib/m2.ex": MYFUN.format(mod="M2", extra="", call="p1"),
    }
    issues = run_files("DuplicatedCode", files, mass_threshold=16)
    # Credo prunes nested duplicates with its default threshold (40), so below it the def,
    # `[do: def]` and `{:do, def}` are three duplicates, all reported at the def.
    assert {(i.filename, i.line_no) for i in issues} == {("lib/m1.ex", 2), ("lib/m2.ex", 2)}
    assert len(issues) == 6
    messages = {i.message for i in issues if i.filename == "lib/m1.ex"}
    assert "Duplicate code found in lib/m2.ex:2 (mass: 19)." in messages
    assert all(i.priority >= 20 and i.check == "Credo.Check.Design.DuplicatedCode" for i in issues)


def test_duplicated_code_prunes_parts_of_a_larger_duplicate() -> None:
    body = "\n".join(f"    x{n} = Enum.map(list, fn item -> item * {n} + offset end)" for n in range(6))
    code = "defmodule {mod} do\n  def run(list, offset) do\n" + body + "\n    x0\n  end\nend\n"
    issues = run_files("DuplicatedCode", {"lib/a.ex": code.replace("{mod}", "A"), "lib/b.ex": code.replace("{mod}", "B")})
    # only the largest shared subtree remains, once per file
    assert sorted((i.filename, i.line_no) for i in issues)[:1] == [("lib/a.ex", 2)]
    assert len({i.message for i in issues}) == len(issues)


def test_duplicated_code_ignores_metadata_and_default_threshold() -> None:
    files = {
        "lib/m1.ex": MYFUN.format(mod="M1", extra="", call="A.f(p1)"),
        "lib/m2.ex": MYFUN.format(mod="M2", extra="  # additional line here\n", call="A.f(p1)"),
    }
    issues = run_files("DuplicatedCode", files, mass_threshold=16)
    assert {(i.filename, i.line_no) for i in issues} == {("lib/m1.ex", 2), ("lib/m2.ex", 3)}
    # with the default threshold (40) these small functions are not reported
    assert run_files("DuplicatedCode", files) == []


def test_duplicated_code_excluded_macros_and_different_code() -> None:
    body = """defmodule {mod} do
  test "something is duplicated" do
    if p1 == p2 do
      p1
    else
      p2 + p1
      if p1 == p2 do
        p1
      else
        p2 + p1
      end
    end
  end
end
"""
    body = body.replace("p2 + p1\n", "p2 + p1 * Enum.sum([p1, p2, 3]) - Enum.max([p1, p2])\n")
    files = {"test/a_test.exs": body.format(mod="M1"), "test/b_test.exs": body.format(mod="M2")}
    assert [i.line_no for i in run_files("DuplicatedCode", files)] == [2, 2]
    assert run_files("DuplicatedCode", files, excluded_macros=["test"]) == []
    other = {
        "lib/m1.ex": MYFUN.format(mod="M1", extra="", call="p1"),
        "lib/m2.ex": MYFUN.format(mod="M2", extra="", call="p2 - p1 * 3"),
    }
    assert run_files("DuplicatedCode", other, mass_threshold=16) == []


def test_duplicated_code_nodes_threshold() -> None:
    files = {
        "lib/m1.ex": MYFUN.format(mod="M1", extra="", call="p1"),
        "lib/m2.ex": MYFUN.format(mod="M2", extra="", call="p1"),
    }
    assert run_files("DuplicatedCode", files, mass_threshold=16, nodes_threshold=3) == []
    files["lib/m3.ex"] = MYFUN.format(mod="M3", extra="", call="p1")
    issues = run_files("DuplicatedCode", files, mass_threshold=16, nodes_threshold=3)
    assert {i.filename for i in issues} == {"lib/m1.ex", "lib/m2.ex", "lib/m3.ex"}
    assert "lib/m2.ex:2, lib/m3.ex:2" in next(i for i in issues if i.filename == "lib/m1.ex").message


def test_skip_test_without_comment() -> None:
    check = CHECKS["Credo.Check.Design.SkipTestWithoutComment"]()
    code = '''defmodule MyTest do
  use ExUnit.Case

  # credentials expired, waiting for new ones
  @tag :skip
  test "vendor api" do
  end

  @tag :skip
  test "other" do
  end
end
'''

    def issues_in(filename: str) -> list[Issue]:
        return list(check.run(CheckContext(SourceFile(filename, code), check, check.params_with({}))))

    issues = issues_in("test/my_test.exs")
    assert [(i.line_no, i.trigger) for i in issues] == [(9, "@tag :skip")]
    assert issues[0].message == "Tests tagged to be skipped should have a comment preceding the `@tag :skip`."
    assert issues_in("lib/my.ex") == []
    assert len(issues_in("apps/web/test/controllers/page_test.exs")) == 1
