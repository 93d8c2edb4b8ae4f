"""Call-site checks (CI, DOS, Misc.BinToTerm, RCE, SQL, Traversal, XSS): dangerous calls inside `def`s.

Sobelow looks only inside `def`/`defp` bodies. For each dangerous call it names the
"variable" that reaches the risky argument (a variable name, a called function's name,
`conn.params`, `&1` for captures) and drops calls whose argument holds no such name
(literals). Outside a Phoenix controller a finding is low confidence; inside one it is
high when a variable is a parameter of the enclosing function (or `conn.params`), else medium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from ..ast import arguments_node, call_args, call_target, def_head, local_call_name
from ..issues import Finding
from ..source import SourceFile
from .base import CONFIDENCE_RANK, FileMeta, is_disabled, make_finding
from .scope import web_root
from .templates import raw_uses, template_files

# Operators whose operands Sobelow looks through when naming the variable of an argument.
_LOOKTHROUGH_OPS = frozenset(
    "+ - ! ^ not ~~~ * / ++ -- .. <> <<< >>> ~>> <<~ > < >= <= == != =~ === !== && &&& and || ||| or = |".split()
)

FILE_FUNCS = (
    "read read! write write! rm rm! rm_rf open open! chmod chmod! chown chown! mkdir mkdir! mkdir_p mkdir_p!".split()
)
DOUBLE_FILE_FUNCS = "cp copy cp! copy! cp_r cp_r! ln ln! ln_s ln_s!".split()


@dataclass(frozen=True)
class Rule:
    """One dangerous call: which module/function, which argument, and how the module is matched.

    `match` is "strict" (the alias must be exactly `module`), "last" (the alias's last
    segment), "erlang" (an Erlang module atom) or "local" (an unqualified call).
    """

    check: str
    module: str
    function: str
    index: int
    match: str
    title: str | None = None


def _rules() -> list[Rule]:
    rules = [
        Rule("DOS.StringToAtom", "String", "to_atom", 0, "strict"),
        Rule("DOS.ListToAtom", "List", "to_atom", 0, "strict"),
        Rule("DOS.BinToAtom", ":erlang", "binary_to_atom", 0, "erlang"),
        Rule("Misc.BinToTerm", ":erlang", "binary_to_term", 0, "erlang"),
        Rule("CI.System", "System", "cmd", 0, "strict"),
        Rule("CI.OS", ":os", "cmd", 0, "erlang"),
        Rule("SQL.Query", "SQL", "query", 1, "last"),
        Rule("SQL.Query", "", "query", 1, "local"),
        Rule("SQL.Query", "Repo", "query", 0, "last"),
        Rule("SQL.Query", "", "query", 0, "local"),
        Rule("SQL.Stream", "SQL", "stream", 1, "last"),
        Rule("XSS.SendResp", "Conn", "send_resp", 2, "last"),
        Rule("XSS.SendResp", "", "send_resp", 2, "local"),
        Rule("XSS.ContentType", "Conn", "put_resp_content_type", 1, "last"),
        Rule("XSS.ContentType", "", "put_resp_content_type", 1, "local"),
        Rule("XSS.HTML", "Controller", "html", 1, "last"),
        Rule("XSS.HTML", "", "html", 1, "local"),
        Rule("XSS.Raw", "HTML", "raw", 0, "last"),
        Rule("XSS.Raw", "", "raw", 0, "local"),
        Rule("Traversal.SendFile", "Conn", "send_file", 2, "last"),
        Rule("Traversal.SendFile", "", "send_file", 2, "local"),
        Rule("Traversal.SendDownload", "Controller", "send_download", 1, "last"),
        Rule("Traversal.SendDownload", "", "send_download", 1, "local"),
    ]
    for fun in ("eval_string", "eval_file", "eval_quoted"):
        rules.append(Rule("RCE.CodeModule", "Code", fun, 0, "strict", f"Code Execution in `Code.{fun}`"))
    for fun in ("eval_string", "eval_file"):
        rules.append(Rule("RCE.EEx", "EEx", fun, 0, "strict", f"Code Execution in `EEx.{fun}`"))
    for fun in FILE_FUNCS + DOUBLE_FILE_FUNCS:
        rules.append(Rule("Traversal.FileModule", "File", fun, 0, "strict", f"Directory Traversal in `File.{fun}`"))
    for fun in DOUBLE_FILE_FUNCS:
        rules.append(Rule("Traversal.FileModule", "File", fun, 1, "strict", f"Directory Traversal in `File.{fun}`"))
    return rules


RULES = _rules()
_BY_FUNCTION: dict[str, list[Rule]] = {}
for _rule in RULES:
    _BY_FUNCTION.setdefault(_rule.function, []).append(_rule)

# Sobelow's order of checks within one function (group order, then submodule order).
CHECK_ORDER = [
    "XSS.SendResp", "XSS.ContentType", "XSS.Raw", "XSS.HTML", "SQL.Query", "SQL.Stream",
    "Traversal.SendFile", "Traversal.FileModule", "Traversal.SendDownload", "RCE.EEx", "RCE.CodeModule",
    "Misc.BinToTerm", "CI.System", "CI.OS", "DOS.StringToAtom", "DOS.ListToAtom", "DOS.BinToAtom",
]

SKIP_COMMENT = re.compile(r"#\s?sobelow_skip (\[(\"[^\"]+\"(,|, )?)+\])")


# --- naming the variable of an argument ---------------------------------------------------------


def _op(src: SourceFile, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return src.node_text(op) if op is not None else ""


def _interpolations(src: SourceFile, node: Node) -> list[str]:
    out: list[str] = []
    for child in node.named_children:
        if child.type == "interpolation":
            for inner in child.named_children:
                out.extend(arg_names(src, inner))
    return out


def _dot_parts(call: Node) -> tuple[Node | None, Node | None]:
    target = call_target(call)
    if target is None or target.type != "dot":
        return None, None
    return target.child_by_field_name("left"), target.child_by_field_name("right")


def arg_names(src: SourceFile, node: Node) -> list[str]:
    """The names Sobelow reads from an argument expression (its `parse_opts`), flattened."""
    t = node.type
    if t == "identifier":
        return [src.node_text(node)]
    if t in ("string", "heredoc"):
        return _interpolations(src, node)
    if t == "unary_operator":
        op = _op(src, node)
        operand = node.child_by_field_name("operand")
        if op == "@":
            return []
        if op == "&":
            if operand is not None and operand.type == "integer":
                return ["&" + src.node_text(operand)]
            return ["&"]
        if op in _LOOKTHROUGH_OPS and operand is not None:
            return arg_names(src, operand)
        return [op]
    if t == "binary_operator":
        op = _op(src, node)
        if op in _LOOKTHROUGH_OPS:
            out: list[str] = []
            for side in ("left", "right"):
                child = node.child_by_field_name(side)
                if child is not None:
                    out.extend(arg_names(src, child))
            return out
        if op.startswith("not") and op.endswith("in"):
            return ["in"]
        return [op]
    if t == "call":
        target = call_target(node)
        if target is None:
            return []
        if target.type == "identifier":
            return [src.node_text(target)]
        if target.type == "dot":
            left = target.child_by_field_name("left")
            if left is None:
                return []
            if left.type == "alias":
                return ["Elixir." + "".join(src.node_text(left).split())]
            if left.type == "identifier":
                return [src.node_text(left)]
            if left.type in ("atom", "quoted_atom"):
                return []
            return arg_names(src, left)
        return []
    if t == "access_call":
        target = node.child_by_field_name("target") or (node.named_children[0] if node.named_children else None)
        if target is None:
            return []
        if target.type == "call":
            left, right = _dot_parts(target)
            if (
                left is not None
                and right is not None
                and src.node_text(left) == "conn"
                and src.node_text(right) == "params"
                and arguments_node(target) is None
            ):
                return ["conn.params"]
            tgt = call_target(target)
            if tgt is not None and tgt.type == "identifier":
                return [src.node_text(tgt)]
        if target.type == "identifier":
            return [src.node_text(target)]
        return arg_names(src, target)
    if t == "sigil":
        name = ""
        for child in node.named_children:
            if child.type == "sigil_name":
                name = src.node_text(child)
        return [] if name in ("s", "e") else [f"sigil_{name}"]
    if t == "list":
        out = []
        for child in node.named_children:
            out.extend(arg_names(src, child))
        return out
    if t == "keywords":
        out = []
        for pair in node.named_children:
            value = pair.child_by_field_name("value")
            if value is not None:
                out.extend(arg_names(src, value))
        return out
    if t == "tuple":
        kids = [c for c in node.named_children if c.type != "comment"]
        if len(kids) == 2:
            return arg_names(src, kids[0]) + arg_names(src, kids[1])
        return ["{}"]
    if t == "map":
        return ["%{}"]
    if t == "struct":
        return ["%"]
    if t == "block":
        kids = [c for c in node.named_children if c.type != "comment"]
        if len(kids) == 1:
            return arg_names(src, kids[0])
        return ["__block__"]
    if t == "anonymous_function":
        return ["fn"]
    if t == "bitstring":
        return [src.node_text(c) for c in node.named_children if c.type == "identifier"]
    return []


def pipe_source_names(src: SourceFile, node: Node) -> list[str]:
    """The names Sobelow reads from the value piped into a call (its one-argument `extract_opts`)."""
    t = node.type
    if t == "identifier":
        return [src.node_text(node)]
    if t in ("string", "access_call"):
        return arg_names(src, node)
    if t == "call":
        target = call_target(node)
        if target is not None and target.type == "dot":
            return arg_names(src, node)
        out: list[str] = []
        for arg in call_args(node):
            out.extend(arg_names(src, arg))
        if not out and not call_args(node) and target is not None:
            return [src.node_text(target)]
        return out
    if t == "unary_operator":
        operand = node.child_by_field_name("operand")
        if operand is None:
            return []
        if _op(src, node) == "@":
            if operand.type == "identifier":
                return [src.node_text(operand)]
            op_target = call_target(operand) if operand.type == "call" else None
            if op_target is not None:
                return [src.node_text(op_target)]
            return []
        if operand.type == "integer":
            return []
        return arg_names(src, operand)
    if t == "binary_operator":
        out = []
        for side in ("left", "right"):
            child = node.child_by_field_name(side)
            if child is not None:
                out.extend(arg_names(src, child))
        return out
    if t == "list":
        return arg_names(src, node)
    if t == "block":
        kids = [c for c in node.named_children if c.type != "comment"]
        return pipe_source_names(src, kids[0]) if len(kids) == 1 else []
    if t == "tuple":
        kids = [c for c in node.named_children if c.type != "comment"]
        if len(kids) == 2:
            return []
        out = []
        for kid in kids:
            out.extend(arg_names(src, kid))
        return out
    if t == "map":
        out = []
        for content in node.named_children:
            for item in content.named_children:
                if item.type == "keywords":
                    out.extend(arg_names(src, item))
                elif item.type == "binary_operator":
                    out.extend(arg_names(src, item))
        return out
    if t == "anonymous_function":
        return ["->"]
    return []


# --- def-level facts ----------------------------------------------------------------------------


def def_params(src: SourceFile, def_call: Node) -> set[str]:
    """Variable names bound in a def's head (its parameters, including those inside patterns)."""
    head = def_head(src, def_call)
    if head is None:
        return set()
    _, params, _ = head
    names: set[str] = set()
    for param in params:
        for node in src.walk(param):
            if node.type != "identifier":
                continue
            parent = node.parent
            if parent is not None and parent.type in ("call", "dot") and (
                parent.child_by_field_name("target") == node or parent.child_by_field_name("right") == node
            ):
                continue
            names.add(src.node_text(node))
    return names


