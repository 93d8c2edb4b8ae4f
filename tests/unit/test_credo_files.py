"""`.credo.exs` as Credo reads it: which files are analysed, where the file is found, named configs,
and what the built-in analyzer cannot honour (requires, plugins) reported instead of failing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from elixir_coder.analysis.credo_config import load_credo_config
from elixir_coder.analysis.credo_sources import files_to_analyse, wildcard
from elixir_coder.analysis.runner import AnalysisOptions, analyze_paths
from elixir_coder.cli.main import main

MODULE = 'defmodule M{n} do\n  @moduledoc false\n  def f, do: 1000000\nend\n'

LAYOUT = [
    "mix.exs", ".formatter.exs", ".iex.exs", "lib/app.ex", "lib/app/worker.ex", "lib/.hidden.ex",
    "lib/generated/gen.ex", "test/app_test.exs", "test/support/conn_case.ex", "config/config.exs",
    "priv/repo/seeds.exs", "deps/dep/lib/dep.ex", "_build/dev/lib/x.ex", "apps/web/lib/web.ex",
]


def make_project(root: Path, credo_exs: str | None = None, where: str = ".credo.exs") -> Path:
    for n, rel in enumerate(LAYOUT):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODULE.format(n=n))
    if credo_exs is not None:
        (root / where).parent.mkdir(parents=True, exist_ok=True)
        (root / where).write_text(credo_exs)
    return root


def rel(root: Path, files: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in files]


def test_default_config_analyses_credo_default_folders_and_no_dot_files(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    config = load_credo_config(root)
    assert rel(root, files_to_analyse(root, config.included, config.excluded)) == [
        "apps/web/lib/web.ex", "lib/app.ex", "lib/app/worker.ex", "lib/generated/gen.ex",
        "test/app_test.exs", "test/support/conn_case.ex",
    ]
    # the project root as the path means the same as no path (`check .` == `mix credo`)
    assert files_to_analyse(root, config.included, config.excluded, [root]) == \
        files_to_analyse(root, config.included, config.excluded)


def test_included_globs_and_excluded_regexes_and_paths(tmp_path: Path) -> None:
    root = make_project(tmp_path, """
%{configs: [%{name: "default",
  files: %{included: ["lib/", "config/*.exs", "*.exs", "apps/*/lib/"],
           excluded: [~r"/generated/", "lib/app/", ~r"_build"]}}]}
""")
    config = load_credo_config(root)
    assert rel(root, files_to_analyse(root, config.included, config.excluded)) == [
        "apps/web/lib/web.ex", "config/config.exs", "lib/app.ex", "mix.exs",
    ]
    # explicit paths replace `included`; `excluded` still applies
    assert rel(root, files_to_analyse(root, config.included, config.excluded, [root / "lib"])) == ["lib/app.ex"]


def test_wildcard_follows_elixir_path_wildcard(tmp_path: Path) -> None:
    make_project(tmp_path)
    assert wildcard(tmp_path, "*.exs") == ["mix.exs"]
    assert wildcard(tmp_path, ".*.exs") == [".formatter.exs", ".iex.exs"]
    assert wildcard(tmp_path, "lib/**/*.{ex,exs}") == ["lib/app.ex", "lib/app/worker.ex", "lib/generated/gen.ex"]
    assert wildcard(tmp_path, "test/**/*_test.exs") == ["test/app_test.exs"]


def test_config_found_in_config_folder_and_named_configs(tmp_path: Path) -> None:
    root = make_project(tmp_path, """
