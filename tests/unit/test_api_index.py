"""The API index over a small real project: aliases, imports, structs, deps/, the standard library, Erlang."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from elixir_coder.server.api_index import ApiIndex
from elixir_coder.server.deps_index import DepsIndex
from elixir_coder.server.stdlib_api import load_stdlib, packaged_listing, parse_listing
from elixir_coder.server.workspace_index import ProjectIndex

ACCOUNTS = '''defmodule MyApp.Accounts do
  @moduledoc "Users."
  alias MyApp.Accounts.User

  @doc "Fetches a user or raises."
  def get_user!(id), do: id
  def list_users, do: []
  defp secret, do: :ok
end
'''
USER = '''defmodule MyApp.Accounts.User do
  use Ecto.Schema

  schema "users" do
    field :name, :string
    field :email, :string
    belongs_to :org, MyApp.Org
    timestamps()
  end
end
'''
POINT = "defmodule MyApp.Point do\n  defstruct [:lat, lng: 0.0]\n  def new, do: %__MODULE__{}\nend\n"
HELPERS = "defmodule MyApp.Helpers do\n  def format_price(cents), do: cents / 100\nend\n"
FANCY = "defmodule Fancy.Math do\n  @doc \"Adds.\"\n  def add(a, b), do: a + b\n  def __using__(_), do: nil\nend\n"
DOC = '''defmodule MyApp.Shop do
  alias MyApp.Accounts
  alias MyApp.Accounts, as: Acc
  alias MyApp.{Point, Helpers}
  import MyApp.Helpers

  @max_items 10

  def run(id) do
    Accounts.get_user!(id)
  end
end
'''


@pytest.fixture(scope="module")
def stdlib() -> dict:
    return parse_listing(packaged_listing())


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    files = {"lib/my_app/accounts.ex": ACCOUNTS, "lib/my_app/accounts/user.ex": USER, "lib/my_app/point.ex": POINT,
             "lib/my_app/helpers.ex": HELPERS, "deps/fancy/lib/fancy/math.ex": FANCY, "lib/my_app/shop.ex": DOC}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _index(root: Path, stdlib: dict, cache: Path | None = None) -> ApiIndex:
    project = ProjectIndex(root)
    project.scan()
    deps = DepsIndex(root, cache)
    deps.index_all()
    return ApiIndex(project, deps, stdlib)


def test_aliases_resolve_in_every_form(project: Path, stdlib: dict) -> None:
    api = _index(project, stdlib).at(project / "lib/my_app/shop.ex", DOC, DOC.index("Accounts.get_user!"))
    assert api.resolve("Accounts") == api.resolve("Acc") == "MyApp.Accounts"
    assert api.resolve("Point") == "MyApp.Point" and api.resolve("Helpers") == "MyApp.Helpers"
    assert api.resolve("__MODULE__") == "MyApp.Shop"
    assert api.functions("Acc") == frozenset({"get_user!", "list_users", "module_info", "__info__"})
    assert "secret" not in (api.functions("Accounts") or ())  # private
    fn = api.module("Accounts").functions[0]  # type: ignore[union-attr]
    assert (fn.name, fn.arity, fn.doc) == ("get_user!", 1, "Fetches a user or raises.")
    assert "run" in (api.functions("__MODULE__") or ())


def test_import_and_kernel_are_callable_without_prefix(project: Path, stdlib: dict) -> None:
    api = _index(project, stdlib).at(project / "lib/my_app/shop.ex", DOC, DOC.index("Accounts.get_user!"))
    callable_names = api.callable or frozenset()
    assert {"format_price", "run", "is_nil", "case", "if", "def"} <= callable_names
    assert "get_user!" not in callable_names
    assert "format_price/1" in api.unqualified()


def test_struct_fields_from_defstruct_and_ecto_schema(project: Path, stdlib: dict) -> None:
    api = _index(project, stdlib).at(project / "lib/my_app/shop.ex", DOC, DOC.index("Accounts.get_user!"))
    assert api.fields("Point") == frozenset({"lat", "lng"})
    assert {"name", "email", "org", "org_id", "inserted_at", "id"} <= (api.fields("MyApp.Accounts.User") or set())
    assert api.fields("URI") is not None and "host" in api.fields("URI")  # type: ignore[operator]
    # A module that `use`s another may get functions its source does not show: unconstrained.
    assert api.functions("MyApp.Accounts.User") is None


def test_unknown_modules_and_module_level_attributes_are_unconstrained(project: Path, stdlib: dict) -> None:
    api = _index(project, stdlib).at(project / "lib/my_app/shop.ex", DOC, DOC.index("Accounts.get_user!"))
    assert api.functions("Nope.Missing") is None and api.fields("Nope") is None
    assert api.attributes is not None and {"max_items", "doc", "spec"} <= api.attributes
    top = _index(project, stdlib).at(project / "lib/my_app/shop.ex", DOC, DOC.index("@max_items"))
    assert top.attributes is None


def test_stdlib_and_erlang_modules(stdlib: dict) -> None:
    assert {"map", "reduce", "member?"} <= stdlib["Enum"].names
    assert any(f.doc for f in stdlib["Enum"].functions if f.name == "map")
    assert {"reverse", "keyfind"} <= stdlib[":lists"].names and "lookup" in stdlib[":ets"].names
    assert "hash" in stdlib[":crypto"].names


def test_deps_are_indexed_cached_by_content_and_watched(project: Path, stdlib: dict, tmp_path_factory) -> None:
    cache = tmp_path_factory.mktemp("cache")
    index = _index(project, stdlib, cache)
    api = index.at(project / "lib/my_app/shop.ex", DOC, 0)
    assert api.functions("Fancy.Math") == frozenset({"add", "__using__", "module_info", "__info__"})
    assert index.module("Fancy.Math").origin == "deps"  # type: ignore[union-attr]
    assert len(list(cache.rglob("*.json"))) == 1
    # A second index of the same bytes reads the cache: a corrupted source would otherwise show.
    again = DepsIndex(project, cache)
    again.index_all()
    assert again.module("Fancy.Math") is not None
    # Watching: a dependency added later (`mix deps.get`) shows up without a restart.
    watched = DepsIndex(project, cache)
    watched.start(watch=True)
    try:
        assert watched.ready.wait(20)
        time.sleep(0.5)
        extra = project / "deps/extra/lib/extra.ex"
        extra.parent.mkdir(parents=True)
        extra.write_text("defmodule Extra do\n  def hello, do: :world\nend\n")
        deadline = time.monotonic() + 20
        while watched.module("Extra") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert watched.module("Extra") is not None and "hello" in watched.module("Extra").names  # type: ignore[union-attr]
        extra.unlink()
        deadline = time.monotonic() + 20
        while watched.module("Extra") is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert watched.module("Extra") is None
    finally:
        watched.stop()


@pytest.mark.skipif(shutil.which("elixir") is None, reason="needs elixir on PATH")
def test_listing_from_the_installed_elixir_is_cached(tmp_path: Path) -> None:
    modules, origin = load_stdlib(cache=tmp_path)
    assert origin == "elixir" and "Enum" in modules and ":lists" in modules
    again, origin = load_stdlib(cache=tmp_path)
    assert origin == "cache" and again["Enum"].names == modules["Enum"].names
    packaged, origin = load_stdlib(elixir="")
    assert origin == "packaged" and "String" in packaged