_EXTRA_BLOCKS = frozenset({"else_block", "rescue_block", "catch_block", "after_block"})


def _single_do(src: SourceFile, def_call: Node) -> bool:
    """Sobelow searches unqualified calls only in defs with one plain `do` body."""
    for child in def_call.named_children:
        if child.type == "do_block":
            return not any(c.type in _EXTRA_BLOCKS for c in child.named_children)
    args = call_args(def_call)
    if args and args[-1].type == "keywords":
        keys = [src.node_text(p.child_by_field_name("key") or p).strip().rstrip(":").strip()
                for p in args[-1].named_children if p.type == "pair"]
        return keys == ["do"]
    return False


def _in_def_head(def_call: Node, node: Node) -> bool:
    args = arguments_node(def_call)
    return args is not None and args.start_byte <= node.start_byte < args.end_byte and not any(
        c.type == "keywords" and c.start_byte <= node.start_byte for c in args.named_children
    )


def _pipe_has_do(src: SourceFile, pipe: Node) -> bool:
    for node in src.walk(pipe):
        if node.type == "do_block" and not any(c.type in _EXTRA_BLOCKS for c in node.named_children):
            return True
        if node.type == "keywords":
            pairs = [p for p in node.named_children if p.type == "pair"]
            if len(pairs) == 1:
                key = pairs[0].child_by_field_name("key")
                if key is not None and src.node_text(key).strip().rstrip(":").strip() == "do":
                    return True
    return False


