"""Checked proposals: the real analyzer (Credo warning checks, Sobelow call-site checks) on the unit."""

from __future__ import annotations

from elixir_coder.server.completion_findings import FindingGuard

PREFIX = '''defmodule ShopWeb.PageController do
  use ShopWeb, :controller

  def show(conn, params) do
    kind = '''
SUFFIX = '''
    render(conn, "show.html", kind: kind)
  end
end
'''


def test_a_proposal_adding_a_sobelow_finding_is_dropped() -> None:
    checked = FindingGuard().check(PREFIX, SUFFIX, 'String.to_atom(params["x"])', False)
    assert checked.text == "" and checked.cut
    assert "DOS.StringToAtom" in checked.added and "Credo.Check.Warning.UnsafeToAtom" in checked.added


def test_a_proposal_is_cut_back_to_what_adds_nothing() -> None:
    checked = FindingGuard().check(PREFIX, SUFFIX, 'Map.get(params, "kind") |> IO.inspect()', False)
    assert checked.text == 'Map.get(params, "kind")' and checked.cut
    assert checked.added == ("Credo.Check.Warning.IoInspect",)


def test_a_clean_proposal_is_kept_and_existing_findings_do_not_count() -> None:
    guard = FindingGuard()
    assert guard.check(PREFIX, SUFFIX, 'Map.get(params, "kind")', False).text == 'Map.get(params, "kind")'
    noisy = PREFIX.replace("    kind = ", "    IO.inspect(params)\n    kind = ")
    checked = guard.check(noisy, SUFFIX, 'Map.get(params, "kind")', False)
    assert checked.text == 'Map.get(params, "kind")' and not checked.cut


def test_the_unit_outside_a_controller_still_counts_low_confidence_findings() -> None:
    prefix = "defmodule Shop.Kinds do\n  def parse(value) do\n    "
    checked = FindingGuard().check(prefix, "\n  end\nend\n", "String.to_atom(value)", False)
    assert "to_atom(value" not in checked.text and checked.cut and "DOS.StringToAtom" in checked.added
