"""Tests for the Sobelow-compatible analyzer: each finding type, confidence rules, config, skips, JSON."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from elixir_coder.analysis.sobelow.advisory import affected
from elixir_coder.analysis.sobelow.base import file_meta
from elixir_coder.analysis.sobelow.callsite import scan_file
from elixir_coder.analysis.sobelow.dependencies import ADVISORIES
from elixir_coder.analysis.sobelow.runner import FINDING_TYPES, run_sobelow, to_sobelow_json
from elixir_coder.analysis.source import SourceFile

DATA = Path(__file__).resolve().parents[1] / "data"
APP = DATA / "phoenix_app"


def scan(code: str, controller: bool = False, skip: bool = True) -> list:
    if controller:
        code = "defmodule AppWeb.XController do\n  use AppWeb, :controller\n" + code + "\nend\n"
    else:
        code = "defmodule App.X do\n" + code + "\nend\n"
    return scan_file(file_meta(SourceFile("lib/app/x.ex", code)), set(), skip)


def only(findings: list, name: str) -> list:
    return [f for f in findings if f.type_name == name]


def load_app(root: Path) -> list[SourceFile]:
    return [SourceFile(str(p.relative_to(root)), p.read_text()) for p in sorted(root.rglob("*.ex"))]


# --- the type table -----------------------------------------------------------------------------------


def test_finding_types_match_table() -> None:
    with open(DATA / "sobelow_types.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(FINDING_TYPES) == 31
    table = {(r["id"], r["name"], r["module"].removeprefix("Sobelow.")) for r in rows}
    assert {(t.type_id, t.name, t.module) for t in FINDING_TYPES} == table


# --- call-site checks: positive and negative -------------------------------------------------------------

CALLSITE_CASES = [
    ("DOS.StringToAtom", "def f(x), do: String.to_atom(x)", 'def f(_x), do: String.to_atom("lit")'),
    ("DOS.ListToAtom", "def f(x), do: List.to_atom(x)", "def f(x), do: List.to_existing_atom(x)"),
    ("DOS.BinToAtom", 'def f(x), do: :"key_#{x}"', 'def f(_x), do: :"key"'),
    ("Misc.BinToTerm", "def f(b), do: :erlang.binary_to_term(b)", "def f(b), do: :erlang.term_to_binary(b)"),
    ("RCE.CodeModule", "def f(s), do: Code.eval_string(s)", "def f(s), do: Code.string_to_quoted(s)"),
    ("RCE.EEx", "def f(s), do: EEx.eval_string(s)", "def f(s), do: EEx.compile_string(s)"),
    ("CI.System", 'def f(c), do: System.cmd(c, [])', 'def f(_c), do: System.cmd("ls", [])'),
    ("CI.OS", "def f(c), do: :os.cmd(c)", "def f(_c), do: :os.type()"),
    ("Traversal.FileModule", "def f(p), do: File.read!(p)", "def f(p), do: File.exists?(p)"),
    ("Traversal.SendFile", "def f(conn, p), do: send_file(conn, 200, p)", 'def f(conn, _p), do: send_file(conn, 200, "a")'),
    ("Traversal.SendDownload", "def f(conn, p), do: send_download(conn, {:file, p})",
     "def f(conn, d), do: send_download(conn, {:binary, d}, filename: \"a\")"),
    ("SQL.Query", "def f(q), do: Repo.query(q)", 'def f(_q), do: Repo.query("SELECT 1")'),
    ("SQL.Stream", "def f(q), do: Ecto.Adapters.SQL.stream(Repo, q)", 'def f(_q), do: SQL.stream(Repo, "SELECT 1")'),
    ("XSS.SendResp", "def f(conn, b), do: send_resp(conn, 200, b)", 'def f(conn, _b), do: send_resp(conn, 200, "ok")'),
    ("XSS.ContentType", "def f(conn, t), do: put_resp_content_type(conn, t)",
     'def f(conn, _t), do: put_resp_content_type(conn, "text/plain")'),
    ("XSS.HTML", "def f(conn, h), do: html(conn, h)", 'def f(conn, _h), do: html(conn, "<p>hi</p>")'),
    ("XSS.Raw", "def f(h), do: raw(h)", 'def f(_h), do: raw("<br>")'),
]


@pytest.mark.parametrize(("name", "positive", "negative"), CALLSITE_CASES, ids=[c[0] for c in CALLSITE_CASES])
def test_callsite_positive_and_negative(name: str, positive: str, negative: str) -> None:
    hits = only(scan(positive), name)
    assert len(hits) == 1
    assert hits[0].line == 2
    assert hits[0].type_id == next(t.type_id for t in FINDING_TYPES if t.module == name)
    assert "variable" in hits[0].details
    assert only(scan(negative), name) == []


def test_file_module_titles_and_second_argument() -> None:
    hits = only(scan("def f(a, b), do: File.cp(a, b)"), "Traversal.FileModule")
    assert [h.details["variable"] for h in hits] == ["a", "b"]
    assert hits[0].type == "Traversal.FileModule: Directory Traversal in `File.cp`"


def test_code_outside_def_is_ignored() -> None:
    assert scan("@x String.to_atom(\"a\" <> System.get_env(\"X\"))") == []


def test_pipe_and_capture_variables() -> None:
    piped = only(scan("def f(x), do: x |> String.to_atom()"), "DOS.StringToAtom")
    assert piped[0].details["variable"] == "x"
    # Like Sobelow, a chain names the previous stage: here the module of `String.trim()`.
    chained = only(scan("def f(x), do: x |> String.trim() |> String.to_atom()"), "DOS.StringToAtom")
    assert chained[0].details["variable"] == "Elixir.String"
    captured = only(scan("def f(l), do: Enum.map(l, &String.to_atom/1)"), "DOS.StringToAtom")
    assert captured[0].details["variable"] == "&1"
    interp = only(scan('def f(a, b), do: String.to_atom("#{a}_#{b}")'), "DOS.StringToAtom")
    assert interp[0].details["variable"] == "a and b"


# --- confidence -----------------------------------------------------------------------------------------


def test_confidence_controller_param_is_high() -> None:
    [hit] = only(scan('def show(conn, %{"f" => f}), do: File.read!(f)', controller=True), "Traversal.FileModule")
    assert hit.confidence == "high"


def test_confidence_controller_conn_params_is_high() -> None:
    [hit] = only(scan('def show(conn, _), do: File.read!(conn.params["f"])', controller=True), "Traversal.FileModule")
    assert hit.confidence == "high"
    assert hit.details["variable"] == "conn.params"


def test_confidence_controller_local_is_medium() -> None:
    code = 'def show(conn, _) do\n  f = Path.join("a", "b")\n  File.read!(f)\nend'
    [hit] = only(scan(code, controller=True), "Traversal.FileModule")
    assert hit.confidence == "medium"


def test_confidence_outside_controller_is_low() -> None:
    [hit] = only(scan("def show(conn, f), do: File.read!(f)"), "Traversal.FileModule")
    assert hit.confidence == "low"


def test_bin_to_term_always_high() -> None:
    [hit] = only(scan("def f(b), do: :erlang.binary_to_term(b)"), "Misc.BinToTerm")
    assert hit.confidence == "high"


def test_send_resp_non_html_content_type_is_dropped() -> None:
    code = 'def f(conn, b) do\n  conn |> put_resp_content_type("application/json") |> send_resp(200, b)\nend'
    assert only(scan(code), "XSS.SendResp") == []


# --- skips ------------------------------------------------------------------------------------------------


def test_skip_comment_applies_to_next_def() -> None:
    code = '# sobelow_skip ["DOS.StringToAtom"]\ndef f(x), do: String.to_atom(x)\ndef g(x), do: String.to_atom(x)'
    hits = only(scan(code), "DOS.StringToAtom")
    assert [h.line for h in hits] == [4]
    assert len(only(scan(code, skip=False), "DOS.StringToAtom")) == 2


def test_skip_comment_group_name() -> None:
    code = '# sobelow_skip ["DOS"]\ndef f(x), do: String.to_atom(x)'
    assert scan(code) == []


# --- the fixture Phoenix project ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_findings() -> list:
    return run_sobelow(APP, load_app(APP))


def _where(findings: list, name: str) -> list[tuple[str, int, str]]:
    return [(f.file, f.line, f.confidence) for f in findings if f.type_name == name]


def test_config_router_checks(app_findings: list) -> None:
    assert _where(app_findings, "Config.CSRF") == [("lib/app_web/router.ex", 4, "high")]
    assert _where(app_findings, "Config.Headers") == [("lib/app_web/router.ex", 4, "high")]
    assert _where(app_findings, "Config.CSP") == [("lib/app_web/router.ex", 14, "high")]
    [route] = only(app_findings, "Config.CSRFRoute")
    assert (route.line, route.details) == (24, {"route": "new"})
    assert only(app_findings, "Config.CSRF")[0].details == {"pipeline": "browser"}


def test_config_files(app_findings: list) -> None:
    secrets = only(app_findings, "Config.Secrets")
    assert [(s.file, s.line, s.details["key"]) for s in secrets] == [
        ("config/prod.exs", 5, "secret_key_base"),
        ("config/prod.exs", 9, "db_password"),
    ]
    assert _where(app_findings, "Config.HSTS") == [("config/prod.exs", 0, "medium")]
    assert only(app_findings, "Config.HTTPS") == []
    assert _where(app_findings, "Config.CSWH") == [("lib/app_web/endpoint.ex", 4, "high")]


def test_https_missing(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "prod.exs").write_text('import Config\nconfig :app, App.Endpoint, url: [host: "x"]\n')
    assert _where(run_sobelow(tmp_path, []), "Config.HTTPS") == [("config/prod.exs", 0, "high")]


def test_vuln_from_mix_lock(app_findings: list) -> None:
    vulns = {f.type_name: f for f in app_findings if f.type_name.startswith("Vuln.")}
    assert set(vulns) == {"Vuln.PlugNull", "Vuln.CookieRCE", "Vuln.HeaderInject", "Vuln.Redirect",
                          "Vuln.Coherence", "Vuln.Ecto"}
    cookie = vulns["Vuln.CookieRCE"]
    assert cookie.type == "Vuln.CookieRCE: Known Vulnerable Dependency - Plug v1.3.0"
    assert cookie.details["cve"] == "CVE-2017-1000053"
    assert (cookie.file, cookie.line, cookie.type_id) == ("mix.lock", 0, "SBLW023")


def test_vuln_version_ranges() -> None:
    header = next(a for a in ADVISORIES if a.module == "Vuln.HeaderInject")
    assert affected(header, "1.3.4") and affected(header, "1.0.2")
    assert not affected(header, "1.3.5") and not affected(header, "1.4.0")
    ecto = next(a for a in ADVISORIES if a.module == "Vuln.Ecto")
    assert affected(ecto, "2.2.0") and not affected(ecto, "2.2.1")


def test_controller_render_and_templates(app_findings: list) -> None:
    raws = only(app_findings, "XSS.Raw")
    by_file = {r.file: r for r in raws}
    ctrl = by_file["lib/app_web/controllers/page_controller.ex"]
    assert (ctrl.line, ctrl.confidence) == (5, "high")
    assert ctrl.details == {"variable": "@name", "template": "lib/app_web/templates/page/show.html.eex"}
    tpl = by_file["lib/app_web/templates/page/show.html.eex"]
    assert (tpl.line, tpl.confidence) == (2, "low")


def test_fixture_skip_comment(app_findings: list) -> None:
    assert _where(app_findings, "Traversal.FileModule") == [
        ("lib/app_web/controllers/page_controller.ex", 9, "high")
    ]


def test_ignore_argument(app_findings: list) -> None:
    fewer = run_sobelow(APP, load_app(APP), ignore={"Vuln", "Config.CSRF"})
    assert not [f for f in fewer if f.type_name.startswith("Vuln.") or f.type_name == "Config.CSRF"]
    assert len(fewer) == len(app_findings) - 7


def test_sobelow_conf(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(APP, root)
    (root / ".sobelow-conf").write_text(
        '[\n  verbose: false,\n  skip: false,\n  threshold: "medium",\n  ignore: ["Config", "Vuln"],\n'
        '  ignore_files: ["lib/app/loader.ex"]\n]\n'
    )
    found = run_sobelow(root, load_app(root))
    names = {f.type_name for f in found}
    assert not any(n.startswith(("Config.", "Vuln.")) for n in names)
    assert all(f.confidence in ("high", "medium") for f in found)
    assert not [f for f in found if f.file == "lib/app/loader.ex"]
    # skip: false turns the sobelow_skip comment off
    assert len(only(found, "Traversal.FileModule")) == 2


# --- JSON -------------------------------------------------------------------------------------------------


def test_json_shape(app_findings: list) -> None:
    doc = to_sobelow_json(app_findings)
    assert list(doc) == ["findings", "sobelow_version", "total_findings"]
    assert list(doc["findings"]) == ["high_confidence", "low_confidence", "medium_confidence"]
    assert doc["sobelow_version"] == "0.13.0"
    assert doc["total_findings"] == len(app_findings)
    assert sum(len(v) for v in doc["findings"].values()) == len(app_findings)
    low = doc["findings"]["low_confidence"]
    assert {"type": "DOS.StringToAtom: Unsafe `String.to_atom`", "file": "lib/app/loader.ex", "line": 6,
            "variable": "name"} in low
    entry = next(e for e in doc["findings"]["high_confidence"] if e["type"].startswith("Vuln.Ecto"))
    assert list(entry) == ["cve", "details", "file", "line", "type"]
    json.dumps(doc)