# --- candidate calls ------------------------------------------------------------------------------


@dataclass
class Hit:
    """A dangerous call found in a def, before confidence is decided."""

    rule: Rule
    node: Node
    line: int
    names: list[str]


def _capture_arity(src: SourceFile, call: Node) -> int | None:
    """`&Mod.fun/2` -> 2 for the inner `Mod.fun` call; None when the call is not captured."""
    parent = call.parent
    if parent is None or parent.type != "binary_operator" or _op(src, parent) != "/":
        return None
    if parent.child_by_field_name("left") != call:
        return None
    grand = parent.parent
    if grand is None or grand.type != "unary_operator" or _op(src, grand) != "&":
        return None
    right = parent.child_by_field_name("right")
    if right is not None and right.type == "integer":
        return int(src.node_text(right).replace("_", ""))
    return 0


def _call_rules(src: SourceFile, call: Node) -> list[Rule]:
    target = call_target(call)
    if target is None:
        return []
    if target.type == "identifier":
        name = src.node_text(target)
        return [r for r in _BY_FUNCTION.get(name, ()) if r.match == "local"]
    if target.type != "dot":
        return []
    right = target.child_by_field_name("right")
    left = target.child_by_field_name("left")
    if right is None or left is None:
        return []
    rules = _BY_FUNCTION.get(src.node_text(right))
    if not rules:
        return []
    out = []
    if left.type == "alias":
        alias = "".join(src.node_text(left).split())
        last = alias.rsplit(".", 1)[-1]
        for r in rules:
            if (r.match == "strict" and alias == r.module) or (r.match == "last" and last == r.module):
                out.append(r)
    elif left.type == "atom":
        mod = src.node_text(left)
        out = [r for r in rules if r.match == "erlang" and r.module == mod]
    return out


