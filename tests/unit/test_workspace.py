"""Project index, adapter routing, module headers, signature context and symbol completions."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from elixir_coder.server.workspace import (
    ProjectIndex,
    Symbol,
    adapter_for,
    mix_deps,
    module_header,
    project_deps,
    signature_context,
    symbol_completions,
)

MIX_EXS = '''defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", deps: deps()]
  end

  # {:not_a_dep, "1.0"} in a comment is not a dependency
  defp deps do
    [
      {:phoenix, "~> 1.7"},
      {:ecto_sql, "~> 3.10"},
      {:credo, "~> 1.7", only: [:dev, :test], runtime: false}
    ]
  end
end
'''

CART = '''defmodule Shop.Cart do
  @moduledoc """
  A shopping cart.
  """
  alias Shop.{Item, Price}
  alias Shop.Repo, as: Store
  import Enum, only: [map: 2]

  @max_items 50
  @currency "EUR"

  @type t :: %__MODULE__{items: list()}
  defstruct items: []

  @doc """
  Adds `quantity` of `sku` to the cart.

  Longer text.
  """
  @spec add(t(), String.t(), pos_integer()) :: t()
  def add(cart, sku, quantity \\\\ 1) when quantity > 0 do
    price = Price.of(sku)
    %{cart | items: [{Item.new(sku, price), quantity} | cart.items]}
  end

  @doc "Total price."
  def total(%__MODULE__{items: items}), do: items |> map(&elem(&1, 1)) |> Enum.sum()

  @doc false
  def internal_hook(cart), do: cart

  defmacro is_empty(cart), do: quote(do: unquote(cart).items == [])

  defp check(cart), do: cart

  defmodule Line do
    @moduledoc "One line of a cart."
    def new(sku, qty), do: {sku, qty}
  end
end
'''

PRICE = '''defmodule Shop.Price do
  @moduledoc "Prices."
  @doc "Price of a SKU in cents."
  @spec of(String.t()) :: non_neg_integer()
  def of(sku) when is_binary(sku), do: byte_size(sku) * 100
  def of(_), do: 0

  @doc "Formats cents."
  def format(cents, currency \\\\ "EUR", opts \\\\ []), do: "#{cents} #{currency} #{inspect(opts)}"
  defp round_cents(c), do: c
end
'''

ITEM = '''defmodule Shop.Item do
  defstruct [:sku, :price]
  def new(sku, price), do: %__MODULE__{sku: sku, price: price}
end
'''

TEST = '''defmodule Shop.CartTest do
  use ExUnit.Case, async: true
  alias Shop.Cart

  test "adds" do
    assert Cart.add(%Cart{}, "a").items != []
  end
end
'''

BROKEN = '''defmodule Shop.Broken do
  alias Shop.Item
  @doc "Kept."
  def kept(a), do: a

  def half(
  defp after_error(x), do: x
end
'''


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    files = {
        "mix.exs": MIX_EXS,
        "lib/shop/cart.ex": CART,
        "lib/shop/price.ex": PRICE,
        "lib/shop/item.ex": ITEM,
        "lib/shop/broken.ex": BROKEN,
        "test/shop/cart_test.exs": TEST,
        "test/test_helper.exs": "ExUnit.start()\n",
        # Never indexed: build output, dependencies, hidden folders.
        "_build/dev/lib/x.ex": "defmodule Built do\nend\n",
        "deps/phoenix/lib/phoenix.ex": "defmodule Phoenix do\nend\n",
        ".elixir_ls/x.ex": "defmodule Hidden do\nend\n",
        "node_modules/y/z.ex": "defmodule Npm do\nend\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    (tmp_path / "lib/shop/blob.ex").write_bytes(b"\x00\x01\x02defmodule Bin do end")
    (tmp_path / "lib/shop/latin1.ex").write_bytes("defmodule Caf\xe9 do end\n".encode("latin-1"))
    (tmp_path / "lib/shop/huge.ex").write_text("defmodule Huge do\n" + "# pad\n" * 50_000 + "end\n")
    return tmp_path


@pytest.fixture()
def index(project: Path) -> ProjectIndex:
    idx = ProjectIndex(project)
    idx.scan(max_bytes_per_file=200_000)
    return idx


# --- index -----------------------------------------------------------------------------------------


def test_scan_indexes_project_code_and_skips_what_it_cannot_read(project: Path) -> None:
    idx = ProjectIndex(project)
    report = idx.scan(max_bytes_per_file=200_000)
    names = {m.name for m in idx.modules()}
    assert {"Shop.Cart", "Shop.Cart.Line", "Shop.Price", "Shop.Item", "Shop.CartTest", "Shop.Broken"} <= names
    assert not names & {"Built", "Phoenix", "Hidden", "Npm", "Bin", "Huge"}
    reasons = {p.name: why for p, why in report.skipped}
    assert reasons["blob.ex"] == "binary file"
    assert reasons["latin1.ex"].startswith("not UTF-8")
    assert reasons["huge.ex"].startswith("too large")
    assert report.files_indexed == 7 and report.modules == len(names) and not report.truncated
    assert all(p.suffix in (".ex", ".exs") for p in idx.files())


def test_scan_stops_at_max_files_preferring_lib(project: Path) -> None:
    idx = ProjectIndex(project)
    report = idx.scan(max_files=2)
    assert report.truncated and report.files_indexed == 2
    assert all("lib" in p.parts for p in idx.files())


def test_scan_without_root_or_missing_root_is_empty(tmp_path: Path) -> None:
    assert ProjectIndex(None).scan().files_indexed == 0
    assert ProjectIndex(tmp_path / "nope").scan().files_indexed == 0


def test_module_facts(index: ProjectIndex) -> None:
    cart = index.module("Shop.Cart")
    assert cart is not None and cart.doc == "A shopping cart." and cart.line == 1
    assert cart.aliases == {"Item": "Shop.Item", "Price": "Shop.Price", "Store": "Shop.Repo",
                            "Line": "Shop.Cart.Line"}
    assert cart.imports == ("Enum",)
    assert cart.attributes == {"max_items": 9, "currency": 10}
    arities = {(f.name, f.arity, f.kind) for f in cart.functions}
    assert arities == {("add", 2, "def"), ("add", 3, "def"), ("total", 1, "def"), ("internal_hook", 1, "def"),
                       ("is_empty", 1, "defmacro"), ("check", 1, "defp")}
    add3 = cart.function("add", 3)
    assert add3 is not None and add3.line == 21
    assert add3.doc == "Adds `quantity` of `sku` to the cart."
    assert add3.spec == "add(t(), String.t(), pos_integer()) :: t()" and add3.returns == "t()"
    assert add3.head == "add(cart, sku, quantity \\\\ 1)"
    add2 = cart.function("add", 2)
    assert add2 is not None and add2.spec is None and add2.params_at_arity() == ["cart", "sku"]
    hook = cart.function("internal_hook", 1)
    assert hook is not None and hook.hidden and hook.doc is None
    line = index.module("Shop.Cart.Line")
    assert line is not None and line.parent == "Shop.Cart" and line.function("new", 2) is not None

    price = index.module("Shop.Price")
    assert price is not None
    # Two clauses of of/1 are one function; three arities from two defaults.
    assert [(f.name, f.arity) for f in price.functions] == [
        ("of", 1), ("format", 1), ("format", 2), ("format", 3), ("round_cents", 1)]
    fmt1 = price.function("format", 1)
    assert fmt1 is not None and fmt1.params_at_arity() == ["cents"] and fmt1.doc == "Formats cents."


@pytest.mark.skipif(shutil.which("elixir") is None, reason="needs the elixir executable")
def test_public_arities_match_what_elixir_compiles(project: Path, index: ProjectIndex) -> None:
    script = (
        'for f <- ["lib/shop/item.ex", "lib/shop/price.ex", "lib/shop/cart.ex"], do: Code.require_file(f)\n'
        "for m <- [Shop.Cart, Shop.Price, Shop.Item, Shop.Cart.Line] do\n"
        '  fs = for {n, a} <- m.__info__(:functions) ++ m.__info__(:macros), n != :__struct__, '
        'do: "#{n}/#{a}"\n'
        '  IO.puts(inspect(m) <> " " <> Enum.join(Enum.sort(fs), ","))\n'
        "end\n"
    )
    out = subprocess.run(["elixir", "-e", script], cwd=project, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    for line in out.strip().splitlines():
        name, _, funs = line.partition(" ")
        mod = index.module(name)
        assert mod is not None, name
        ours = sorted(f"{f.name}/{f.arity}" for f in mod.functions if f.public)
        assert ours == sorted(funs.split(",")) if funs else ours == [], name


def test_broken_file_gives_what_it_can(index: ProjectIndex, project: Path) -> None:
    broken = index.module("Shop.Broken")
    assert broken is not None and broken.aliases == {"Item": "Shop.Item"}
    kept = broken.function("kept", 1)
    assert kept is not None and kept.doc == "Kept."
    assert broken.function("after_error", 1) is not None


def test_update_reparses_one_file_and_keeps_functions_while_the_file_is_half_typed(
    index: ProjectIndex, project: Path
) -> None:
    path = project / "lib/shop/item.ex"
    typed = ITEM[:-4] + "  def price(item), do: item.price\nend\n"
    index.update(path, typed)
    item = index.module("Shop.Item")
    assert item is not None and item.function("price", 1) is not None and item.function("new", 2) is not None
    # Typing a new call at the end of `new/2` breaks the parse: what was known stays known.
    half = typed.replace("price: price}", "price: price}\n    Shop.Cart.")
    index.update(path, half)
    item = index.module("Shop.Item")
    assert item is not None and item.function("price", 1) is not None
    # Same inside a do-block: the parse now fails (a missing `end`), and price/1 stays known.
    in_block = typed.replace("def new(sku, price), do: %__MODULE__{sku: sku, price: price}",
                             "def new(sku, price) do\n    Shop.Cart.\n  end")
    assert in_block != typed
    index.update(path, in_block)
    item = index.module("Shop.Item")
    assert item is not None and item.function("price", 1) is not None and item.function("new", 2) is not None
    # A clean parse replaces everything: a renamed function is gone.
    index.update(path, typed.replace("def price(", "def cost("))
    item = index.module("Shop.Item")
    assert item is not None and item.function("price", 1) is None and item.function("cost", 1) is not None
    # A module renamed in an open document leaves the index under its old name.
    index.update(path, ITEM.replace("Shop.Item", "Shop.Product"))
    assert index.module("Shop.Item") is None and index.module("Shop.Product") is not None
    index.remove(path)
    assert index.module("Shop.Product") is None and path not in index.files()


def test_refresh_reads_disk_and_drops_deleted_or_binary_files(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/new.ex"
    path.write_text("defmodule Shop.New do\n  def hi, do: :hi\nend\n")
    index.refresh(path)
    assert index.module("Shop.New") is not None
    path.write_bytes(b"\x00binary now")
    assert index.refresh(path) == [] and index.module("Shop.New") is None
    index.update(path, "defmodule Shop.New do\nend\n")
    path.unlink()
    index.refresh(path)
    assert index.module("Shop.New") is None


def test_module_defined_twice_survives_removal_of_one_copy(index: ProjectIndex, project: Path) -> None:
    stub = project / "test/support/item_stub.ex"
    index.update(stub, ITEM)
    index.remove(stub)
    assert index.module("Shop.Item") is not None


def test_readers_and_one_writer_in_parallel(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                mod = index.module("Shop.Cart")
                assert mod is None or mod.function("add", 3) is not None
                signature_context(index, path, CART, line=22)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    for i in range(30):
        index.update(path, CART + f"\n# edit {i}\n")
    stop.set()
    for t in readers:
        t.join()
    assert errors == []


# --- adapter routing ----------------------------------------------------------------------------


def test_project_deps_from_mix_exs_and_umbrella_apps(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert project_deps(project) == {"phoenix", "ecto_sql", "credo"}
    umbrella = tmp_path_factory.mktemp("umbrella")
    (umbrella / "mix.exs").write_text(
        'defmodule U.MixProject do\n  use Mix.Project\n  def project, do: [apps_path: "apps", deps: deps()]\n'
        "  defp deps, do: [{:credo, \"~> 1.7\"}]\nend\n")
    (umbrella / "apps/fw").mkdir(parents=True)
    (umbrella / "apps/fw/mix.exs").write_text(
        "defmodule Fw.MixProject do\n  use Mix.Project\n  def project do\n    [app: :fw, deps: deps()]\n  end\n"
        "  defp deps do\n    [{:nerves, \"~> 1.10\", runtime: false}, {:core, in_umbrella: true}]\n  end\nend\n")
    (umbrella / "apps/junk").mkdir()
    (umbrella / "apps/junk/mix.exs").write_bytes(b"\xff\xfe\x00garbage")
    assert project_deps(umbrella) == {"credo", "nerves", "core"}
    assert project_deps(tmp_path_factory.mktemp("empty")) == set()
    assert project_deps(None) == set()


def test_mix_deps_inline_and_broken() -> None:
    assert mix_deps('defmodule X.MixProject do\n def project, do: [deps: [{:nerves, "~> 1.10"}]]\nend\n') == {"nerves"}
    # A half-edited deps list still yields the entries that parse.
    assert "phoenix" in mix_deps('defmodule X.MixProject do\n defp deps do\n [{:phoenix, "~> 1.7"},\n {:ecto,\n end\nend\n')
    assert mix_deps("") == set()


def test_adapter_for_routes_tests_phoenix_nerves_and_base() -> None:
    phoenix = {"phoenix", "ecto_sql"}
    assert adapter_for("/p/test/shop/cart_test.exs", "", phoenix) == "exunit"
    assert adapter_for("/p/apps/a/test/x_test.exs", "", set()) == "exunit"
    assert adapter_for("/p/lib/x_test.exs", "", set()) == "base"  # not under test/
    assert adapter_for("/p/test/support/conn_case.ex", "defmodule C do\nend\n", phoenix) == "phoenix"
    assert adapter_for(None, "defmodule T do\n  use ExUnit.Case, async: true\nend\n", phoenix) == "exunit"
    assert adapter_for("/p/lib/x.exs", "ExUnit.start()\n", set()) == "exunit"
    assert adapter_for("/p/lib/x.ex", "  use MyAppWeb.ConnCase\n", phoenix) == "exunit"
    assert adapter_for("/p/lib/shop_web/router.ex", "", phoenix) == "phoenix"
    assert adapter_for("/p/lib/fw.ex", "", {"nerves", "phoenix"}) == "phoenix"
    assert adapter_for("/p/lib/fw.ex", "", {"nerves"}) == "nerves"
    assert adapter_for("/p/lib/x.ex", "", set()) == "base"


def test_adapter_override_and_fallback_to_base() -> None:
    assert adapter_for("/p/lib/x.ex", "", {"phoenix"}, override="nerves") == "nerves"
    assert adapter_for("/p/test/x_test.exs", "", set(), override="Phoenix") == "phoenix"
    assert adapter_for("/p/lib/x.ex", "", {"phoenix"}, override="auto", available=["base"]) == "base"
    assert adapter_for("/p/lib/x.ex", "", set(), override="magic") == "base"
    assert adapter_for("/p/lib/x.ex", "", {"nerves"}, override=None, available=("base", "nerves")) == "nerves"
    assert adapter_for("/p/lib/x.ex", "", {"nerves"}, override="", available=("base",)) == "base"


# --- module header ----------------------------------------------------------------------------------


def test_module_header_keeps_module_line_and_directives_before_cursor() -> None:
    cursor = CART.index("    price = Price.of(sku)")
    header = module_header(CART[:cursor])
    assert header.splitlines() == [
        "defmodule Shop.Cart do",
        "  alias Shop.{Item, Price}",
        "  alias Shop.Repo, as: Store",
        "  import Enum, only: [map: 2]",
    ]


def test_module_header_nested_multiline_and_closed_modules() -> None:
    prefix = (
        "defmodule Done do\n  alias Gone.Away\nend\n\n"
        "defmodule Outer do\n  @moduledoc \"\"\"\n  alias Not.ADirective\n  \"\"\"\n"
        "  use GenServer\n  require Logger\n\n  def f do\n    alias Local.Only\n  end\n\n"
        "  defmodule Inner do\n    alias Shop.{\n      Cart,\n      Item\n    }\n    import Kernel,\n      except: [+: 2]\n\n"
        "    def g(x) do\n      x"
    )
    assert module_header(prefix).splitlines() == [
        "defmodule Outer do", "  use GenServer", "  require Logger",
        "  defmodule Inner do", "    alias Shop.{", "      Cart,", "      Item", "    }",
        "    import Kernel,", "      except: [+: 2]",
    ]
    # After Inner's `end` only Outer remains.
    closed = prefix + "\n    end\n  end\n\n  def h, do: 1\n  "
    assert module_header(closed).splitlines() == ["defmodule Outer do", "  use GenServer", "  require Logger"]
    assert module_header("") == "" and module_header("x = 1\n") == ""


# --- signature context ------------------------------------------------------------------------------


def test_signature_context_current_module_nearest_first_then_aliases(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    cursor_line = CART.splitlines().index("  defp check(cart), do: cart")
    block = signature_context(index, path, CART, max_lines=30, line=cursor_line)
    lines = block.splitlines()
    assert all(line.startswith("# ") for line in lines)
    assert lines[0] == "# defp check(cart)"
    assert "# Shop.Cart.add(cart, sku, quantity \\\\ 1) :: t()" in lines
    assert "# defmacro Shop.Cart.is_empty(cart)" in lines
    # Item is used (Item.new) after Price (Price.of) in the text, so its functions come first.
    price_at = lines.index("# Shop.Price.of(sku) :: non_neg_integer()")
    item_at = lines.index("# Shop.Item.new(sku, price)")
    assert item_at < price_at
    assert '# Shop.Price.format(cents, currency \\\\ "EUR", opts \\\\ [])' in lines
    assert not any("round_cents" in line for line in lines)  # private in another module
    assert "# Shop.Cart.Line.new(sku, qty)" in lines  # nested module is aliased as Line
    assert len(lines) == len(set(lines))


def test_signature_context_is_bounded_and_empty_outside_modules(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    short = signature_context(index, path, CART, max_lines=4, line=21)
    assert len(short.splitlines()) == 4
    assert any(line.startswith("# Shop.Price.") or line.startswith("# Shop.Item.") or "Line" in line
               for line in short.splitlines())
    assert signature_context(index, path, CART, max_lines=0) == ""
    assert signature_context(index, None, "x = 1\n") == ""
    # The prefix of an unsaved buffer is enough: the module is read from the text itself.
    prefix = "defmodule Scratch do\n  alias Shop.Price\n  def go(x), do: x\n  def run do\n    "
    got = signature_context(index, None, prefix).splitlines()
    assert got[:2] == ["# Scratch.run()", "# Scratch.go(x)"]
    assert "# Shop.Price.of(sku) :: non_neg_integer()" in got


# --- symbol completions -------------------------------------------------------------------------------


def _complete(index: ProjectIndex, path: Path | None, text: str) -> list[Symbol]:
    """Complete at the `<|>` marker of `text`."""
    before, after = text.split("<|>")
    line = before.count("\n")
    return symbol_completions(index, path, before + after, line, len(before.split("\n")[-1]))


def test_completion_after_alias_lists_public_functions(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    text = CART.replace("    price = Price.of(sku)", "    price = Price.<|>")
    symbols = _complete(index, path, text)
    assert [(s.label, s.detail.split()[0]) for s in symbols] == [
        ("of", "of/1"), ("format", "format/1"), ("format", "format/2"), ("format", "format/3")]
    of = symbols[0]
    assert of.kind == "function" and of.documentation == "Price of a SKU in cents."
    assert of.detail == "of/1  of(String.t()) :: non_neg_integer()"
    assert of.is_snippet and of.insert_text == "of(${1:sku})"
    assert symbols[2].insert_text == "format(${1:cents}, ${2:currency})"
    # The partial word filters; `as:` aliases and nested modules resolve.
    assert [s.detail for s in _complete(index, path, CART.replace("Price.of(sku)", "Price.fo<|>"))] == [
        "format/1", "format/2", "format/3"]
    assert [s.label for s in _complete(index, path, CART.replace("Price.of(sku)", "Line.<|>"))] == ["new"]
    # Hidden (@doc false) and private functions are not offered; macros are.
    labels = {s.label for s in _complete(index, path, CART.replace("Price.of(sku)", "Shop.Cart.<|>"))}
    assert labels == {"add", "total", "is_empty", "Line"}


def test_completion_after_at_lists_module_attributes(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    symbols = _complete(index, path, CART.replace("    price = Price.of(sku)", "    x = @<|>"))
    assert [(s.label, s.kind, s.insert_text) for s in symbols] == [
        ("currency", "attribute", "currency"), ("max_items", "attribute", "max_items")]
    assert [s.label for s in _complete(index, path, CART.replace("    price = Price.of(sku)", "    x = @ma<|>"))] == [
        "max_items"]


def test_completion_of_local_functions_and_aliases(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    symbols = _complete(index, path, CART.replace("    price = Price.of(sku)", "    c<|>"))
    assert [(s.label, s.detail) for s in symbols] == [("check", "check/1")]
    symbols = _complete(index, path, CART.replace("    price = Price.of(sku)", "    P<|>"))
    assert [(s.label, s.kind, s.detail, s.documentation) for s in symbols] == [
        ("Price", "module", "Shop.Price", "Prices.")]
    everything = _complete(index, path, CART.replace("    price = Price.of(sku)", "    <|>"))
    assert {s.label for s in everything if s.kind == "module"} == {"Item", "Price", "Store", "Line"}
    assert {s.label for s in everything if s.kind == "function"} >= {"add", "total", "check", "internal_hook"}


def test_completion_edge_cases(index: ProjectIndex, project: Path) -> None:
    path = project / "lib/shop/cart.ex"
    assert _complete(index, path, CART.replace("  @max_items 50", "  # Price.<|>")) == []
    assert symbol_completions(index, path, CART, 999, 0) == []
    assert _complete(index, None, "x = Nope.<|>") == []
    assert _complete(index, path, CART.replace("    price = Price.of(sku)", "    cart.it<|>")) == []
    # An unsaved, half-typed buffer still completes from its own text and the index.
    buffer = "defmodule Scratch do\n  alias Shop.Item\n  def go(x), do: x\n  def run do\n    Item.<|>"
    assert [s.label for s in _complete(index, None, buffer)] == ["new"]
    assert json.dumps([s.__dict__ for s in _complete(index, None, buffer)])  # plain data for the handler
