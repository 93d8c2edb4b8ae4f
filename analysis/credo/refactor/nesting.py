"""Refactor.Nesting: Function bodies nested deeper than `max_nesting` levels of
if/unless/case/cond/fn/for/with."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from tree_sitter import Node

from ...ast import calls_named, local_call_name
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ._helpers import START, _defs, _line, _named, _op, call_lists, keyword_entries

# Nesting
_NEST_CALLS = frozenset({"if", "unless", "case", "cond", "for", "with"})


def _nest_candidates(src: SourceFile, max_nesting: int) -> list[Node]:
    """Definitions that could exceed `max_nesting`: structurally, counting every nest construct.

    Credo only follows part of the tree, so its depth never exceeds this count; definitions
    under the limit here need no closer look.
    """
    nests: list[Node] = [n for name in _NEST_CALLS for n in calls_named(src, name)]
    nests += src.by_type("anonymous_function")
    if len(nests) <= max_nesting:
        return []
    nests.sort(key=START)
    starts = [n.start_byte for n in nests]
    ends = [n.end_byte for n in nests]
    out = []
    for def_call in _defs(src):
        lo = bisect.bisect_left(starts, def_call.start_byte)
        hi = bisect.bisect_left(starts, def_call.end_byte)
        if hi - lo <= max_nesting:
            continue
        stack: list[int] = []
        for i in range(lo, hi):
            start = starts[i]
            while stack and stack[-1] <= start:
                stack.pop()
            stack.append(ends[i])
            if len(stack) > max_nesting:
                out.append(def_call)
                break
    return out


def _nesting_of(src: SourceFile, def_call: Node, kind: str) -> tuple[int, int, str] | None:
    """Credo's deepest `(depth, line, construct)` in a definition, following only what Credo follows.

    Credo walks the definition's do/else/rescue/after bodies. Below that it follows calls and
    operators; of a nested keyword list it reads only `[do: x]`, `[do: x, else: y]`,
    `[do: _, rescue: r]` and `[do: _, after: a]`; list literals, two-element tuples and map
    pairs are opaque. The line and construct are those of the innermost if/unless/case/cond/
    fn/for/with around the deepest point; ties go to the later line.
    """
    best: tuple[int, int, str] | None = None
    ctx0 = (0, _line(def_call), kind)
    work: list[tuple[object, tuple[int, int, str]]] = []
    lists = call_lists(def_call)[1]
    for key in ("do", "else", "rescue", "after"):
        for kw in lists:
            found = [v for k, v in keyword_entries(src, kw) if k == key]
            if found:
                work.append((("content", found[0]), ctx0))
                break
    while work:
        item, ctx = work.pop()
        if isinstance(item, tuple):
            tag, payload = item
            if tag == "content":
                nodes = payload
                if len(nodes) == 1:
                    only = nodes[0]
                    if only.type == "list":  # List.wrap of a list literal: its elements
                        for el in _named(only):
                            if el.type == "keywords":
                                if el.named_child_count:
                                    best = ctx if best is None or ctx > best else best
                            else:
                                work.append((el, ctx))
                        continue
                    if only.type == "nil":  # List.wrap(nil) is empty
                        continue
                work.extend((n, ctx) for n in nodes)
            elif tag == "kw":
                entries = keyword_entries(src, payload)
                keys = [k for k, _ in entries]
                if keys == ["do"]:
                    work.append((("content", entries[0][1]), ctx))
                elif keys == ["do", "else"]:
                    work.append((("content", entries[0][1]), ctx))
                    work.append((("content", entries[1][1]), ctx))
                elif keys in (["do", "rescue"], ["do", "after"]):
                    work.append((("content", entries[1][1]), ctx))
            continue
        node: Node = item  # type: ignore[assignment]
        t = node.type
        if t == "call":
            target = node.child_by_field_name("target")
            new_ctx = ctx
            if target is not None and target.type == "identifier":
                name = src.node_text(target)
                if name in _NEST_CALLS:
                    new_ctx = (ctx[0] + 1, _line(node), name)
            positional, kws = call_lists(node)
            work.extend((a, new_ctx) for a in positional)
            work.extend((("kw", k), new_ctx) for k in kws)
        elif t == "anonymous_function":
            new_ctx = (ctx[0] + 1, _line(node), "fn")
            for clause in node.named_children:
                if clause.type == "stab_clause":
                    work.append((clause, new_ctx))
        elif t == "stab_clause":
            body = node.child_by_field_name("right")
            if body is not None:
                work.extend((c, ctx) for c in _named(body))
        elif t in ("binary_operator",):
            op = _op(node)
            if op == "=>":
                best = ctx if best is None or ctx > best else best
            else:
                work.extend((c, ctx) for c in _named(node))
        elif t in ("unary_operator", "block", "body", "access_call", "bitstring", "interpolation"):
            work.extend((c, ctx) for c in _named(node))
        elif t == "keywords":
            work.append((("kw", node), ctx))
        elif t == "tuple":
            elems = _named(node)
            if len(elems) == 2:
                best = ctx if best is None or ctx > best else best
            else:
                work.extend((c, ctx) for c in elems)
        elif t == "map":
            for part in _named(node):
                if part.type == "struct":
                    best = ctx if best is None or ctx > best else best
                elif part.type == "map_content":
                    for entry in _named(part):
                        if entry.type == "keywords" or (entry.type == "binary_operator" and _op(entry) == "=>"):
                            if entry.named_child_count:
                                best = ctx if best is None or ctx > best else best
                        elif entry.type == "binary_operator" and _op(entry) == "|":
                            left = entry.child_by_field_name("left")
                            if left is not None:
                                work.append((left, ctx))
                        else:
                            work.append((entry, ctx))
        elif t in ("list", "charlist", "comment"):
            continue  # opaque to Credo's walk
        elif t in ("string", "sigil"):
            best = ctx if best is None or ctx > best else best
            for part in node.named_children:
                if part.type == "interpolation":
                    work.extend((c, ctx) for c in _named(part))
        else:
            best = ctx if best is None or ctx > best else best
    return best


@register
class Nesting(CredoCheck):
    """Function bodies nested deeper than `max_nesting` levels of if/unless/case/cond/fn/for/with.

    One issue per definition (def, defp, defmacro), on the line of the innermost construct of
    its deepest point; a definition inside another one counts for both.
    """

    name = "Credo.Check.Refactor.Nesting"
    category = "refactor"
    base_priority = 0
    default_params = {"max_nesting": 2}
    summary = "Code should not be nested more than twice inside a function."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        max_nesting = int(ctx.params["max_nesting"])
        for def_call in _nest_candidates(src, max_nesting):
            kind = local_call_name(src, def_call) or "def"
            found = _nesting_of(src, def_call, kind)
            if found is not None and found[0] > max_nesting:
                depth, line, trigger = found
                yield ctx.issue(
                    f"Function body is nested too deep (max depth is {max_nesting}, was {depth}).",
                    line,
                    trigger=trigger,
                )
