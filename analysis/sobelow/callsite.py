"""The scan for call-site types (CI, DOS, Misc.BinToTerm, RCE, SQL, Traversal, XSS): dangerous calls in `def`s.

Each type's rules (which function, which argument) live in its own module, e.g. `sql/query.py`.

Sobelow looks only inside `def`/`defp` bodies. For each dangerous call it names the
"variable" that reaches the risky argument (a variable name, a called function's name,
`conn.params`, `&1` for captures) and drops calls whose argument holds no such name
(literals). Outside a Phoenix controller a finding is low confidence; inside one it is
high when a variable is a parameter of the enclosing function (or `conn.params`), else medium.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from ..ast import ancestors, arguments_node, call_args, call_target
from ..issues import Finding
from ..source import SourceFile
from .base import CONFIDENCE_RANK, FileMeta, is_disabled, make_finding
from .call_rule import Rule
from .calls import (
    arg_names,
    def_calls,
    def_params,
    in_def_head,
    interpolations,
    operator_text,
    pipe_has_do,
    pipe_source_names,
    single_do,
    skips_by_def,
)
from .ci import os as ci_os
from .ci import system as ci_system
from .dos import bin_to_atom, list_to_atom, string_to_atom
from .misc import bin_to_term
from .rce import code_module, eex
from .sql import query, stream
from .traversal import file_module, send_download, send_file
from .xss import content_type, html, raw, send_resp

# Every call-site rule, in the order the types were listed before they moved one per file.
RULES: list[Rule] = [
    *string_to_atom.RULES, *list_to_atom.RULES, *bin_to_atom.RULES, *bin_to_term.RULES,
    *ci_system.RULES, *ci_os.RULES, *query.RULES, *stream.RULES,
    *send_resp.RULES, *content_type.RULES, *html.RULES, *raw.RULES,
    *send_file.RULES, *send_download.RULES, *code_module.RULES, *eex.RULES, *file_module.RULES,
]
_BY_FUNCTION: dict[str, list[Rule]] = {}
for _rule in RULES:
    _BY_FUNCTION.setdefault(_rule.function, []).append(_rule)


# Sobelow's order of checks within one function (group order, then submodule order).
CHECK_ORDER = [
    "XSS.SendResp", "XSS.ContentType", "XSS.Raw", "XSS.HTML", "SQL.Query", "SQL.Stream",
    "Traversal.SendFile", "Traversal.FileModule", "Traversal.SendDownload", "RCE.EEx", "RCE.CodeModule",
    "Misc.BinToTerm", "CI.System", "CI.OS", "DOS.StringToAtom", "DOS.ListToAtom", "DOS.BinToAtom",
]


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
    if parent is None or parent.type != "binary_operator" or operator_text(src, parent) != "/":
        return None
    if parent.child_by_field_name("left") != call:
        return None
    grand = parent.parent
    if grand is None or grand.type != "unary_operator" or operator_text(src, grand) != "&":
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
    if rule.match == "local" and (not single_do(src, def_call) or in_def_head(def_call, call)):
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
        and operator_text(src, parent) == "|>"
        and parent.child_by_field_name("right") == call
        and not pipe_has_do(src, parent)
    ):
        if rule.index == 0:
            lhs = parent.child_by_field_name("left")
            if lhs is None:
                return None
            if lhs.type == "binary_operator" and operator_text(src, lhs) == "|>":
                lhs = lhs.child_by_field_name("right") or lhs
            return Hit(rule, call, line, pipe_source_names(src, lhs))
        args = call_args(call)
        idx = rule.index - 1
        return Hit(rule, call, line, arg_names(src, args[idx]) if idx < len(args) else [])
    args = call_args(call)
    return Hit(rule, call, line, arg_names(src, args[rule.index]) if rule.index < len(args) else [])


def _confidence(names: list[str], params: set[str], fixed: str | None) -> str:
    if fixed is not None:
        return fixed
    best = "medium"
    for name in names:
        if name == "conn.params" or name in params:
            return "high"
    return best


def _candidates(src: SourceFile) -> Iterator[tuple[Node, list[Rule]]]:
    for call in src.calls:
        rules = _call_rules(src, call)
        if rules:
            yield call, rules
    for kind in bin_to_atom.INTERPOLATED_ATOM_TYPES:
        for node in src.by_type(kind):
            if any(c.type == "interpolation" for c in node.named_children):
                yield node, bin_to_atom.RULES


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
        enclosing = [a for a in ancestors(node) if a.type == "call" and a.start_byte in def_set
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
                    hit = Hit(rule, node, src.line_of(node), interpolations(src, node))
                if hit is None or not hit.names:
                    continue
                if rule.check == "Traversal.SendDownload" and send_download.sends_binary(src, node):
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
                        ctype_cache[key] = send_resp.content_types(src, def_call)
                    adjusted = send_resp.send_resp_confidence(confidence, ctype_cache[key])
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


def confidence_at_least(confidence: str, threshold: str) -> bool:
    """Sobelow's `--threshold`: keep findings at or above the given confidence."""
    return CONFIDENCE_RANK[confidence] >= CONFIDENCE_RANK.get(threshold, 1)
