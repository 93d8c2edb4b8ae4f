"""Config.Headers: an html pipeline without `:put_secure_browser_headers`."""

from __future__ import annotations

from tree_sitter import Node

from ...ast import call_args
from ...issues import Finding
from ...source import SourceFile
from ..base import make_finding
from ..config_parsing import atom_name, pipelines, plug_name


def _accepts(src: SourceFile, plug: Node) -> list[str] | None:
    """The formats of `plug :accepts, [...]` (a list or ~w sigil); None for other plugs."""
    args = call_args(plug)
    if len(args) != 2 or atom_name(src, args[0]) != "accepts":
        return None
    value = args[1]
    if value.type == "list":
        return ["".join(src.node_text(c) for c in item.named_children) for item in value.named_children
                if item.type == "string"]
    if value.type == "sigil":
        content = "".join(src.node_text(c) for c in value.named_children if c.type == "quoted_content")
        return content.split(" ")
    return []


def headers_findings(src: SourceFile) -> list[Finding]:
    """Config.Headers: an html pipeline without `:put_secure_browser_headers`.

    Like Sobelow, the accepted formats are read from the pipeline's first plug only.
    """
    out = []
    for call, name, plugs in pipelines(src):
        if not plugs:
            continue
        names = {plug_name(src, p) for p in plugs}
        accepts = _accepts(src, plugs[0])
        if "put_secure_browser_headers" not in names and accepts is not None and "html" in accepts:
            out.append(make_finding("Config.Headers", src.filename, src.line_of(call), "high", {"pipeline": name}))
    return out
