"""Config.CSP: `put_secure_browser_headers` without a content-security-policy header."""

from __future__ import annotations

from tree_sitter import Node

from ...ast import call_args
from ...issues import Finding
from ...source import SourceFile
from ..base import FileMeta, make_finding
from ..config_parsing import pipelines, plug_name


def _map_has_csp(src: SourceFile, node: Node) -> bool:
    for content in node.named_children:
        for item in content.named_children:
            if item.type == "binary_operator":
                key = item.child_by_field_name("left")
                if key is not None and key.type == "string":
                    text = "".join(src.node_text(c) for c in key.named_children)
                    if text.lower() == "content-security-policy":
                        return True
    return False


def csp_findings(meta: FileMeta) -> list[Finding]:
    """Config.CSP: `put_secure_browser_headers` without a content-security-policy header."""
    src = meta.src
    out = []
    for _call, name, plugs in pipelines(src):
        plug = next((p for p in plugs if plug_name(src, p) == "put_secure_browser_headers"), None)
        if plug is None:
            continue
        args = call_args(plug)
        vuln, confidence = False, "high"
        if len(args) == 1:
            vuln = True
        else:
            headers = args[1]
            if headers.type == "map":
                vuln = not _map_has_csp(src, headers)
            elif headers.type == "unary_operator" and src.node_text(headers).startswith("@"):
                attr = src.node_text(headers)[1:].strip()
                value = meta.module_attrs.get(attr)
                vuln = not (value is not None and value.type == "map" and _map_has_csp(src, value))
            else:
                vuln, confidence = True, "low"
        if vuln:
            out.append(make_finding("Config.CSP", src.filename, src.line_of(plug), confidence, {"pipeline": name}))
    return out
