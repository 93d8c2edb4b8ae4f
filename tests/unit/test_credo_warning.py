"""Unit tests of the Credo Warning checks: what triggers each one, where it points, and what does not."""

from __future__ import annotations

from typing import Any

import pytest

from elixir_coder.analysis.checks import CheckContext, load_checks
from elixir_coder.analysis.issues import Issue
from elixir_coder.analysis.source import SourceFile

CHECKS = load_checks()


def run(short: str, code: str, filename: str = "lib/sample.ex", **params: Any) -> list[Issue]:
    check = CHECKS[f"Credo.Check.Warning.{short}"]()
    ctx = CheckContext(SourceFile(filename, code), check, check.params_with(params))
    return sorted(check.run(ctx), key=lambda i: (i.line_no or 0, i.column or 0))


def where(issues: list[Issue]) -> list[tuple[int | None, int | None, str | None]]:
    return [(i.line_no, i.column, i.trigger) for i in issues]


def mod(body: str) -> str:
    """Wrap function bodies in a module."""
    inner = "\n".join("  " + line if line else line for line in body.strip("\n").split("\n"))
    return f"defmodule Sample do\n{inner}\nend\n"


# --------------------------------------------------------------------- registry facts


def test_every_warning_check_is_registered_with_credos_facts() -> None:
    expected = {
        "ApplicationConfigInModuleAttribute": "high", "BoolOperationOnSameValues": "high", "Dbg": "high",
        "ExpensiveEmptyEnumCheck": "high", "IExPry": "high", "IoInspect": "high",
        "MissedMetadataKeyInLoggerConfig": "high", "OperationOnSameValues": "high",
        "OperationWithConstantResult": "high", "RaiseInsideRescue": 0, "SpecWithStruct": "normal",
        "StructFieldAmount": "normal", "UnsafeExec": "high", "UnusedEnumOperation": "high",
        "UnusedFileOperation": "high", "UnusedKeywordOperation": "high", "UnusedListOperation": "high",
        "UnusedMapOperation": "high", "UnusedPathOperation": "high", "UnusedRegexOperation": "high",
        "UnusedStringOperation": "high", "UnusedTupleOperation": "high", "WrongTestFilename": "high",
        "UnsafeToAtom": "high", "MapGetUnsafePass": "normal",
    }
    for short, priority in expected.items():
        cls = CHECKS[f"Credo.Check.Warning.{short}"]
        assert cls.category == "warning"
        assert cls.base_priority == priority, short
        assert cls.summary and cls.__doc__
        assert cls.enabled_by_default is (short not in ("UnsafeToAtom", "MapGetUnsafePass")), short
    assert CHECKS["Credo.Check.Warning.Dbg"].default_params == {"allow_captures": False}
    assert CHECKS["Credo.Check.Warning.StructFieldAmount"].default_params == {"max_fields": 31}
    assert CHECKS["Credo.Check.Warning.MissedMetadataKeyInLoggerConfig"].default_params == {"metadata_keys": []}


# --------------------------------------------------------------------- debugging leftovers


def test_io_inspect_points_at_the_call() -> None:
    code = mod("def f(x) do\n  x |> Map.get(:a) |> IO.inspect(label: \"a\")\n  IO.inspect(x)\nend")
    assert where(run("IoInspect", code)) == [(3, 25, "IO.inspect"), (4, 5, "IO.inspect")]
    assert where(run("IoInspect", "def f(x), do: Elixir.IO.inspect(x)\n")) == [(1, 15, "Elixir.IO.inspect")]


def test_io_inspect_negative() -> None:
    assert run("IoInspect", "def f(x), do: IO.inspect(:stderr, x, [])\n") == []  # IO.inspect/3 is output on purpose
    assert run("IoInspect", "def f(x), do: inspect(x) <> IO.puts(x)\n") == []


def test_iex_pry() -> None:
    assert where(run("IExPry", mod("def f do\n  require IEx\n  IEx.pry()\nend"))) == [(4, 5, "IEx.pry")]
    assert run("IExPry", "def f, do: IEx.started?()\n") == []


def test_dbg_calls_pipes_and_captures() -> None:
    code = mod("def f(x) do\n  dbg(x)\n  x |> dbg\n  x |> dbg()\n  Kernel.dbg(x)\n  Enum.map([x], &dbg/1)\nend")
    assert where(run("Dbg", code)) == [(3, 5, "dbg"), (4, 10, "dbg"), (5, 10, "dbg"), (6, 5, "Kernel.dbg"),
                                       (7, 20, "dbg")]
    assert [i.line_no for i in run("Dbg", code, allow_captures=True)] == [3, 4, 5, 6]