%{configs: [
  %{name: "default", files: %{included: ["lib/"]}, strict: false},
  %{name: "ci", files: %{included: ["test/"]}, strict: true,
    checks: %{extra: [{Credo.Check.Refactor.PipeChainStart, []}]}}
]}
""", where="config/.credo.exs")
    default = load_credo_config(root)
    assert default.source == root / "config" / ".credo.exs" and default.strict is False
    ci = load_credo_config(root, "ci")
    assert ci.strict is True and ci.is_enabled("Credo.Check.Refactor.PipeChainStart", False)
    assert rel(root, files_to_analyse(root, ci.included, ci.excluded)) == ["test/app_test.exs", "test/support/conn_case.ex"]
    missing = load_credo_config(root, "nope")
    assert missing.notes and "no config named 'nope'" in missing.notes[0]


def test_inner_config_wins_over_outer_folders(tmp_path: Path) -> None:
    (tmp_path / ".credo.exs").write_text('%{configs: [%{name: "default", strict: true, files: %{included: ["src/"]}}]}')
    root = make_project(tmp_path / "app", '%{configs: [%{name: "default", files: %{included: ["lib/"]}}]}')
    config = load_credo_config(root)
    assert config.strict is True  # from the outer file, not overridden
    assert config.included == ["lib/"]


def test_requires_and_plugins_are_reported_not_fatal(tmp_path: Path) -> None:
    root = make_project(tmp_path, """
%{configs: [%{name: "default", requires: ["./credo/checks/**/*.ex"], plugins: [{CredoContrib, []}],
  checks: %{extra: [{Credo.Check.Readability.Specs, []}]}}]}
""")
    result = analyze_paths([], root=root, options=AnalysisOptions(sobelow=False), display_base=root)
    messages = [p.message for p in result.problems if p.kind == "config"]
    assert any("requires" in m for m in messages) and any("CredoContrib" in m for m in messages)
    assert {i.check for i in result.issues} >= {"Credo.Check.Readability.Specs", "Credo.Check.Readability.LargeNumbers"}
    assert ".formatter.exs" not in result.files and "mix.exs" not in result.files


def test_check_without_paths_analyses_what_mix_credo_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, '%{configs: [%{name: "default", files: %{included: ["lib/", ".iex.exs"]}}]}')
    monkeypatch.chdir(root)
    main(["check", "--format", "credo-json", "--strict"])
    files = {i["filename"] for i in json.loads(capsys.readouterr().out)["issues"]}
    assert files == {"lib/app.ex", "lib/app/worker.ex", "lib/generated/gen.ex", ".iex.exs"}
    main(["check", ".", "--format", "credo-json", "--strict", "--config-name", "default"])
    assert {i["filename"] for i in json.loads(capsys.readouterr().out)["issues"]} == files


def test_opt_in_checks_run_with_their_params_exactly_when_credo_exs_enables_them(tmp_path: Path) -> None:
    (tmp_path / "mix.exs").write_text("defmodule P.MixProject do\nend\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.ex").write_text(
        'defmodule A do\n  @moduledoc false\n  def f(x) do\n    String.trim(x) |> String.upcase()\n'
        '    table(x) |> insert()\n  end\nend\n')
    options = AnalysisOptions(sobelow=False, strict=True)

    def pipe_lines() -> list[int | None]:
        result = analyze_paths([], root=tmp_path, options=options, display_base=tmp_path)
        return [i.line_no for i in result.issues if i.check == "Credo.Check.Refactor.PipeChainStart"]

    assert pipe_lines() == []  # opt-in: off without a .credo.exs that enables it
    (tmp_path / ".credo.exs").write_text(
        '%{configs: [%{name: "default", checks: [{Credo.Check.Refactor.PipeChainStart, '
        '[excluded_functions: ["table"]]}]}]}')
    assert pipe_lines() == [4]
    (tmp_path / ".credo.exs").write_text(
        '%{configs: [%{name: "default", checks: %{enabled: [{Credo.Check.Refactor.PipeChainStart, []}]}}]}')
    assert pipe_lines() == [4, 5]
    (tmp_path / ".credo.exs").write_text(
        '%{configs: [%{name: "default", checks: [{Credo.Check.Refactor.PipeChainStart, false}]}]}')
    assert pipe_lines() == []
