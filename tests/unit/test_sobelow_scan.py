"""Sobelow as it scans: EEx/HEEx templates and `~H` sigils for `raw`, piped `raw`, only the
application's code folders (never test/ unless asked), and `.sobelow-conf`'s ignore, ignore_files, skip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from elixir_coder.analysis.runner import AnalysisOptions, analyze_paths
from elixir_coder.analysis.sobelow.templates import raw_uses
from elixir_coder.cli.main import main

DATA = Path(__file__).resolve().parents[1] / "data" / "phoenix_app"

COMPONENT = '''defmodule AppWeb.Components do
  use Phoenix.Component

  def note(assigns) do
    ~H"""
    <div class="note">
      <%= raw(@body) %>
      {raw(@footer)}
    </div>
    """
  end

  # sobelow_skip ["XSS.Raw"]
  def trusted(assigns) do
    ~H"""
    <p>{raw(@html)}</p>
    """
  end
end
'''

SUPPORT = '''defmodule App.ConnCase do
  def atom(x), do: String.to_atom(x)
end
'''


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(DATA, root)
    tpl = root / "lib" / "app_web" / "templates" / "page"
    (tpl / "index.html.heex").write_text('<h1>{@title}</h1>\n<div>\n  {raw(@intro)}\n</div>\n<%= @body |> markdown() |> raw() %>\n')
    (tpl / "plain.eex").write_text("<p><%= raw(@x) %></p>\n<%= raw(\"<br>\") %>\n")
    (root / "lib" / "app_web" / "components.ex").write_text(COMPONENT)
    (root / "test" / "support").mkdir(parents=True)
    (root / "test" / "support" / "conn_case.ex").write_text(SUPPORT)
    return root


def findings(root: Path, *paths: Path) -> list:
    result = analyze_paths(list(paths), root=root, options=AnalysisOptions(credo=False), display_base=root)
    return result.findings


def where(found: list, name: str) -> list[tuple[str, int, str, str]]:
    return sorted((f.file, f.line, f.confidence, f.details.get("variable", "")) for f in found if f.type_name == name)


def test_template_expressions_find_raw_calls_and_pipes() -> None:
    text = '<h1><%= @title %></h1>\n<p><%= raw @name %></p>\n<%= @body |> markdown() |> raw() %>\n<i>{raw(fmt(@a, opts))}</i>\n'
    assert [(u.line, u.variable) for u in raw_uses(text, heex=True)] == [
        (2, "@name"), (3, "@body"), (4, "@a"), (4, "opts")]
    # `{...}` is only an expression in HEEx; a literal has no variable to report
    assert raw_uses("<i>{raw(@a)}</i>\n<%= raw(\"<br>\") %>\n", heex=False) == []


def test_heex_eex_templates_and_h_sigils_are_scanned(app: Path) -> None:
    raws = where(findings(app), "XSS.Raw")
    assert ("lib/app_web/templates/page/index.html.heex", 3, "low", "@intro") in raws
    assert ("lib/app_web/templates/page/index.html.heex", 5, "low", "@body") in raws
    assert ("lib/app_web/templates/page/plain.eex", 1, "low", "@x") in raws
    assert ("lib/app_web/components.ex", 7, "low", "@body") in raws
    assert ("lib/app_web/components.ex", 8, "low", "@footer") in raws
    # the sobelow_skip comment covers the second component
    assert not [r for r in raws if r[3] == "@html"]
    # the controller's render line for a template that raws a parameter is still reported
    assert ("lib/app_web/controllers/page_controller.ex", 5, "high", "@name") in raws


def test_test_folder_is_not_scanned_unless_asked(app: Path) -> None:
    assert not [f for f in findings(app) if f.file.startswith("test/")]
    asked = findings(app, app / "test" / "support" / "conn_case.ex")
    assert where(asked, "DOS.StringToAtom") == [("test/support/conn_case.ex", 2, "low", "x")]


def test_sobelow_conf_ignore_files_folder_and_ignore(app: Path) -> None:
    (app / ".sobelow-conf").write_text('[ignore: ["Config"], ignore_files: ["lib/app_web/templates/"], skip: true]\n')
    found = findings(app)
    assert not [f for f in found if "/templates/" in f.file]
    assert not [f for f in found if f.type_name.startswith("Config.")]
    (app / ".sobelow-conf").write_text("[skip: false]\n")
    assert [r for r in where(findings(app), "XSS.Raw") if r[3] == "@html"]


def test_cli_whole_project_sobelow_json(app: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(app)
    main(["check", "--format", "sobelow-json", "--mute-exit-status"])
    doc = json.loads(capsys.readouterr().out)
    files = {f["file"] for group in doc["findings"].values() for f in group}
    assert "lib/app_web/templates/page/index.html.heex" in files
    assert not any(name.startswith("test/") for name in files)