def test_dbg_negative() -> None:
    assert run("Dbg", mod("@dbg true\ndef f(dbg), do: dbg.(1, 2, 3)\ndef g, do: :dbg")) == []


# --------------------------------------------------------------------- expensive emptiness


def test_expensive_empty_enum_check() -> None:
    code = mod("def f(l) do\n  if length(l) == 0, do: :e\n  if 0 != Enum.count(l), do: :n\n"
               "  if Enum.count(l, & &1) > 0, do: :n\n  length(l) >= 1\nend")
    issues = run("ExpensiveEmptyEnumCheck", code)
    assert where(issues) == [(3, 8, "length"), (4, 13, "Enum.count"), (5, 8, "Enum.count"), (6, 5, "length")]
    assert "Enum.empty?" in issues[0].message and "Enum.any?" in issues[2].message


def test_expensive_empty_enum_check_in_guards_and_heads() -> None:
    guard = run("ExpensiveEmptyEnumCheck", "def f(l) when length(l) >= 0, do: l\n")
    assert where(guard) == [(1, 15, "length")] and "empty list" in guard[0].message
    assert run("ExpensiveEmptyEnumCheck", "def f(l), do: length(l) == 2 or length(l, 2) == 0 or l == []\n") == []


# --------------------------------------------------------------------- rescue


def test_raise_inside_rescue_in_try_and_implicit_rescue() -> None:
    code = mod("def f do\n  try do\n    g()\n  rescue\n    e -> raise e\n  end\nend\n"
               "def h do\n  g()\nrescue\n  _ -> raise \"again\"\nend")
    issues = run("RaiseInsideRescue", code)
    assert where(issues) == [(6, 12, "raise"), (12, 10, "raise")]
    assert {i.priority for i in issues} == {issues[0].priority}


def test_raise_inside_rescue_negative() -> None:
    code = mod("def f do\n  try do\n    raise \"x\"\n  rescue\n    e -> reraise e, __STACKTRACE__\n  end\nend")
    assert run("RaiseInsideRescue", code) == []


# --------------------------------------------------------------------- module attributes


def test_application_config_in_module_attribute() -> None:
    code = mod("@a Application.get_env(:app, :a)\n@b Application.fetch_env!(:app, :b)\n"
               "@c Application.compile_env(:app, :c)\ndef f, do: Application.get_env(:app, :d)")
    issues = run("ApplicationConfigInModuleAttribute", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(2, "Application.get_env/2"),
                                                        (3, "Application.fetch_env!/2")]
    assert "@a" in issues[0].message


# --------------------------------------------------------------------- same values


def test_bool_operation_on_same_values() -> None:
    code = mod("def f(a, b) do\n  a and a\n  foo(b) || foo( b )\n  a && b\nend")
    assert [(i.line_no, i.trigger) for i in run("BoolOperationOnSameValues", code)] == [(3, "and"), (4, "||")]


def test_bool_operation_on_same_values_ignores_redefined_operators_and_top_level() -> None:
    redefined = mod("import Kernel, except: [and: 2]\ndef a and b, do: {a, b}\ndef f(x), do: x and x")
    assert run("BoolOperationOnSameValues", redefined) == []
    assert run("BoolOperationOnSameValues", "x and x\n") == []


def test_operation_on_same_values() -> None:
    code = mod("def f(x) do\n  x == x\n  @a - @a\n  x / x\nend")
    issues = run("OperationOnSameValues", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(3, "=="), (4, "-"), (5, "/")]
    assert "true" in issues[0].message and "0" in issues[1].message


def test_operation_on_same_values_negative() -> None:
    code = mod("@spec a - a :: a\ndef a - a, do: :ok\ndef f(x, y), do: {x == y, f(x) == f(x), x === x}")
    assert run("OperationOnSameValues", code) == []


def test_operation_with_constant_result() -> None:
    code = mod("def f(x) do\n  x * 0\n  x * 1\nend")
    issues = run("OperationWithConstantResult", code)
    assert [(i.line_no, i.trigger) for i in issues] == [(3, "*"), (4, "*")]
    assert "zero" in issues[0].message and "left side" in issues[1].message


def test_operation_with_constant_result_negative() -> None:
    assert run("OperationWithConstantResult", mod("def f(x), do: {x * 2, 1 * x, &(&1 * 1), x * 0.0}")) == []


# --------------------------------------------------------------------- structs


