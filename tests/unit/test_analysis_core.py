"""Core analyzer pieces: the Elixir term reader, .credo.exs, inline directives, scopes, source handling."""

from __future__ import annotations

import pytest

from elixir_coder.analysis.credo_config import CredoConfigError, parse_credo_config
from elixir_coder.analysis.directives import apply_directives, find_directives
from elixir_coder.analysis.issues import Issue, priority_name, priority_to_int
from elixir_coder.analysis.scope import ScopeIndex
from elixir_coder.analysis.source import SourceDecodeError, SourceFile
from elixir_coder.analysis.terms import Atom, Regex, TermError, parse_term_file, to_plain

CREDO_EXS = """
# project config
%{
  configs: [
    %{name: "other", strict: false},
    %{
      name: "default",
      files: %{included: ["lib/", "test/"], excluded: [~r"/_build/", "lib/generated/"]},
      strict: true,
      checks: %{
        enabled: [
          {Credo.Check.Readability.MaxLineLength, [max_length: 100]},
          {Credo.Check.Readability.Specs, []},
          {Credo.Check.Design.TagTODO, false}
        ],
        disabled: [{Credo.Check.Refactor.Nesting, []}]
      }
    }
  ]
}
"""


def test_terms_read_maps_keywords_sigils_and_numbers() -> None:
    term = parse_term_file('%{"k" => {:ok, -2.5}, a: [b: 1_000, c: "x\\ny"], r: ~r/a+b/i, w: ~w(x y)a}')
    plain = to_plain(term)
    assert plain["a"] == {"b": 1000, "c": "x\ny"}
    assert plain["k"] == ("ok", -2.5)
    assert plain["r"] == Regex("a+b", "i")
    assert plain["r"].compile().search("xAAB")
    assert term[Atom("w")] == [Atom("x"), Atom("y")]


def test_terms_reject_broken_files() -> None:
    with pytest.raises(TermError):
        parse_term_file("%{a: [1, 2}")
    with pytest.raises(TermError):
        parse_term_file("# only a comment\n")


def test_credo_exs_selects_named_config_and_checks() -> None:
    config = parse_credo_config(CREDO_EXS)
    assert config.strict is True
    assert config.only_enabled == {"Credo.Check.Readability.MaxLineLength", "Credo.Check.Readability.Specs"}
    assert config.params_for("Credo.Check.Readability.MaxLineLength") == {"max_length": 100}
    assert not config.is_enabled("Credo.Check.Design.TagTODO", True)
    assert not config.is_enabled("Credo.Check.Refactor.Nesting", True)
    assert config.is_enabled("Credo.Check.Readability.Specs", False)
    assert config.includes_file("lib/app.ex")
    assert not config.includes_file("lib/generated/x.ex")
    assert not config.includes_file("_build/dev/x.ex") and not config.includes_file("priv/x.ex")


def test_credo_exs_list_form_merges_into_defaults() -> None:
    config = parse_credo_config(
        "%{configs: [%{name: \"default\", checks: [{Credo.Check.Warning.UnsafeToAtom, []},"
        " {Credo.Check.Design.TagTODO, false}]}]}"
    )
    assert config.only_enabled is None
    assert config.is_enabled("Credo.Check.Warning.UnsafeToAtom", False)
    assert config.is_enabled("Credo.Check.Readability.LargeNumbers", True)
    assert not config.is_enabled("Credo.Check.Design.TagTODO", True)


def test_credo_exs_errors_are_clear() -> None:
    with pytest.raises(CredoConfigError, match="configs"):
        parse_credo_config("%{checks: []}")
    with pytest.raises(CredoConfigError, match="syntax error"):
        parse_credo_config("%{configs: [")


def _issue(line: int, check: str = "Credo.Check.Readability.LargeNumbers") -> Issue:
    return Issue(check=check, category="readability", message="m", filename="a.ex", line_no=line)