def _line_of_call(src: SourceFile, call: Node) -> int:
    target = call_target(call)
    if target is not None and target.type == "dot":
        right = target.child_by_field_name("right")
        if right is not None:
            return src.line_of(right)
    return src.line_of(call)


def _hits_for_call(src: SourceFile, call: Node, rule: Rule, def_call: Node) -> Hit | None:
    if rule.match == "local" and (not _single_do(src, def_call) or _in_def_head(def_call, call)):
        return None
    line = _line_of_call(src, call)
    arity = _capture_arity(src, call) if arguments_node(call) is None else None
    if arity is not None:
        names = [f"&{rule.index + 1}"] if rule.index < arity else []
        return Hit(rule, call, line, names)
    parent = call.parent
    if (
        parent is not None
        and parent.type == "binary_operator"
        and _op(src, parent) == "|>"
        and parent.child_by_field_name("right") == call
        and not _pipe_has_do(src, parent)
    ):
        if rule.index == 0:
            lhs = parent.child_by_field_name("left")
            if lhs is None:
                return None
            if lhs.type == "binary_operator" and _op(src, lhs) == "|>":
                lhs = lhs.child_by_field_name("right") or lhs
            return Hit(rule, call, line, pipe_source_names(src, lhs))
        args = call_args(call)
        idx = rule.index - 1
        return Hit(rule, call, line, arg_names(src, args[idx]) if idx < len(args) else [])
    args = call_args(call)
    return Hit(rule, call, line, arg_names(src, args[rule.index]) if rule.index < len(args) else [])