def test_spec_with_struct() -> None:
    code = mod("@spec f(%User{}) :: %Foo.Bar{a: 1}\ndef f(%User{} = u), do: u")
    assert where(run("SpecWithStruct", code)) == [(2, 11, "%User{"), (2, 23, "%Foo.Bar{")]
    assert run("SpecWithStruct", mod("@spec f(User.t()) :: %{}\ndef f(%User{} = u), do: u")) == []


def test_struct_field_amount_and_param() -> None:
    fields = ", ".join(f":f{i}" for i in range(31))
    assert run("StructFieldAmount", mod(f"defstruct [{fields}]")) == []
    issues = run("StructFieldAmount", mod(f"defstruct [{fields}, last: 1]"))
    assert where(issues) == [(2, 3, "defstruct")]
    assert where(run("StructFieldAmount", mod("defstruct a: 1, b: 2, c: 3"), max_fields=2)) == [(2, 3, "defstruct")]


# --------------------------------------------------------------------- security


def test_unsafe_exec() -> None:
    code = mod("def f(c) do\n  :os.cmd(c)\n  :erlang.open_port({:spawn, c}, [])\n"
               "  :erlang.open_port({:spawn_executable, c}, args: [])\n  System.cmd(c, [])\nend")
    assert [(i.line_no, i.trigger) for i in run("UnsafeExec", code)] == [
        (3, ":os.cmd/1"), (4, ":erlang.open_port/2 with `:spawn`")]


def test_unsafe_to_atom() -> None:
    code = mod("def f(s) do\n  String.to_atom(s)\n  s |> String.to_atom()\n  :erlang.binary_to_atom(s, :utf8)\n"
               "  Module.concat(Foo, s)\n  Jason.decode(s, keys: :atoms)\nend")
    issues = run("UnsafeToAtom", code)
    assert where(issues) == [(3, 5, "String.to_atom"), (4, 10, "String.to_atom"),
                             (5, 5, ":erlang.binary_to_atom"), (6, 5, "Module.concat"), (7, 5, "Jason.decode")]
    assert "String.to_existing_atom/1" in issues[0].message


def test_unsafe_to_atom_negative() -> None:
    code = mod("@name String.to_atom(\"x\")\ndef f(s) do\n  String.to_existing_atom(s)\n"
               "  Jason.decode(s, keys: :atoms!)\n  quote do: unquote(String.to_atom(s))\nend")
    assert run("UnsafeToAtom", code) == []


def test_map_get_unsafe_pass() -> None:
    code = mod("def f(m) do\n  m |> Map.get(:a) |> Enum.map(& &1)\n  Map.get(m, :a) |> Enum.each(& &1)\nend")
    assert [(i.line_no, i.trigger) for i in run("MapGetUnsafePass", code)] == [(3, "Map.get"), (4, "Map.get")]
    safe = mod("def f(m) do\n  m |> Map.get(:a, []) |> Enum.map(& &1)\n  m |> Map.get(:a) |> g()\nend")
    assert run("MapGetUnsafePass", safe) == []


# --------------------------------------------------------------------- unused return values

UNUSED = [
    ("UnusedEnumOperation", "Enum.reject(l, &is_nil/1)", "Enum.each(l, &IO.puts/1)"),
    ("UnusedFileOperation", "File.read(l)", "File.write(l, \"x\")"),
    ("UnusedKeywordOperation", "Keyword.delete(l, :a)", "Keyword.foo(l)"),
    ("UnusedListOperation", "List.flatten(l)", "Lists.flatten(l)"),
    ("UnusedMapOperation", "Map.put(l, :a, 1)", "Map.foo(l)"),
    ("UnusedPathOperation", "Path.join(l, \"a\")", "Paths.join(l)"),
    ("UnusedRegexOperation", "Regex.run(~r/a/, l)", "Regexp.run(l)"),
    ("UnusedStringOperation", "String.downcase(l)", "Strings.downcase(l)"),
    ("UnusedTupleOperation", "Tuple.append(l, 1)", "Tuples.append(l)"),
]


@pytest.mark.parametrize(("short", "unused", "ignored"), UNUSED)
def test_unused_operation_statement_not_last(short: str, unused: str, ignored: str) -> None:
    code = mod(f"def f(l) do\n  {unused}\n  {ignored}\n  l\nend")
    issues = run(short, code)
    module_fun = unused.split("(")[0]
    assert where(issues) == [(3, 5, module_fun)]
    assert run(short, mod(f"def f(l) do\n  x = {unused}\n  {unused}\nend")) == []