def test_directives_cover_lines_ranges_and_files() -> None:
    src = SourceFile(
        "a.ex",
        "defmodule A do\n"
        "  # credo:disable-for-next-line\n"
        "  @a 100000\n"
        "  @b 100000 # credo:disable-for-previous-line Credo.Check.Readability.LargeNumbers\n"
        "  # credo:disable-for-lines:2 Readability.LargeNumbers\n"
        "  @c 100000\n"
        "  @d 100000\n"
        "  @e 100000\n"
        "end\n",
    )
    directives = find_directives(src)
    kept = apply_directives([_issue(n) for n in (3, 4, 6, 7, 8)], directives)
    assert [i.line_no for i in kept] == [4, 8]
    other = apply_directives([_issue(6, "Credo.Check.Design.TagTODO")], directives)
    assert len(other) == 1
    whole = SourceFile("b.ex", "# credo:disable-for-this-file Design.TagTODO\n# TODO: x\n")
    assert apply_directives([_issue(2, "Credo.Check.Design.TagTODO"), _issue(2)], find_directives(whole)) == [_issue(2)]


def test_priorities_follow_credo() -> None:
    assert priority_to_int("high") == 10 and priority_to_int(":low") == -10 and priority_to_int(None) == 0
    assert priority_to_int("3") == 3
    assert [priority_name(v) for v in (25, 12, 1, -5, -50)] == ["higher", "high", "normal", "low", "ignore"]
    with pytest.raises(ValueError):
        priority_to_int("urgent")


def test_scope_names_and_priorities_match_credo_rules() -> None:
    src = SourceFile(
        "a.ex",
        "defmodule Sample.Module do\n"
        "  def fun0, do: 1\n"
        "  def fun1(p1), do: 2\n"
        "  def fun3(p1, p2, p3), do: 4\n"
        "  def fun5(p1, p2, p3, p4, p5) do\n"
        "    p1\n"
        "  end\n"
        "  defp other(a), do: a\n"
        "end\n",
    )
    index = ScopeIndex(src)
    assert index.name_at(6) == "Sample.Module.fun5"
    # five definitions make the module weigh 2; five parameters add 3
    assert index.priority_at(6) == 2 + 3
    assert index.priority_at(2) == 2 + 0
    assert index.priority_at(4) == 2 + 2
    assert index.name_at(1) == "Sample.Module"


def test_scope_index_nests_modules_and_counts_nested_definitions_for_every_enclosing_module() -> None:
    src = SourceFile(
        "a.ex",
        "defmodule Outer do\n"  # 1
        "  defmodule Inner do\n"
        "    def a(x), do: x\n"
        "    def b(x), do: x\n"
        "    def c(x), do: x\n"  # 5
        "  end\n"
        "  defmodule unquote(name) do\n"
        "    defp d(x), do: x\n"
        "    defmacrop e(x), do: x\n"
        "  end\n"  # 10
        "  def f, do: 1\n"
        "end\n"
        "def top(x), do: x\n",
    )
    index = ScopeIndex(src)
    assert index.name_at(3) == "Outer.Inner.a"
    assert index.name_at(8) == "Outer.d"  # a module without a literal name adds nothing to the path
    assert index.name_at(11) == "Outer.f"
    assert index.name_at(13) == "top"
    # Inner holds three definitions (weight 1); Outer five with the nested ones (defmacrop not counted:
    # weight 2), plus 1 for the unnamed module, which takes Outer's name
    assert index.priority_at(2) == 1
    assert index.priority_at(1) == 2 + 1
    assert index.priority_at(11) == 3 + 0


def test_source_rejects_binary_and_bad_utf8_and_reports_syntax_errors() -> None:
    with pytest.raises(SourceDecodeError, match="binary"):
        SourceFile.from_bytes(b"\x00\x01\x02defmodule", "x.ex")
    with pytest.raises(SourceDecodeError, match="UTF-8"):
        SourceFile.from_bytes(b"defmodule A do \xff\xfe end", "x.ex")
    broken = SourceFile("b.ex", "defmodule A do\n  def f(x) do\n    x +\n  end\n")
    problems = broken.syntax_problems()
    assert len(problems) == 1 and problems[0].line >= 1
    assert SourceFile("ok.ex", "defmodule A do\nend\n").syntax_problems() == []


def test_columns_count_characters_not_bytes() -> None:
    src = SourceFile("u.ex", 'x = "héllo" <> y\n')
    node = [n for n in src.by_type("identifier") if src.node_text(n) == "y"][0]
    assert src.column_of(node) == 16
