"""XSS.Raw: `raw` in defs, and in `.html.eex` templates reached through a controller's `render`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...ast import ancestors, call_args, local_call_name
from ...issues import Finding
from ..base import FileMeta, is_disabled, make_finding
from ..call_rule import Rule
from ..calls import arg_names, def_calls, def_params, operator_text, single_do, skips_by_def

RULES = [
    Rule("XSS.Raw", "HTML", "raw", 0, "last"),
    Rule("XSS.Raw", "", "raw", 0, "local"),
]


_RAW_IN_TEMPLATE = re.compile(r"\braw(?:\(\s*|\s+)(@?[A-Za-z_][A-Za-z0-9_]*[!?]?)|(@[A-Za-z_]\w*)\s*\|>\s*raw\b")


@dataclass
class Template:
    """An `.html.eex` template and the variables it passes to `raw`."""

    path: str
    raws: list[tuple[int, str]]

    @property
    def raw_vars(self) -> set[str]:
        """`@name` strings given to raw."""
        return {v for _, v in self.raws}


def load_templates(root: Path, ignored_files: set[Path] | None = None) -> dict[str, Template]:
    """`lib/**/*.html.eex` under the project, keyed by their path relative to the root."""
    lib = root / "lib"
    out: dict[str, Template] = {}
    if not lib.is_dir():
        return out
    for path in sorted(lib.rglob("*.html.eex")):
        if ignored_files and path.resolve() in ignored_files:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        raws: list[tuple[int, str]] = []
        for tag in re.finditer(r"<%=?(.*?)%>", text, re.S):
            body = tag.group(1)
            for m in _RAW_IN_TEMPLATE.finditer(body):
                var = m.group(1) or m.group(2)
                line = text.count("\n", 0, tag.start(1) + m.start()) + 1
                raws.append((line, var))
        rel = str(path.relative_to(root))
        out[rel] = Template(rel, raws)
    return out


def template_findings(templates: dict[str, Template]) -> list[Finding]:
    """Every `raw` in a template, low confidence (Sobelow reports these whatever the controllers do)."""
    out = []
    for tpl in templates.values():
        for line, var in tpl.raws:
            out.append(make_finding("XSS.Raw", tpl.path, line, "low", {"variable": var}))
    return out


def render_findings(meta: FileMeta, templates: dict[str, Template], skip: bool) -> list[Finding]:
    """Controller `render(conn, "page.html", key: value)` whose template passes `@key` to `raw`."""
    src = meta.src
    if not meta.is_controller or not templates or src.root is None:
        return []
    first = next(iter(templates))
    template_root = first.split("/templates/")[0]
    controller = Path(meta.filename.removesuffix("_controller.ex")).name
    defs = def_calls(src)
    def_set = {d.start_byte: d for d in defs}
    skips = skips_by_def(src, defs) if skip else {}
    out: list[Finding] = []
    for call in src.calls:
        if local_call_name(src, call) != "render":
            continue
        enclosing = [a for a in ancestors(call) if a.type == "call" and def_set.get(a.start_byte) == a]
        for def_call in enclosing:
            if skips.get(def_call.start_byte) and is_disabled("XSS.Raw", frozenset(skips[def_call.start_byte])):
                continue
            if not single_do(src, def_call):
                continue
            params = def_params(src, def_call)
            args = call_args(call)
            parent = call.parent
            piped = parent is not None and parent.type == "binary_operator" and operator_text(src, parent) == "|>" \
                and parent.child_by_field_name("right") == call
            idx = 0 if piped else 1
            if idx >= len(args):
                continue
            tmpl_node = args[idx]
            if tmpl_node.type == "atom":
                template = src.node_text(tmpl_node)[1:] + ".html"
            elif tmpl_node.type == "string":
                template = "".join(src.node_text(c) for c in tmpl_node.named_children)
            else:
                template = ""
            path = f"{template_root}/templates/{controller}/{template}.eex"
            tpl = templates.get(path)
            if tpl is None:
                continue
            keywords = [n for n in src.walk(call) if n.type == "keywords"]
            if not keywords:
                continue
            for pair in keywords[-1].named_children:
                key_node, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if key_node is None or value is None:
                    continue
                key = src.node_text(key_node).strip().rstrip(":").strip()
                names = arg_names(src, value) if value.type == "access_call" else []
                reflected = (value.type == "identifier" and src.node_text(value) in params) or names == ["conn.params"]
                dynamic = value.type not in ("string", "integer", "float", "atom", "boolean", "nil", "list",
                                             "keywords", "tuple", "charlist")
                var = f"@{key}"
                if var not in tpl.raw_vars or not (reflected or dynamic):
                    continue
                confidence = "high" if reflected else "medium"
                out.append(make_finding("XSS.Raw", meta.filename, src.line_of(call), confidence,
                                        {"variable": var, "template": tpl.path}))
    return out
