"""The language server's pure parts: document analysis and skips, diagnostics, code actions, hover, debounce."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp

from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.runner import AnalysisResult
from elixir_coder.server.documents import (
    ExternalCache,
    analyse_document,
    display_name,
    project_root_for,
    skip_reason,
    uri_to_path,
)
from elixir_coder.server.features.code_actions import code_actions, offset_to_position
from elixir_coder.server.features.diagnostics import (
    Debouncer,
    check_page_url,
    client_diagnostics,
    credo_severity,
    encode_range,
    sobelow_severity,
    to_diagnostics,
)
from elixir_coder.server.features.hover import hover_for, hover_markdown
from elixir_coder.server.settings import Settings

SAMPLE = 'defmodule Shop do\n  @moduledoc "Shop."\n  def total, do: 100000\n  def bad(x), do: String.to_atom(x)\nend\n'


def _project(tmp_path: Path, name: str = "shop.ex", text: str = SAMPLE) -> tuple[str, Path]:
    (tmp_path / "mix.exs").write_text("defmodule Shop.MixProject do\nend\n")
    (tmp_path / "lib").mkdir(exist_ok=True)
    path = tmp_path / "lib" / name
    path.write_text(text)
    return path.as_uri(), path


def test_paths_and_names(tmp_path: Path) -> None:
    uri, path = _project(tmp_path)
    assert uri_to_path(uri) == path and uri_to_path("untitled:Untitled-1") is None
    assert project_root_for(path, None) == tmp_path
    assert display_name(path, tmp_path, uri) == "lib/shop.ex"
    assert display_name(None, tmp_path, "untitled:x") == "untitled:x"


def test_skip_reasons(tmp_path: Path) -> None:
    assert skip_reason("x = 1\n", 100) is None
    assert "over maxFileBytes" in (skip_reason("x" * 101, 100) or "")
    assert "binary" in (skip_reason("a\x00b", 100) or "")
    assert "surrogates" in (skip_reason("a\udc80b", 100) or "")
    bad = tmp_path / "latin1.ex"
    bad.write_bytes("x = \"caf\xe9\"\n".encode("latin-1"))
    assert "not UTF-8" in (skip_reason('x = "caf\ufffd"\n', 100, bad) or "")
    good = tmp_path / "ok.ex"
    good.write_text('x = "\ufffd"\n', encoding="utf-8")
    assert skip_reason('x = "\ufffd"\n', 100, good) is None


def test_analyse_document_builtin(tmp_path: Path) -> None:
    uri, _ = _project(tmp_path)
    out = analyse_document(uri, SAMPLE, Settings(analyzer="builtin", strict=True), tmp_path)
    assert out.result is not None and out.skipped is None and out.name == "lib/shop.ex"
    checks = {i.short_name for i in out.result.issues}
    assert "Readability.LargeNumbers" in checks
    assert "DOS.StringToAtom" in {f.type_name for f in out.result.findings}
    off = analyse_document(uri, SAMPLE, Settings(analyzer="builtin", disabled_checks=("LargeNumbers", "DOS")), tmp_path)
    assert off.result is not None
    assert "Readability.LargeNumbers" not in {i.short_name for i in off.result.issues}
    assert off.result.findings == []
    skipped = analyse_document(uri, "\x00\x01", Settings(), tmp_path)
    assert skipped.result is None and "binary" in (skipped.skipped or "")


def test_analyse_document_syntax_error_keeps_other_checks(tmp_path: Path) -> None:
    text = "defmodule Broken do\n  def ok, do: 1000000\n\n  def bad(x) do\n    x +\nend\n"
    uri, _ = _project(tmp_path, "broken.ex", text)
    out = analyse_document(uri, text, Settings(analyzer="builtin"), tmp_path)
    assert out.result is not None
    diags = to_diagnostics(out.result, out.name, text)
    syntax = [d for d in diags if d.code == "syntax"]
    assert len(syntax) == 1 and syntax[0].severity == lsp.DiagnosticSeverity.Error
    assert "Readability.LargeNumbers" in {d.code for d in diags}


def test_external_engine_used_when_buffer_matches_disk(tmp_path: Path) -> None:
    uri, _ = _project(tmp_path)
    calls: list[Path] = []
    mix_issue = Issue("Credo.Check.Readability.ModuleDoc", "readability", "from mix", "lib/shop.ex", 1, priority=1)

    def fake(root: Path, strict: bool) -> AnalysisResult:
        calls.append(root)
        return AnalysisResult(issues=[mix_issue], engine="mix")

    cache = ExternalCache()
    out = analyse_document(uri, SAMPLE, Settings(), tmp_path, external=fake, external_cache=cache)
    assert out.result is not None and out.result.engine == "mix" and out.result.issues == [mix_issue]
    analyse_document(uri, SAMPLE, Settings(), tmp_path, external=fake, external_cache=cache)
    assert len(calls) == 1  # cached per project root
    dirty = analyse_document(uri, SAMPLE + "# edit\n", Settings(), tmp_path, external=fake, external_cache=cache)
    assert dirty.result is not None and dirty.result.engine == "builtin"
    none = analyse_document(uri, SAMPLE, Settings(analyzer="mix"), tmp_path, external=lambda r, s: None)
    assert none.result is not None and none.result.engine == "builtin" and any("unavailable" in x for x in none.logs)


def test_severities_and_links() -> None:
    issue = Issue("Credo.Check.Readability.LargeNumbers", "readability", "m", "a.ex", 1, priority=12)
    assert credo_severity(issue) == lsp.DiagnosticSeverity.Warning
    assert credo_severity(Issue("X", "readability", "m", "a.ex", 1, priority=1)) == lsp.DiagnosticSeverity.Information
    assert credo_severity(Issue("X", "design", "m", "a.ex", 1, priority=-10)) == lsp.DiagnosticSeverity.Hint
    assert credo_severity(Issue("X", "warning", "m", "a.ex", 1, priority=-10)) == lsp.DiagnosticSeverity.Warning
    finding = Finding("DOS.StringToAtom", "t", "SBLW013", "high", "a.ex", 1)
    assert sobelow_severity(finding) == lsp.DiagnosticSeverity.Error
    url = check_page_url("credo", "Readability.LargeNumbers")
    assert url and url.startswith("file://") and url.endswith("/credo/Readability.LargeNumbers.md")
    assert check_page_url("sobelow", "SQL.Query", "https://h/docs/") == "https://h/docs/sobelow/SQL.Query.md"
    assert check_page_url("credo", "No.Such") is None
    assert check_page_url("credo", "../../etc/passwd") is None


def test_utf16_and_utf8_ranges() -> None:
    text = 'x = "😀"; y = 1000000\n'
    col = text.index("1000000")
    rng = lsp.Range(lsp.Position(0, col), lsp.Position(0, col + 7))
    assert encode_range(rng, [text], "utf-16").start.character == col + 1  # the emoji is two UTF-16 units
    assert encode_range(rng, [text], "utf-8").start.character == col + 3
    assert encode_range(rng, [text], "utf-32") == rng
    issue = Issue("Credo.Check.Readability.LargeNumbers", "readability", "m", "a.ex", 1, column=col + 1,
                  column_end=col + 8, trigger="1000000")
    (diag,) = client_diagnostics(AnalysisResult(issues=[issue]), "a.ex", text)
    assert diag.range.start.character == col + 1 and diag.range.end.character == col + 8


def test_code_actions_for_diagnostics(tmp_path: Path) -> None:
    uri, _ = _project(tmp_path)
    out = analyse_document(uri, SAMPLE, Settings(analyzer="builtin"), tmp_path)
    assert out.result is not None
    diags = client_diagnostics(out.result, out.name, SAMPLE)
    actions = code_actions(uri, 7, SAMPLE, out.result, out.name, diags)
    titles = " | ".join(a.title for a in actions)
    assert "Readability.LargeNumbers" in titles and "DOS.StringToAtom" in titles
    # Credo's UnsafeToAtom and Sobelow's StringToAtom on one call: the same edit is offered once
    both = analyse_document(uri, SAMPLE, Settings(analyzer="builtin", enabled_checks=("Warning.UnsafeToAtom",)),
                            tmp_path).result
    assert both is not None
    both_diags = client_diagnostics(both, out.name, SAMPLE)
    assert {"Warning.UnsafeToAtom", "DOS.StringToAtom"} <= {d.code for d in both_diags}
    to_atom = [a for a in code_actions(uri, 7, SAMPLE, both, out.name, both_diags) if "to_existing_atom" in a.title]
    assert len(to_atom) == 1
    large = next(a for a in actions if "LargeNumbers" in a.title)
    change = large.edit.document_changes[0]
    assert change.text_document.version == 7 and change.edits[0].new_text == "100_000"
    assert change.edits[0].range.start == offset_to_position(SAMPLE, SAMPLE.index("100000"))
    # a diagnostic the client lost the data of still maps by code and line
    bare = [lsp.Diagnostic(range=d.range, message=d.message, code=d.code, source=d.source)
            for d in diags if d.code == "Readability.LargeNumbers"]
    assert len(code_actions(uri, 7, SAMPLE, out.result, out.name, bare)) == 1
    foreign = lsp.Diagnostic(range=diags[0].range, message="x", code="E1", source="other-linter")
    assert code_actions(uri, 7, SAMPLE, out.result, out.name, [foreign]) == []


def test_hover_quotes_summary_and_page() -> None:
    text = hover_markdown("credo", "Readability.LargeNumbers", "Numbers larger than 9999 should be written with underscores")
    assert "What it finds" in text and "How to fix" in text and "Why it matters" in text
    assert "Readability.LargeNumbers" in text
    assert "The attack" in hover_markdown("sobelow", "DOS.StringToAtom", "DOS.StringToAtom: Unsafe")
    assert hover_markdown("credo", "No.Such", "message") == "**No.Such** (credo)\n\nmessage"
    diag = lsp.Diagnostic(range=lsp.Range(lsp.Position(2, 4), lsp.Position(2, 10)), message="m",
                          code="Readability.LargeNumbers", source="credo")
    assert hover_for([diag], lsp.Position(2, 5)) is not None
    assert hover_for([diag], lsp.Position(2, 11)) is None
    assert hover_for([diag], lsp.Position(3, 5)) is None


def test_debouncer_runs_only_the_last_call() -> None:
    ran: list[int] = []

    async def scenario() -> None:
        d = Debouncer()
        for n in range(3):
            async def act(n: int = n) -> None:
                ran.append(n)
            d.schedule("doc", 0.02, act)
        assert d.pending("doc")
        await asyncio.sleep(0.08)
        d.schedule("doc", 0.02, act)
        d.cancel("doc")
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert ran == [2]


def test_vuln_findings_reported_by_module_name_link_to_their_page() -> None:
    from elixir_coder.server.features.diagnostics import check_page_path, check_page_url

    path = check_page_path("sobelow", "Vuln.CookieRCE")
    assert path is not None and path.name == "Vuln.Plug.md"
    assert check_page_url("sobelow", "Vuln.CookieRCE", "https://x.test/checks") == "https://x.test/checks/sobelow/Vuln.Plug.md"
