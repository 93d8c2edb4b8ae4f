"""Erlang sources in deps/: `-export` lists read from `.erl` files, checked against the real Erlang compiler."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from elixir_coder.server.api_index import ApiIndex
from elixir_coder.server.deps_index import DepsIndex
from elixir_coder.server.erlang_exports import erlang_module, strip_comments
from elixir_coder.server.stdlib_api import packaged_listing, parse_listing
from elixir_coder.server.workspace_index import ProjectIndex

# Exports across lines, with comments (one holding `]).`), a quoted atom, a `$%` character
# literal and a string holding `%`, a test-only export, and a private function.
RANCH_LIKE = r"""%% A rebar3 dependency's module.
-module(fancy_proto).
-behaviour(gen_server).

-export([start_link/1, % the entry point ]).
         handle/2]).
-export(['quoted name'/0]).
-export([percent/0]).

-ifdef(TEST).
-export([only_in_tests/0]).
-endif.

start_link(Opts) -> {ok, Opts}.
handle(Req, State) -> {Req, State}.
'quoted name'() -> ok.
percent() -> {$%, "100% done"}.
only_in_tests() -> helper().
helper() -> hidden.
"""
EXPORT_ALL = "-module(fancy_all).\n-compile([export_all, nowarn_export_all]).\nf() -> 1.\n"
NOWARN_ONLY = "-module(fancy_nowarn).\n-compile([nowarn_export_all]).\n-export([g/1]).\ng(X) -> X.\n"


def test_exports_are_read_across_lines_and_comments() -> None:
    mod = erlang_module(RANCH_LIKE)
    assert mod is not None and mod.name == ":fancy_proto" and mod.origin == "deps" and not mod.open
    assert {(f.name, f.arity) for f in mod.functions} == {
        ("start_link", 1), ("handle", 2), ("quoted name", 0), ("percent", 0), ("only_in_tests", 0)}
    assert "helper" not in mod.names and "module_info" in mod.names
    assert strip_comments("x() -> $%. % gone\ny() -> \"50%\". %% gone too\n") == 'x() -> $%. \ny() -> "50%". \n'


def test_export_all_leaves_the_module_open() -> None:
    assert erlang_module(EXPORT_ALL).open  # type: ignore[union-attr]
    assert not erlang_module(NOWARN_ONLY).open  # type: ignore[union-attr]
    assert erlang_module("%% no module attribute\nf() -> 1.\n") is None


@pytest.mark.skipif(shutil.which("erlc") is None or shutil.which("erl") is None, reason="needs Erlang")
def test_exports_agree_with_the_erlang_compiler(tmp_path: Path) -> None:
    source = tmp_path / "fancy_proto.erl"
    source.write_text(RANCH_LIKE)
    subprocess.run(["erlc", "-DTEST", "-o", str(tmp_path), str(source)], check=True, capture_output=True, timeout=120)
    out = subprocess.run(
        ["erl", "-noshell", "-pa", str(tmp_path), "-eval",
         "[io:format(\"~s/~b~n\", [F, A]) || {F, A} <- fancy_proto:module_info(exports)], halt()."],
        check=True, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL).stdout
    compiled = {(name, int(arity)) for name, arity in (line.rsplit("/", 1) for line in out.splitlines() if line)} \
        - {("module_info", 0), ("module_info", 1)}
    mod = erlang_module(RANCH_LIKE)
    assert mod is not None and {(f.name, f.arity) for f in mod.functions} == compiled


def test_erlang_dependencies_are_indexed_and_watched(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "lib").mkdir(parents=True)
    (root / "lib/app.ex").write_text("defmodule App do\n  def go, do: :fancy_proto.handle(1, 2)\nend\n")
    (root / "deps/fancy/src").mkdir(parents=True)
    (root / "deps/fancy/src/fancy_proto.erl").write_text(RANCH_LIKE)
    (root / "deps/fancy/src/fancy_proto.hrl").write_text("-define(X, 1).\n")  # headers are no modules
    (root / "deps/fancy/test").mkdir()
    (root / "deps/fancy/test/fancy_SUITE.erl").write_text("-module(fancy_SUITE).\n-export([all/0]).\n")
    cache = tmp_path / "cache"
    project = ProjectIndex(root)
    project.scan()
    deps = DepsIndex(root, cache)
    deps.index_all()
    assert deps.module_names() == [":fancy_proto"]  # src/ only: test suites are not API
    index = ApiIndex(project, deps, parse_listing(packaged_listing()))
    text = (root / "lib/app.ex").read_text()
    api = index.at(root / "lib/app.ex", text, text.index(":fancy_proto"))
    assert api.functions(":fancy_proto") == frozenset(
        {"start_link", "handle", "quoted name", "percent", "only_in_tests", "module_info", "__info__"})
    again = DepsIndex(root, cache)  # the second read comes from the content-hash cache
    again.index_all()
    assert again.module(":fancy_proto") == deps.module(":fancy_proto")
    finished: list[int] = []
    watched = DepsIndex(root, cache, on_finished=finished.append)
    watched.start(watch=True)
    try:
        assert watched.ready.wait(20)
        assert finished == [1]
        time.sleep(0.5)
        added = root / "deps/cowlib/src/cow_http.erl"
        added.parent.mkdir(parents=True)
        added.write_text("-module(cow_http).\n-export([parse_status_line/1]).\nparse_status_line(L) -> L.\n")
        deadline = time.monotonic() + 20
        while watched.module(":cow_http") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "parse_status_line" in watched.module(":cow_http").names  # type: ignore[union-attr]
    finally:
        watched.stop()
