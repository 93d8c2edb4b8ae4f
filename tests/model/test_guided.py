"""Monitor-guided decoding with real CTranslate2 models and the real API index of a small project.

A bigram model that always wants `x` after anything (then `a`) makes known mistakes: the guide
must turn them into existing names. The shipped model checks the same invariants on real code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_constraints import build_bigram_model

from elixir_coder.model.engine import Engine, GenerationRequest
from elixir_coder.model.guided import MonitorGuide, PieceTrie
from elixir_coder.model.monitor import Monitor
from elixir_coder.server.api_index import ApiIndex, CursorApi
from elixir_coder.server.deps_index import DepsIndex
from elixir_coder.server.stdlib_api import packaged_listing, parse_listing
from elixir_coder.server.workspace_index import ProjectIndex

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "lib/calc/math.ex": "defmodule Calc.Math do\n  def add(a, b), do: a + b\n  def sub(a, b), do: a - b\nend\n",
    "lib/calc/point.ex": "defmodule Calc.Point do\n  defstruct [:lat, :lng]\nend\n",
    "lib/calc/fmt.ex": "defmodule Calc.Fmt do\n  def format_price(cents), do: cents\nend\n",
    "deps/fancy/lib/fancy.ex": "defmodule Fancy.Geo do\n  def distance(a, b), do: a - b\nend\n",
}
DOC = """defmodule Calc.Shop do
  alias Calc.Math, as: M
  alias Calc.{Point}
  import Calc.Fmt

  @rate 3

  def run(a) do
    CURSOR
  end
end
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ApiIndex]:
    root = tmp_path_factory.mktemp("proj")
    for name, text in {**FILES, "lib/calc/shop.ex": DOC}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    index = ProjectIndex(root)
    index.scan()
    deps = DepsIndex(root)
    deps.index_all()
    return root, ApiIndex(index, deps, parse_listing(packaged_listing()))


def cursor(project: tuple[Path, ApiIndex], line: str) -> tuple[str, str, CursorApi]:
    root, index = project
    text = DOC.replace("CURSOR", line)
    offset = text.index(line) + len(line)
    return text[:offset], text[offset:], index.at(root / "lib/calc/shop.ex", text, offset)


@pytest.fixture(scope="module")
def x_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine(build_bigram_model(tmp_path_factory.mktemp("x"), {None: [("x", 10.0), ("a", 6.0)]}))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def shipped() -> Iterator[Engine]:
    engine = Engine(REPO / "model" / "default" / "base")
    yield engine
    engine.close()


def generate(engine: Engine, prefix: str, suffix: str, api: CursorApi | None) -> str:
    req = GenerationRequest(prefix=prefix, suffix=suffix, max_tokens=8, stop_at_newline=True, constrained=True,
                            api=api)
    return engine.generate(req)[0].text


def test_an_alias_gets_an_existing_function(project, x_model: Engine) -> None:
    prefix, suffix, api = cursor(project, "M.")
    assert generate(x_model, prefix, suffix, None).startswith("xx")  # the model's known mistake
    text = generate(x_model, prefix, suffix, api)
    assert re.match(r"(add|sub|module_info|__info__)\b", text), text


def test_a_deps_module_gets_an_existing_function(project, x_model: Engine) -> None:
    prefix, suffix, api = cursor(project, "Fancy.Geo.")
    text = generate(x_model, prefix, suffix, api)
    assert re.match(r"(distance|module_info|__info__)\b", text), text


def test_typed_text_is_kept_prefix_consistent(project, x_model: Engine) -> None:
    prefix, suffix, api = cursor(project, "Enum.redu")
    assert generate(x_model, prefix, suffix, api).startswith("ce")  # reduce, reduce_while


def test_a_struct_key_is_a_field(project, x_model: Engine) -> None:
    prefix, suffix, api = cursor(project, "%Point{lat: a, ")
    text = generate(x_model, prefix, suffix, api)
    assert re.match(r"(lat|lng)\b", text), text


def test_an_attribute_in_a_body_is_one_the_module_defines(project, x_model: Engine) -> None:
    prefix, suffix, api = cursor(project, "a * @")
    text = generate(x_model, prefix, suffix, api)
    assert re.match(r"\w+", text) and re.match(r"\w+", text).group(0) in (api.attributes or ()), text  # type: ignore[union-attr]


def test_an_unknown_module_is_left_alone(project, x_model: Engine) -> None:
    prefix, suffix, api = cursor(project, "Nope.Missing.")
    assert generate(x_model, prefix, suffix, api) == generate(x_model, prefix, suffix, None)


def test_an_imported_function_satisfies_the_monitor(project) -> None:
    prefix, _, api = cursor(project, "y = ")
    monitor = Monitor(api, prefix)
    assert monitor.check("format_price(a)", 12) is None  # imported from Calc.Fmt
    assert monitor.check("is_nil(a)", 6) is None  # Kernel
    wrong = monitor.check("format_prise(a)", 12)
    assert wrong is not None and wrong.kind == "local" and wrong.at == 0
    assert monitor.check('"format_prise(a)"', 13) is None  # in a string
    assert monitor.check("def format_prise(a)", 16) is None  # a definition, not a call
    template = Monitor(api, prefix + '~H"""\n<a href={')
    assert template.check("M.add(a)}>", 3) is None and template.check("M.mul(a)}>", 3) is not None
    assert template.check("}>M.mul(a)", 5) is None  # template text, not code


def test_an_identifier_left_unfinished_is_completed_or_cut(project, shipped: Engine) -> None:
    prefix, _, api = cursor(project, "x = ")
    guide = MonitorGuide(shipped.tokenizer, api, prefix)
    assert guide.finish("M.su") == "M.sub"  # one name fits
    assert guide.finish("Enum.ma") == "Enum."  # map, max, ...: cut before the name
    assert guide.finish("M.add") == "M.add" and guide.finish("Nope.fo") == "Nope.fo"


def test_piece_trie_allows_exactly_the_valid_continuations(shipped: Engine) -> None:
    engine = shipped
    trie = PieceTrie(engine.tokenizer)
    names = ("map", "map_join", "max")
    for idx in trie.allowed("", "ma", names):
        piece = engine.tokenizer.decode([idx])
        word = re.match(r"[\w?!]*", piece).group(0)  # type: ignore[union-attr]
        assert any(n.startswith("ma" + word) for n in names), piece
        if len(word) < len(piece):
            assert "ma" + word in names, piece
    allowed = {engine.tokenizer.decode([i]) for i in trie.allowed("", "ma", names)}
    assert {"p", "x"} <= allowed and "y" not in allowed
    assert "(" not in allowed  # `ma` is no name yet
    assert "(" in {engine.tokenizer.decode([i]) for i in trie.allowed("", "map", names)}


def test_shipped_model_calls_only_existing_functions(project, shipped: Engine) -> None:
    engine = shipped
    for line in ("M.", "Enum.", "String.", "Fancy.Geo.", ":lists."):
        prefix, suffix, api = cursor(project, f"x = {line}")
        text = engine.generate(GenerationRequest(prefix=prefix, suffix=suffix, max_tokens=12, stop_at_newline=True,
                                                 constrained=True, api=api))[0].text
        word = re.match(r"[a-z_]\w*[?!]?", text)
        if word:  # the completion may also be cut to nothing, never to an invented name
            assert word.group(0) in (api.functions(line.rstrip(".")) or ()), (line, text)
