"""The syntax check of proposals (server/completion_syntax.py) and the unit it parses (model/regions.py)."""

from __future__ import annotations

from elixir_coder.model.regions import unit_around, unit_end, unit_start
from elixir_coder.server.completion_syntax import SyntaxGuard, cut_points

MODULE = '''defmodule Shop.Cart do
  @moduledoc """
  Carts.

  use it like this, or
  def like that
  """

  def new, do: %{}

  def add(cart, sku, qty) do
    Map.update(cart, sku, qty, &(&1 + qty))
  end

  defp total(cart) do
    cart |> Map.values() |> Enum.sum()
  end
end
'''


def split_at(text: str, marker: str) -> tuple[str, str]:
    """The document with `marker` taken out, as prefix and suffix around where it was."""
    i = text.index(marker)
    return text[:i], text[i + len(marker):]


def cursor_before(text: str, marker: str) -> tuple[str, str]:
    """Prefix and suffix with the cursor just before `marker`."""
    i = text.index(marker)
    return text[:i], text[i:]


def test_a_unit_starts_at_its_definition_and_heredoc_text_is_no_boundary():
    at = MODULE.index("Map.update")
    start, end = unit_start(MODULE[:at]), unit_end(MODULE, at)
    assert MODULE[start:end] == "  def add(cart, sku, qty) do\n    Map.update(cart, sku, qty, &(&1 + qty))\n  end\n\n"
    # Inside the moduledoc, "  use it" and "  def like" are prose: the unit is the attribute.
    at = MODULE.index("Carts")
    assert MODULE[unit_start(MODULE[:at]):].startswith('  @moduledoc """')
    assert MODULE[unit_end(MODULE, at):].startswith("  def new")


def test_a_unit_carries_the_lines_that_enclose_it():
    last = unit_around(MODULE, MODULE.index("Enum.sum"))
    assert (last.opener, last.closer) == ("defmodule Shop.Cart do", "end")
    assert MODULE[last.start:last.end].startswith("  defp total(cart) do")
    # Another unit follows: the opener's `end` is supplied so that the unit parses balanced.
    middle = unit_around(MODULE, MODULE.index("Map.update"))
    assert (middle.opener, middle.closer) == ("defmodule Shop.Cart do", "end")
    # A script at the top level has nothing around it.
    script = "x = 1\nIO.puts(x)\n"
    assert unit_around(script, 3) == unit_around(script, 3).__class__(0, len(script), "", "")


def test_cut_points_are_lexeme_ends_longest_first_and_line_ends_for_blocks():
    assert cut_points("Enum.sum(xs) +", multiline=False) == [12, 11, 9, 8, 5, 4]
    block = "\n    if ok do\n      run(\n"
    points = cut_points(block, multiline=True)
    assert [block[:p] for p in points] == ["\n    if ok do\n      run(", "\n    if ok do", "\n    if ok", "\n    if"]


def test_a_valid_proposal_is_kept_exactly():
    prefix, suffix = split_at(MODULE, "Map.update(cart, sku, qty, &(&1 + qty))")
    checked = SyntaxGuard().check(prefix, suffix, "Map.put(cart, sku, qty)", multiline=False)
    assert checked.text == "Map.put(cart, sku, qty)" and not checked.cut and checked.parses == 1


def test_a_proposal_cut_after_an_operator_is_cut_back():
    prefix, suffix = split_at(MODULE, "cart |> Map.values() |> Enum.sum()")
    checked = SyntaxGuard().check(prefix, suffix, "cart |> Map.values() |>", multiline=False)
    assert checked.text == "cart |> Map.values()" and checked.cut
    assert checked.errors_after == checked.errors_before == 0


def test_the_module_end_after_the_unit_is_seen():
    # `def parse(x), do:` before the module's `end` is broken in the file (alone, `end` reads as a name).
    doc = "defmodule P do\n  def parse(1), do: :one\n  def \nend\n"
    prefix, suffix = doc[: doc.index("def \n") + 4], doc[doc.index("def \n") + 4:]
    checked = SyntaxGuard().check(prefix, suffix, "parse(x), do:", multiline=False)
    assert checked.text == "parse(x)"


def test_a_proposal_that_fixes_the_line_is_preferred_to_a_longer_one_that_does_not():
    doc = "defmodule E do\n  def msg(error) do\n    error.\n  end\nend\n"
    prefix, suffix = cursor_before(doc, "\n  end\nend")
    checked = SyntaxGuard().check(prefix, suffix, "message <>", multiline=False)
    assert checked.errors_before > 0
    assert checked.text == "message" and checked.errors_after == 0


def test_a_block_proposal_is_cut_at_a_line_end():
    doc = "defmodule B do\n  def run(x) do\n  end\nend\n"
    prefix, suffix = cursor_before(doc, "\n  end\nend")
    proposal = "\n    y = x + 1\n    if y > 2 do\n      IO.puts(y)"
    checked = SyntaxGuard().check(prefix, suffix, proposal, multiline=True)
    assert checked.text == "\n    y = x + 1"


def test_a_proposal_worse_than_nothing_is_dropped():
    prefix, suffix = split_at(MODULE, "Map.update(cart, sku, qty, &(&1 + qty))")
    checked = SyntaxGuard().check(prefix, suffix, ")) end", multiline=False)
    assert checked.text == "" and checked.cut


def test_parses_are_bounded():
    prefix, suffix = split_at(MODULE, "Map.update(cart, sku, qty, &(&1 + qty))")
    proposal = "foo(" + ", ".join(f"a{i}" for i in range(40)) + ",("
    checked = SyntaxGuard(max_parses=5).check(prefix, suffix, proposal, multiline=False)
    assert checked.parses == 5


def test_a_unit_the_parser_cannot_read_keeps_the_proposal_without_trying_cuts():
    from elixir_coder.server.completion_syntax import UNREADABLE_ERRORS

    rows = "\n".join(f'  <li class="row-{i}"><%= link("Item {i}", to: "/items/{i}") %></li>' for i in range(30))
    template = f'<ul class="list">\n{rows}\n  <h2 class="title">\n    Sign \n  </h2>\n</ul>\n'
    prefix, suffix = cursor_before(template, "\n  </h2>")
    checked = SyntaxGuard().check(prefix, suffix, "in to your account", multiline=False)
    assert checked.errors_before > UNREADABLE_ERRORS
    assert checked.text == "in to your account" and checked.parses == 0 and not checked.cut