def _download_binary(src: SourceFile, call: Node) -> bool:
    """`send_download(conn, {:binary, data})`: sends bytes, not a file path."""
    for arg in call_args(call):
        if arg.type == "tuple":
            kids = arg.named_children
            if len(kids) == 2 and src.node_text(kids[0]) == ":binary":
                return True
    return False


def _content_types(src: SourceFile, def_call: Node) -> list[str | None]:
    """First arguments of `put_resp_content_type` calls in a def (None when not a literal string)."""
    out: list[str | None] = []
    for node in src.walk(def_call):
        if node.type != "call":
            continue
        target = call_target(node)
        if target is None:
            continue
        if target.type == "identifier":
            if src.node_text(target) != "put_resp_content_type":
                continue
        elif target.type == "dot":
            left, right = target.child_by_field_name("left"), target.child_by_field_name("right")
            if right is None or src.node_text(right) != "put_resp_content_type" or left is None:
                continue
            if left.type != "alias" or "".join(src.node_text(left).split()).rsplit(".", 1)[-1] != "Conn":
                continue
        else:
            continue
        args = call_args(node)
        first = args[0] if args else None
        if first is not None and first.type == "string" and not any(
            c.type == "interpolation" for c in first.named_children
        ):
            out.append("".join(src.node_text(c) for c in first.named_children))
        else:
            out.append(None)
    return out


def _send_resp_confidence(base: str, content_types: list[str | None]) -> str | None:
    if not content_types:
        return base
    if any(c is None for c in content_types):
        return "low"
    html = ["html" in c.lower() for c in content_types if c is not None]
    if all(html):
        return base
    if any(html):
        return "low"
    return None


def _confidence(names: list[str], params: set[str], fixed: str | None) -> str:
    if fixed is not None:
        return fixed
    best = "medium"
    for name in names:
        if name == "conn.params" or name in params:
            return "high"
    return best


# --- per-file driver ------------------------------------------------------------------------------


def def_calls(src: SourceFile) -> list[Node]:
    """Every `def`/`defp` with a head, in source order (nested ones included, like Sobelow)."""
    return [c for c in src.calls if local_call_name(src, c) in ("def", "defp") and arguments_node(c) is not None]


def skips_by_def(src: SourceFile, defs: list[Node]) -> dict[int, set[str]]:
    """`# sobelow_skip ["Type"]` comments: each applies to the next def after it (keyed by def start byte)."""
    out: dict[int, set[str]] = {}
    comments = src.by_type("comment")
    if not comments or not defs:
        return out
    starts = [d.start_byte for d in defs]
    import bisect

    for comment in comments:
        m = SKIP_COMMENT.search(src.node_text(comment))
        if not m:
            continue
        names = set(re.findall(r"\"([^\"]+)\"", m.group(1)))
        i = bisect.bisect_right(starts, comment.end_byte - 1)
        if i < len(defs):
            out.setdefault(defs[i].start_byte, set()).update(names)
    return out


def _candidates(src: SourceFile) -> Iterator[tuple[Node, list[Rule]]]:
    for call in src.calls:
        rules = _call_rules(src, call)
        if rules:
            yield call, rules
    bin_to_atom = [r for r in RULES if r.check == "DOS.BinToAtom"]
    for kind in ("quoted_atom", "quoted_keyword"):
        for node in src.by_type(kind):
            if any(c.type == "interpolation" for c in node.named_children):
                yield node, bin_to_atom


