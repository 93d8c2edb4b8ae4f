"""Reading router pipelines and `config/*.exs` keyword options (shared by the Config types)."""

from __future__ import annotations

from pathlib import Path

from tree_sitter import Node

from ..ast import call_args, do_block, keyword_pairs, local_call_name
from ..source import SourceFile

# Config files Sobelow never reads for secrets or HTTPS settings.
SKIP_CONFIG_FILES = frozenset({"dev.exs", "test.exs", "dev.secret.exs", "test.secret.exs"})


def atom_name(src: SourceFile, node: Node) -> str | None:
    if node.type == "atom":
        return src.node_text(node)[1:]
    return None


def pipelines(src: SourceFile) -> list[tuple[Node, str, list[Node]]]:
    """(pipeline call, name, top-level `plug` calls) for each `pipeline :name do ... end`."""
    out = []
    for call in src.calls:
        if local_call_name(src, call) != "pipeline":
            continue
        args = call_args(call)
        block = do_block(call)
        if len(args) != 1 or block is None:
            continue
        name = atom_name(src, args[0]) or src.node_text(args[0])
        plugs = [c for c in block.named_children if c.type == "call" and local_call_name(src, c) == "plug"]
        out.append((call, name, plugs))
    return out


def plug_name(src: SourceFile, plug: Node) -> str | None:
    args = call_args(plug)
    if 1 <= len(args) <= 2:
        return atom_name(src, args[0])
    return None


def config_keywords(src: SourceFile) -> list[tuple[Node, list[tuple[str, Node]]]]:
    """(config call, its trailing keyword pairs) for every `config ...` call with keyword options."""
    out = []
    for call in src.calls:
        if local_call_name(src, call) != "config":
            continue
        args = call_args(call)
        if args and args[-1].type == "keywords":
            out.append((call, list(keyword_pairs(src, args[-1]))))
        elif args and args[-1].type == "list" and all(c.type == "keywords" for c in args[-1].named_children) \
                and args[-1].named_children:
            out.append((call, list(keyword_pairs(src, args[-1].named_children[0]))))
    return out


def literal_string(src: SourceFile, node: Node) -> str | None:
    if node.type != "string" or any(c.type == "interpolation" for c in node.named_children):
        return None
    return "".join(src.node_text(c) for c in node.named_children)


def has_config_key(src: SourceFile, key: str) -> bool:
    return any(k == key and src.node_text(v) != "nil" for _, pairs in config_keywords(src) for k, v in pairs)


def config_dir_files(root: Path, ignored_files: set[Path]) -> list[tuple[str, SourceFile]]:
    """The `config/*.exs` files Sobelow reads (not dev/test ones, not ignored), parsed."""
    cdir = root / "config"
    out: list = []
    if not cdir.is_dir():
        return out
    for path in sorted(cdir.iterdir()):
        if path.suffix != ".exs" or path.name in SKIP_CONFIG_FILES or not path.is_file():
            continue
        if path.resolve() in ignored_files:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        out.append((path.name, SourceFile(f"config/{path.name}", text)))
    return out
