"""ParsedText.keeps_parsing agrees with the whole-file check while parsing only the statement around an edit."""

from __future__ import annotations

import random

from elixir_coder.assist.fixes import Edit, keeps_parsing
from elixir_coder.server.features.quick_fix_check import ParsedText

SOURCE = '''defmodule Shop.Cart do
  @moduledoc "Carts with prices in cents: 1000000 is ten thousand."

  def new, do: %{}

  def add(cart, sku, qty) when qty > 0 do
    Map.update(cart, sku, qty, fn old -> old + qty end)
  end

  def total(cart) do
    cart
    |> Enum.map(fn {_sku, qty} -> qty * 100000 end)
    |> Enum.sum()
  end

  defp label(name), do: "caf\u00e9 #{name}"
end
'''


def test_never_passes_an_edit_the_whole_file_check_rejects_and_mostly_agrees() -> None:
    # Parsed alone, a statement may reject what its context allows (`a -> b` is a clause only inside
    # a block): a fix is then not offered, which is safe. The reverse would offer a breaking fix.
    rng = random.Random(18)
    parsed = ParsedText(SOURCE)
    pieces = ["", " ", "\n", "end", "(", ")", "do", ",", "x", "\"", "#", "1_000", "fn", "->", "%{", "}"]
    agree = 0
    for _ in range(400):
        start = rng.randrange(len(SOURCE))
        end = min(len(SOURCE), start + rng.randrange(6))
        edits = [Edit(start, end, rng.choice(pieces))]
        fast, whole = parsed.keeps_parsing(edits), keeps_parsing(SOURCE, edits)
        assert whole or not fast, (start, end, edits[0].new_text)
        agree += fast == whole
    assert agree >= 360


def test_layout_edits_need_no_parse_and_a_broken_text_cannot_get_worse() -> None:
    text = "defmodule A do\n  def f, do: 1   \n\n\nend\n"
    parsed = ParsedText(text)
    assert parsed.keeps_parsing([Edit(text.index("1") + 1, text.index("1") + 4, "")])
    assert parsed._tree is None  # decided without parsing
    broken = ParsedText("defmodule A do\n  def f(, do: 1\nend\n")
    assert broken.keeps_parsing([Edit(0, 9, "")])