def test_unused_operation_positions_credo_follows() -> None:
    code = mod(
        "def f(l) do\n"
        "  l |> Enum.map(& &1)\n"                         # 3: piped into, then dropped
        "  if l, do: Enum.map(l, & &1)\n"                 # 4: body of an if that is not the last statement
        "  Enum.map(Enum.filter(l, & &1), & &1)\n"        # 5: outer dropped, inner is an argument
        "  fn -> Enum.sort(l); :ok end\n"                # 6: not last inside fn
        "  try do\n    :ok\n  after\n    Enum.sort(l)\n  end\n"  # 10: in `after`
        "  l\n"
        "end")
    assert [i.line_no for i in run("UnusedEnumOperation", code)] == [3, 4, 5, 6, 10]


def test_unused_operation_used_values() -> None:
    code = mod(
        "def f(l) do\n"
        "  case Enum.count(l) do\n    0 -> :ok\n    _ -> :more\n  end\n"
        "  with {:ok, x} <- g(l) do\n    Enum.sort(x)\n  end\n"
        "  Enum.map(l, & &1) |> g()\n"
        "  {:ok, Enum.sort(l), 1}\n"
        "  %{a: Enum.sort(l)}\n"
        "  \"#{Enum.join(l)}\"\n"
        "  if l do\n    Enum.sort(l)\n  else\n    Enum.reverse(l)\n  end\n"
        "end\n"
        "def g(l) do\n  :ok\nrescue\n  _ -> Enum.sort(l)\nend\n"
        "def h(l), do: Enum.sort(l)")
    assert run("UnusedEnumOperation", code) == []
    assert run("UnusedEnumOperation", "Enum.sort(l)\n:ok\n") == []  # outside any def


# --------------------------------------------------------------------- logger metadata


def test_missed_metadata_key_in_logger_config() -> None:
    code = mod("require Logger\ndef f do\n  Logger.info(\"hi\", user_id: 1, request_id: 2)\n"
               "  Logger.metadata(request_id: 3)\n  Logger.log(:info, \"x\", [user_id: 1])\n"
               "  Logger.info(\"plain\")\nend")
    issues = run("MissedMetadataKeyInLoggerConfig", code, metadata_keys=["user_id"])
    assert [(i.line_no, i.trigger) for i in issues] == [(4, None), (5, None)]
    assert "request_id" in issues[0].message and "user_id" not in issues[0].message
    assert run("MissedMetadataKeyInLoggerConfig", code, metadata_keys=["user_id", "request_id"]) == []


def test_missed_metadata_key_with_import_and_no_config() -> None:
    code = mod("import Logger\ndef f, do: info(\"hi\", trace: 1)")
    assert [i.line_no for i in run("MissedMetadataKeyInLoggerConfig", code)] == [3]
    assert run("MissedMetadataKeyInLoggerConfig", mod("def f, do: info(\"hi\", trace: 1)")) == []


# --------------------------------------------------------------------- test file names


def test_wrong_test_filename() -> None:
    code = "defmodule AppTest do\n  use ExUnit.Case\n  test \"x\", do: :ok\nend\n"
    assert where(run("WrongTestFilename", code, filename="test/app.exs")) == [(2, 7, "ExUnit.Case")]
    assert where(run("WrongTestFilename", code.replace("ExUnit.Case", "MyApp.DataCase"),
                     filename="test/app_tests.exs")) == [(2, 7, "MyApp.DataCase")]


def test_wrong_test_filename_negative() -> None:
    code = "defmodule AppTest do\n  use ExUnit.Case\nend\n"
    assert run("WrongTestFilename", code, filename="test/app_test.exs") == []
    assert run("WrongTestFilename", code, filename="lib/app.exs") == []
    assert run("WrongTestFilename", "defmodule C do\n  use ExUnit.CaseTemplate\nend\n",
               filename="test/support/c.ex") == []


def test_missed_metadata_key_reads_the_config_of_the_given_root_for_relative_names(tmp_path, monkeypatch) -> None:
    from elixir_coder.analysis.runner import AnalysisOptions, analyze_sources
    from elixir_coder.analysis.source import SourceFile

    (tmp_path / "mix.exs").write_text("defmodule App.MixProject do\nend\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.exs").write_text(
        "import Config\nconfig :logger, :console, metadata: [:user_id]\n")
    code = mod("require Logger\ndef f do\n  Logger.info(\"hi\", user_id: 1)\nend")
    monkeypatch.chdir("/")  # the root, not the working directory, locates the project
    result = analyze_sources([SourceFile("lib/app.ex", code)], tmp_path,
                             AnalysisOptions(strict=True, only=("MissedMetadataKeyInLoggerConfig",)))
    assert [i for i in result.issues if "MissedMetadata" in i.check] == []
