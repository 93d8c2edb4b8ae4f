"""Whole-project analysis: the same issues and findings as `check` on the project, served from a
per-file cache (by content hash and configuration) until files change."""

from __future__ import annotations

from pathlib import Path

from elixir_coder.analysis.project import ProjectAnalysis
from elixir_coder.analysis.runner import AnalysisOptions, analyze_paths

FILES = {
    "lib/a.ex": 'defmodule A do\n  @moduledoc false\n  def f(%{} = x), do: x + 1000000\nend\n',
    "lib/b.ex": 'defmodule B do\n  @moduledoc false\n  def g(x = %{}), do: String.to_atom(x)\nend\n',
    "lib/c.ex": 'defmodule C do\n  @moduledoc false\n  def h(%{} = y), do: y\nend\n',
    "test/c_test.exs": 'defmodule CTest do\n  use ExUnit.Case\n  test "x", do: assert(1000000)\nend\n',
}


def make(root: Path) -> Path:
    (root / "mix.exs").write_text("defmodule P.MixProject do\nend\n")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def flat(results: dict) -> tuple[list, list]:
    issues = sorted((i.filename, i.line_no, i.check) for r in results.values() for i in r.issues)
    findings = sorted((f.file, f.line, f.type) for r in results.values() for f in r.findings)
    return issues, findings


def test_same_results_as_check_and_cached_until_a_file_changes(tmp_path: Path) -> None:
    root = make(tmp_path)
    options = AnalysisOptions(strict=True)
    reference = analyze_paths([], root=root, options=options, display_base=root)
    project = ProjectAnalysis(root)
    first = project.run(options)
    assert first.files_analysed == 4
    assert flat(first.results) == (
        sorted((i.filename, i.line_no, i.check) for i in reference.issues),
        sorted((f.file, f.line, f.type) for f in reference.findings),
    )
    # the consistency check compares files: b.ex's parameter pattern is the odd one out
    assert ("lib/b.ex", 3, "Credo.Check.Consistency.ParameterPatternMatching") in flat(first.results)[0]
    assert project.run(options).files_analysed == 0

    # b.ex now follows the majority: only it is re-analysed, and the project-wide issue goes away
    (root / "lib" / "b.ex").write_text(FILES["lib/b.ex"].replace("x = %{}", "%{} = x"))
    third = project.run(options, changed={root / "lib" / "b.ex"})
    assert third.files_analysed == 1
    assert not [i for i in flat(third.results)[0] if i[2].endswith("ParameterPatternMatching")]

    # a changed configuration starts over
    (root / ".credo.exs").write_text('%{configs: [%{name: "default", checks: [{Credo.Check.Readability.LargeNumbers, false}]}]}')
    fourth = project.run(options)
    assert fourth.files_analysed == 4
    assert not [i for i in flat(fourth.results)[0] if i[2].endswith("LargeNumbers")]


def test_new_files_are_found_and_progress_is_reported(tmp_path: Path) -> None:
    root = make(tmp_path)
    project = ProjectAnalysis(root)
    seen: list[tuple[int, int]] = []
    project.run(AnalysisOptions(), progress=lambda done, total, name: seen.append((done, total)))
    assert seen[-1] == (4, 4)
    (root / "lib" / "d.ex").write_text('defmodule D do\n  @moduledoc false\nend\n')
    report = project.run(AnalysisOptions(), changed={root / "lib" / "d.ex"})
    assert "lib/d.ex" in report.results and report.files_analysed == 1


def test_duplicated_code_in_the_project_analysis_is_incremental(tmp_path: Path) -> None:
    root = make(tmp_path)
    body = "\n".join(f"    x{n} = Enum.map(list, fn item -> item * {n} + offset end)" for n in range(6))
    for name in ("d", "e"):
        (root / "lib" / f"{name}.ex").write_text(
            f"defmodule {name.upper()} do\n  @moduledoc false\n  def run(list, offset) do\n{body}\n    x0\n  end\nend\n")
    (root / ".credo.exs").write_text(
        '%{configs: [%{name: "default", checks: %{extra: [{Credo.Check.Design.DuplicatedCode, []}]}}]}')
    project = ProjectAnalysis(root)
    options = AnalysisOptions(strict=True)

    def duplicates(report: object) -> set[str]:
        return {i.filename for r in report.results.values() for i in r.issues  # type: ignore[attr-defined]
                if i.check == "Credo.Check.Design.DuplicatedCode"}

    assert duplicates(project.run(options)) == {"lib/d.ex", "lib/e.ex"}
    (root / "lib" / "e.ex").write_text("defmodule E do\n  @moduledoc false\nend\n")
    again = project.run(options, changed={root / "lib" / "e.ex"})
    assert again.files_analysed == 1 and duplicates(again) == set()


def test_templates_are_kept_across_saves_of_code_and_read_again_when_one_is_saved(tmp_path: Path) -> None:
    root = make(tmp_path)
    templates = root / "lib" / "p_web" / "templates" / "page"
    templates.mkdir(parents=True)
    page = templates / "index.html.heex"
    page.write_text("<h1>{@title}</h1>\n")
    project = ProjectAnalysis(root)
    options = AnalysisOptions(strict=True)

    def raws() -> list[tuple[str, int]]:
        return [(f, line) for f, line, kind in flat(project.run(options).results)[1] if kind.startswith("XSS.Raw")]

    assert raws() == []
    page.write_text("<h1>{@title}</h1>\n<div>{raw(@intro)}</div>\n")
    # a save of a code file keeps the file list, templates included...
    project.run(options, changed={root / "lib" / "a.ex"})
    # ...a save of the template reads the folders again, and the rerun agrees with `check`
    report = project.run(options, changed={page})
    found = [(f.file, f.line) for r in report.results.values() for f in r.findings if f.type.startswith("XSS.Raw")]
    assert found == [("lib/p_web/templates/page/index.html.heex", 2)]
    reference = analyze_paths([], root=root, options=options, display_base=root)
    assert [(f.file, f.line) for f in reference.findings if f.type.startswith("XSS.Raw")] == found
