"""Naming what reaches a call's argument, and finding the defs Sobelow scans (shared by the call-site types).

Sobelow names the "variable" that reaches a risky argument: a variable name, a called function's name,
`conn.params`, or `&1` for captures. Only `def`/`defp` bodies are scanned; `# sobelow_skip` comments
apply to the next def.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from ..ast import arguments_node, call_args, call_target, def_head, local_call_name
from ..source import SourceFile

# Operators whose operands Sobelow looks through when naming the variable of an argument.
_LOOKTHROUGH_OPS = frozenset(
    "+ - ! ^ not ~~~ * / ++ -- .. <> <<< >>> ~>> <<~ > < >= <= == != =~ === !== && &&& and || ||| or = |".split()
)


SKIP_COMMENT = re.compile(r"#\s?sobelow_skip (\[(\"[^\"]+\"(,|, )?)+\])")


def operator_text(src: SourceFile, node: Node) -> str:
    op = node.child_by_field_name("operator")
    return src.node_text(op) if op is not None else ""


def interpolations(src: SourceFile, node: Node) -> list[str]:
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
        return interpolations(src, node)
    if t == "unary_operator":
        op = operator_text(src, node)
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
        op = operator_text(src, node)
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
        if operator_text(src, node) == "@":
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


def single_do(src: SourceFile, def_call: Node) -> bool:
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


def in_def_head(def_call: Node, node: Node) -> bool:
    args = arguments_node(def_call)
    return args is not None and args.start_byte <= node.start_byte < args.end_byte and not any(
        c.type == "keywords" and c.start_byte <= node.start_byte for c in args.named_children
    )


def pipe_has_do(src: SourceFile, pipe: Node) -> bool:
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