def scan_file(
    meta: FileMeta,
    disabled: set[str] | frozenset[str],
    skip: bool,
    controller_raw: bool = True,
) -> list[Finding]:
    """All call-site findings of one file, in source order."""
    src = meta.src
    if src.root is None:
        return []
    defs = def_calls(src)
    if not defs:
        return []
    def_set = {d.start_byte: d for d in defs}
    skips = skips_by_def(src, defs) if skip else {}
    params_cache: dict[int, set[str]] = {}
    ctype_cache: dict[int, list[str | None]] = {}
    findings: list[tuple[int, int, int, Finding]] = []
    for node, rules in _candidates(src):
        enclosing = [a for a in _ancestors(node) if a.type == "call" and a.start_byte in def_set
                     and def_set[a.start_byte] == a]
        if not enclosing:
            continue
        for rule in rules:
            if is_disabled(rule.check, disabled):
                continue
            if rule.check == "XSS.Raw" and meta.is_controller and controller_raw:
                continue  # controllers: XSS.Raw is judged through render/2 and the templates
            for def_call in enclosing:
                if skips.get(def_call.start_byte) and is_disabled(rule.check, frozenset(skips[def_call.start_byte])):
                    continue
                if node.type == "call":
                    hit = _hits_for_call(src, node, rule, def_call)
                else:
                    hit = Hit(rule, node, src.line_of(node), _interpolations(src, node))
                if hit is None or not hit.names:
                    continue
                if rule.check == "Traversal.SendDownload" and _download_binary(src, node):
                    continue
                fixed: str | None
                if rule.check == "Misc.BinToTerm":
                    fixed = "high"
                elif rule.check == "XSS.SendResp" or meta.is_controller:
                    fixed = None
                else:
                    fixed = "low"
                key = def_call.start_byte
                if fixed is None and key not in params_cache:
                    params_cache[key] = def_params(src, def_call)
                confidence = _confidence(hit.names, params_cache.get(key, set()), fixed)
                if rule.check == "XSS.SendResp":
                    if key not in ctype_cache:
                        ctype_cache[key] = _content_types(src, def_call)
                    adjusted = _send_resp_confidence(confidence, ctype_cache[key])
                    if adjusted is None:
                        continue
                    confidence = adjusted
                variable = " and ".join(hit.names)
                finding = make_finding(
                    rule.check, meta.filename, hit.line, confidence, {"variable": variable}, title=rule.title
                )
                findings.append((hit.line, CHECK_ORDER.index(rule.check), node.start_byte, finding))
    findings.sort(key=lambda f: (f[0], f[1], f[2]))
    return [f[3] for f in findings]


def _ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def confidence_at_least(confidence: str, threshold: str) -> bool:
    """Sobelow's `--threshold`: keep findings at or above the given confidence."""
    return CONFIDENCE_RANK[confidence] >= CONFIDENCE_RANK.get(threshold, 1)


# --- XSS.Raw through controllers and templates ----------------------------------------------------

_RAW_IN_TEMPLATE = re.compile(r"\braw(?:\(\s*|\s+)(@?[A-Za-z_][A-Za-z0-9_]*[!?]?)|(@[A-Za-z_]\w*)\s*\|>\s*raw\b")


@dataclass
class Template:
    """A template and the variables it passes to `raw`."""

    path: str
    raws: list[tuple[int, str]]

    @property
    def raw_vars(self) -> set[str]:
        """`@name` strings given to raw."""
        return {v for _, v in self.raws}


def load_templates(root: Path, ignored_files: set[Path] | None = None) -> dict[str, Template]:
    """EEx and HEEx templates under the scanned root, keyed by their path relative to the project."""
    out: dict[str, Template] = {}
    for path in template_files(web_root(root), ignored_files):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        uses = raw_uses(text, heex=path.name.endswith((".heex", ".leex")))
        rel = path.relative_to(root).as_posix()
        out[rel] = Template(rel, [(u.line, u.variable) for u in uses])
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
        enclosing = [a for a in _ancestors(call) if a.type == "call" and def_set.get(a.start_byte) == a]
        for def_call in enclosing:
            if skips.get(def_call.start_byte) and is_disabled("XSS.Raw", frozenset(skips[def_call.start_byte])):
                continue
            if not _single_do(src, def_call):
                continue
            params = def_params(src, def_call)
            args = call_args(call)
            parent = call.parent
            piped = parent is not None and parent.type == "binary_operator" and _op(src, parent) == "|>" \
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
