"""Which fine-tuned adapter serves a document: ExUnit for tests, Phoenix or Nerves by project deps.

Dependencies come from `mix.exs` read with tree-sitter (mix is never run: a workspace's
`mix.exs` is code, and running it on open would execute whatever it contains).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from tree_sitter import Node

from elixir_coder.analysis.source import new_parser

from .workspace_index import DEFAULT_MAX_BYTES_PER_FILE, SKIPPED_DIRS, read_source

ADAPTERS = ("base", "exunit", "phoenix", "nerves")
AUTO = "auto"

# `use ExUnit.Case`, `use ExUnit.CaseTemplate`, `use MyAppWeb.ConnCase, async: true`,
# `ExUnit.start()`: code that only makes sense under ExUnit.
_EXUNIT_CODE = re.compile(
    r"^\s*(?:use\s+(?:ExUnit\.Case(?:Template)?|[A-Z][\w.]*\.(?:Conn|Data|Channel|Feature)Case)\b"
    r"|ExUnit\.start\b|import\s+ExUnit\.)",
    re.M,
)
_DEPS_FUNCTION = re.compile(r"\bdefp?\s+deps\b")
_DEP_TUPLE = re.compile(r"\{\s*:([a-z_]\w*)\s*[,}]")


def is_test_path(path: Path | str) -> bool:
    """True for `test/**/*_test.exs` (also `apps/x/test/...` in an umbrella)."""
    p = Path(path)
    return p.name.endswith("_test.exs") and "test" in p.parts[:-1]


def adapter_for(
    path: Path | str | None,
    text: str,
    deps: Iterable[str],
    override: str | None = AUTO,
    available: Iterable[str] = ADAPTERS,
) -> str:
    """Pick the adapter for one document.

    The setting wins when it names an adapter; "auto" routes ExUnit tests (by path or by
    code) to `exunit`, Phoenix projects to `phoenix`, Nerves projects to `nerves`, the rest
    to `base`. An adapter the model does not ship falls back to `base`.

    Args:
        path: the document's path (None for an unsaved buffer).
        text: the document's text, for ExUnit code outside `test/`.
        deps: dependency names of the project (`project_deps`).
        override: the `adapter` setting: "auto" (or None/empty) or an adapter name.
        available: the adapters the loaded model has.
    """
    have = set(available)
    choice = (override or AUTO).strip().lower()
    if choice == AUTO:
        dep_names = set(deps)
        if (path is not None and is_test_path(path)) or _EXUNIT_CODE.search(text or ""):
            choice = "exunit"
        elif "phoenix" in dep_names or "phoenix_live_view" in dep_names:
            choice = "phoenix"
        elif "nerves" in dep_names:
            choice = "nerves"
        else:
            choice = "base"
    return choice if choice in have else "base"


def project_deps(root: Path | str | None) -> set[str]:
    """Dependency names declared in `mix.exs` (and in umbrella apps' `apps/*/mix.exs`).

    Unreadable or broken files give what can be read; a missing `mix.exs` gives an empty set.

    Args:
        root: the project folder.
    """
    if root is None:
        return set()
    base = Path(root)
    files = [base / "mix.exs"]
    apps = base / "apps"
    if apps.is_dir():
        try:
            files += sorted(p / "mix.exs" for p in apps.iterdir() if p.name not in SKIPPED_DIRS)
        except OSError:
            pass
    names: set[str] = set()
    for file in files:
        if not file.is_file():
            continue
        try:
            text = read_source(file, DEFAULT_MAX_BYTES_PER_FILE)
        except ValueError:
            continue
        names |= mix_deps(text)
    return names


def mix_deps(text: str) -> set[str]:
    """Dependency names in the text of one `mix.exs`.

    Reads the tuples `{:name, ...}` in the body of the `deps` function (the mix convention);
    without one, the list given to `deps:` in the project keyword list.
    """
    data = text.encode("utf-8", "surrogatepass")
    root = new_parser().parse(data).root_node

    def txt(node: Node) -> str:
        return data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    scopes: list[Node] = []
    keyword_values: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "call":
            target = node.child_by_field_name("target")
            if target is not None and txt(target) in ("def", "defp"):
                head = _first_argument(node)
                if head is not None and head.type in ("identifier", "call"):
                    name_node = head if head.type == "identifier" else head.child_by_field_name("target")
                    if name_node is not None and txt(name_node) == "deps":
                        scopes.append(node)
                        continue
        if node.type == "pair":
            key = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            if key is not None and value is not None and txt(key).strip().rstrip(":") == "deps":
                keyword_values.append(value)
        stack.extend(node.named_children)
    names: set[str] = set()
    for scope in scopes or [v for v in keyword_values if v.type == "list"]:
        names |= _dep_tuples(scope, txt)
    if not names and root.has_error:
        # A half-edited deps list breaks the tree around it: read the tuples after `defp deps`.
        start = _DEPS_FUNCTION.search(text)
        if start is not None:
            body = re.sub(r"#.*$", "", text[start.end():], flags=re.M)
            names = set(_DEP_TUPLE.findall(body))
    return names


def _first_argument(call: Node) -> Node | None:
    for child in call.named_children:
        if child.type == "arguments":
            return child.named_children[0] if child.named_children else None
    return None


def _dep_tuples(scope: Node, txt: Callable[[Node], str]) -> set[str]:
    names: set[str] = set()
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "tuple":
            items = node.named_children
            if items and items[0].type == "atom":
                names.add(txt(items[0]).lstrip(":"))
                continue
        stack.extend(node.named_children)
    return names
