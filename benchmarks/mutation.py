"""Our mutation engine for Elixir: small faults injected into function bodies via the tree-sitter AST.

A mutant is the original source with one edit (a byte range replaced by new text). Edits
are found on the tree-sitter-elixir tree, only inside `def`/`defp` clauses (heads, guards
and bodies; module attributes, docs, specs and `defstruct` are left alone), and a mutant is
kept only when the edited source still parses without an ERROR or MISSING node and differs
from every mutant kept before it.

Operators (`OPERATORS`):

* ``arithmetic``: `+`<->`-`, `*`->`+`, `/`->`*`, `++`<->`--`, `div`<->`rem`;
* ``comparison``: `==`<->`!=`, `===`<->`!==`, and each of `<`, `<=`, `>`, `>=` moved to its
  boundary neighbour (`<`->`<=`) and to its opposite (`<`->`>`);
* ``boolean``: `and`<->`or`, `&&`<->`||`, and `not x` / `!x` -> `x`;
* ``literal``: integers (0->1, 1->0, n->n+1), floats (x->x+1.0), `true`<->`false`, atoms
  (`:a`->`:a_mutant`), plain strings (non-empty->"", ""->"mutant");
* ``call_removal``: a call statement whose value is discarded (not the last expression of
  its block) replaced by `nil`, a pipeline stage dropped (`x |> f()` -> `x`), and a remote
  call replaced by its first argument (`Map.merge(a, b)` -> `a`);
* ``negate_condition``: the condition of `if`/`unless` wrapped in `!(...)`, `cond` clause
  conditions (except a literal `true`) wrapped in `!(...)`, and `when` guards of `case`
  clauses and function heads wrapped in `not(...)`;
* ``pattern_swap``: two adjacent clauses of the same function (same name, arity and kind)
  swapped, and two adjacent clauses of a `case`, `cond`, `receive` or multi-clause `fn`;
  a swap is skipped when the two patterns provably cannot match the same value (different
  literals or tuple sizes at the same position: `f(0)` and `f(1)`, `{:ok, _}` and
  `{:error, _}`), since such a swap changes nothing.

Equivalent mutants. Some mutants behave exactly like the original (`x * 1` -> `x + 1` is
not one, but `n >= 0` -> `n > 0` is equivalent when `n` can never be 0; swapping two case
clauses whose patterns do not overlap changes nothing; an atom that is only compared with
itself is renamed consistently elsewhere). Deciding equivalence is undecidable in general
and we do not try: no test suite can kill such a mutant, so a mutation score below 1.0 is
not by itself a weakness of the tests. Scores are comparable across test suites of the same
item (the generated tests against the ground-truth tests), which is how the test-generation
benchmark uses them.

    from elixir_coder.benchmarks.mutation import generate_mutants
    for m in generate_mutants(source):
        print(m.id, m.operator, m.line, m.description)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from elixir_coder.analysis.source import new_parser

from .syntax import node_text, walk

OPERATORS = (
    "arithmetic", "comparison", "boolean", "literal", "call_removal", "negate_condition", "pattern_swap",
)
_ARITHMETIC = {"+": ["-"], "-": ["+"], "*": ["+"], "/": ["*"], "++": ["--"], "--": ["++"]}
_COMPARISON = {
    "==": ["!="], "!=": ["=="], "===": ["!=="], "!==": ["==="],
    "<": ["<=", ">"], "<=": ["<", ">="], ">": [">=", "<"], ">=": [">", "<="],
}
_BOOLEAN = {"and": ["or"], "or": ["and"], "&&": ["||"], "||": ["&&"]}
_DEF_KINDS = ("def", "defp")
# Calls that are control flow or definitions, not function calls to remove.
_NOT_REMOVABLE = frozenset({
    "if", "unless", "case", "cond", "with", "for", "try", "receive", "fn", "def", "defp", "quote", "raise",
    "reraise", "throw", "exit",
})
_STATEMENT_PARENTS = ("do_block", "body", "block", "else_block", "after_block", "rescue_block", "catch_block")


class MutationError(ValueError):
    """The source cannot be mutated (it does not parse)."""


@dataclass(frozen=True)
class Mutant:
    """One mutant: the edit and the resulting source.

    `start`/`end` are byte offsets of the replaced range in the original (UTF-8) source;
    `line` is 1-based.
    """

    id: str
    operator: str
    line: int
    column: int
    start: int
    end: int
    original: str
    replacement: str
    description: str
    source: str

    def to_dict(self, with_source: bool = False) -> dict:
        """JSON-friendly form (the mutated source only when asked)."""
        d = {"id": self.id, "operator": self.operator, "line": self.line, "column": self.column,
             "original": self.original, "replacement": self.replacement, "description": self.description}
        if with_source:
            d["source"] = self.source
        return d


@dataclass(frozen=True)
class _Edit:
    operator: str
    start: int
    end: int
    replacement: str
    description: str
    # a second range, for swaps (start2 > end)
    start2: int = -1
    end2: int = -1
    replacement2: str = ""


def _call_name(node: Node) -> str | None:
    """The identifier a `call` node calls (`if`, `def`, `foo`), or None (remote calls, `x.()`)."""
    if node.type != "call":
        return None
    target = node.child_by_field_name("target")
    if target is not None and target.type == "identifier":
        return node_text(target)
    return None


def _def_head(def_node: Node) -> tuple[str, int, Node | None] | None:
    """(name, arity, guard node or None) of a `def`/`defp` clause."""
    args = next((c for c in def_node.children if c.type == "arguments"), None)
    if args is None or not args.named_children:
        return None
    head: Node | None = args.named_children[0]
    guard = None
    if head is not None and head.type == "binary_operator" and _op(head) == "when":
        guard = head.child_by_field_name("right")
        head = head.child_by_field_name("left")
    if head is None:
        return None
    if head.type == "identifier":
        return node_text(head), 0, guard
    if head.type == "call":
        name = _call_name(head)
        if name is None:
            return None
        params = next((c for c in head.children if c.type == "arguments"), None)
        return name, len(params.named_children) if params is not None else 0, guard
    return None


def _op(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return node_text(op) if op is not None else ""


def _function_clauses(root: Node) -> list[Node]:
    """Every `def`/`defp` call node in the tree (nested modules included)."""
    return [n for n in walk(root) if n.type == "call" and _call_name(n) in _DEF_KINDS]


def _integer_mutation(text: str) -> str | None:
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        return None
    if value == 0:
        return "1"
    if value == 1:
        return "0"
    return str(value + 1)


def _plain_string(node: Node) -> bool:
    """A one-line double-quoted string without interpolation."""
    t = node_text(node)
    return (t.startswith('"') and not t.startswith('"""')
            and all(c.type in ('"', "quoted_content", "escape_sequence") for c in node.children))


def _edits_in_clause(clause: Node) -> Iterator[_Edit]:
    """Every edit inside one function clause (its name excluded)."""
    for node in walk(clause):
        t = node.type
        if t == "binary_operator":
            op_node = node.child_by_field_name("operator")
            op = _op(node)
            if op_node is None:
                continue
            for table, kind in ((_ARITHMETIC, "arithmetic"), (_COMPARISON, "comparison"), (_BOOLEAN, "boolean")):
                for new in table.get(op, []):
                    yield _Edit(kind, op_node.start_byte, op_node.end_byte, new, f"`{op}` -> `{new}`")
            if op == "|>":
                right = node.child_by_field_name("right")
                left = node.child_by_field_name("left")
                if right is not None and left is not None and right.type == "call":
                    yield _Edit("call_removal", node.start_byte, node.end_byte, node_text(left),
                                f"pipeline stage `{_short(right)}` removed")
            if op == "when" and node.parent is not None:
                # a guard of a case/fn clause (child of the stab clause) or of a def head
                # (inside the def's arguments)
                guard = node.child_by_field_name("right")
                parent = node.parent
                is_clause_guard = parent.type == "stab_clause"
                is_def_guard = (parent.type == "arguments" and parent.parent is not None
                                and _call_name(parent.parent) in _DEF_KINDS)
                if guard is not None and (is_clause_guard or is_def_guard):
                    yield _Edit("negate_condition", guard.start_byte, guard.end_byte, f"not({node_text(guard)})",
                                f"guard `{_short(guard)}` negated")
        elif t == "unary_operator" and _op(node) in ("not", "!"):
            operand = node.child_by_field_name("operand")
            if operand is not None:
                yield _Edit("boolean", node.start_byte, node.end_byte, node_text(operand),
                            f"`{_op(node)}` removed")
        elif t == "integer":
            new_int = _integer_mutation(node_text(node))
            if new_int is not None:
                yield _Edit("literal", node.start_byte, node.end_byte, new_int, f"{node_text(node)} -> {new_int}")
        elif t == "float":
            try:
                value = float(node_text(node).replace("_", ""))
            except ValueError:
                continue
            yield _Edit("literal", node.start_byte, node.end_byte, repr(value + 1.0), f"{node_text(node)} -> {value + 1.0}")
        elif t == "boolean":
            new = "false" if node_text(node) == "true" else "true"
            yield _Edit("literal", node.start_byte, node.end_byte, new, f"{node_text(node)} -> {new}")
        elif t == "atom" and node.parent is not None and node.parent.type != "dot":
            a = node_text(node)
            if a.startswith(":") and a[1:].replace("_", "").isalnum():
                yield _Edit("literal", node.start_byte, node.end_byte, a + "_mutant", f"{a} -> {a}_mutant")
        elif t == "string" and _plain_string(node):
            new = '""' if node_text(node) != '""' else '"mutant"'
            yield _Edit("literal", node.start_byte, node.end_byte, new, f"{_short(node)} -> {new}")
        elif t == "call":
            yield from _call_edits(node)
        elif t == "do_block" or t == "anonymous_function":
            yield from _stab_swaps(node)


def _call_edits(node: Node) -> Iterator[_Edit]:
    name = _call_name(node)
    if name in ("div", "rem"):
        target = node.child_by_field_name("target")
        if target is not None:
            new = "rem" if name == "div" else "div"
            yield _Edit("arithmetic", target.start_byte, target.end_byte, new, f"`{name}` -> `{new}`")
    if name in ("if", "unless"):
        args = next((c for c in node.children if c.type == "arguments"), None)
        if args is not None and args.named_children:
            cond = args.named_children[0]
            yield _Edit("negate_condition", cond.start_byte, cond.end_byte, f"!({node_text(cond)})",
                        f"`{name}` condition `{_short(cond)}` negated")
    if name == "cond":
        block = next((c for c in node.children if c.type == "do_block"), None)
        for clause in (block.named_children if block is not None else []):
            left = clause.child_by_field_name("left") if clause.type == "stab_clause" else None
            if left is None or len(left.named_children) != 1:
                continue
            cond = left.named_children[0]
            if node_text(cond) == "true":
                continue
            yield _Edit("negate_condition", cond.start_byte, cond.end_byte, f"!({node_text(cond)})",
                        f"`cond` clause `{_short(cond)}` negated")
    parent = node.parent
    target = node.child_by_field_name("target")
    args = next((c for c in node.children if c.type == "arguments"), None)
    in_pipe = parent is not None and parent.type == "binary_operator" and _op(parent) == "|>" \
        and parent.child_by_field_name("right") == node
    if target is not None and target.type == "dot" and args is not None and args.named_children and not in_pipe:
        # a remote call replaced by its first argument (`Map.merge(a, b)` -> `a`)
        first = args.named_children[0]
        yield _Edit("call_removal", node.start_byte, node.end_byte, node_text(first),
                    f"call `{_short(node)}` replaced by its first argument")
    if (name not in _NOT_REMOVABLE and parent is not None and parent.type in _STATEMENT_PARENTS
            and node.next_named_sibling is not None and node.next_named_sibling.type != "end"):
        # value discarded: the call is there for its side effect
        yield _Edit("call_removal", node.start_byte, node.end_byte, "nil", f"call `{_short(node)}` removed")


_LITERALS = ("atom", "quoted_atom", "integer", "float", "string", "boolean", "nil", "char")


def _literal_value(node: Node) -> str | None:
    """A comparable text for a literal pattern (`-1` included, `:true` same as `true`), else None."""
    if node.type == "unary_operator" and _op(node) in ("-", "+"):
        operand = node.child_by_field_name("operand")
        return node_text(node).replace(" ", "") if operand is not None and operand.type in ("integer", "float") else None
    if node.type not in _LITERALS or (node.type == "string" and not _plain_string(node)):
        return None
    text = node_text(node)
    return text[1:] if node.type == "atom" and text in (":true", ":false", ":nil") else text


def _list_shape(node: Node) -> tuple[int, bool]:
    """(named elements, whether the last one is a `| tail`) of a list pattern."""
    items = node.named_children
    return len(items), bool(items) and items[-1].type == "binary_operator" and _op(items[-1]) == "|"


def _disjoint(a: Node, b: Node) -> bool:
    """True when no value can match both patterns (conservative: False when unsure)."""
    for x, y in ((a, b), (b, a)):
        if x.type == "binary_operator" and _op(x) == "=":  # `pat = var` must match both sides
            return any(_disjoint(side, y) for side in (x.child_by_field_name("left"), x.child_by_field_name("right"))
                       if side is not None)
    va, vb = _literal_value(a), _literal_value(b)
    shape_a = "literal" if va is not None else a.type
    shape_b = "literal" if vb is not None else b.type
    shapes = ("literal", "tuple", "list")
    if shape_a in shapes and shape_b in shapes and shape_a != shape_b:
        return True
    if va is not None and vb is not None:
        return va != vb
    if a.type == "tuple" and b.type == "tuple":
        ka, kb = a.named_children, b.named_children
        return len(ka) != len(kb) or any(_disjoint(x, y) for x, y in zip(ka, kb, strict=True))
    if a.type == "list" and b.type == "list":
        (na, tail_a), (nb, tail_b) = _list_shape(a), _list_shape(b)
        if not tail_a and not tail_b:
            return na != nb or any(_disjoint(x, y) for x, y in zip(a.named_children, b.named_children, strict=True))
        # `[x, y | t]` has at least 2 elements; a list without a tail has exactly its count
        return (not tail_a and na < nb) or (not tail_b and nb < na)
    if a.type == "arguments" and b.type == "arguments":
        ka, kb = a.named_children, b.named_children
        return len(ka) == len(kb) and any(_disjoint(x, y) for x, y in zip(ka, kb, strict=True))
    return False


def _clause_pattern(node: Node) -> Node | None:
    """The argument patterns of a def clause or a stab clause, guard left out."""
    if node.type == "stab_clause":
        left = node.child_by_field_name("left")
        if left is not None and left.type == "binary_operator" and _op(left) == "when":
            left = left.child_by_field_name("left")
        return left
    args = next((c for c in node.children if c.type == "arguments"), None)
    head = args.named_children[0] if args is not None and args.named_children else None
    if head is not None and head.type == "binary_operator" and _op(head) == "when":
        head = head.child_by_field_name("left")
    return next((c for c in head.children if c.type == "arguments"), None) if head is not None else None


def _swap_is_equivalent(a: Node, b: Node) -> bool:
    pa, pb = _clause_pattern(a), _clause_pattern(b)
    return pa is not None and pb is not None and _disjoint(pa, pb)


def _stab_swaps(block: Node) -> Iterator[_Edit]:
    """Adjacent clauses of a case/cond/receive/fn swapped."""
    if block.type == "do_block" and (block.parent is None
                                     or _call_name(block.parent) not in ("case", "cond", "receive")):
        return
    clauses = [c for c in block.named_children if c.type == "stab_clause"]
    is_cond = block.parent is not None and _call_name(block.parent) == "cond"
    for a, b in zip(clauses, clauses[1:], strict=False):
        ta, tb = node_text(a), node_text(b)
        if ta != tb and (is_cond or not _swap_is_equivalent(a, b)):
            yield _Edit("pattern_swap", a.start_byte, a.end_byte, tb, f"clauses at lines {a.start_point[0] + 1} "
                        f"and {b.start_point[0] + 1} swapped", b.start_byte, b.end_byte, ta)


def _clause_swaps(root: Node) -> Iterator[_Edit]:
    """Adjacent clauses of the same function (same kind, name, arity) swapped."""
    for parent in walk(root):
        if parent.type != "do_block":
            continue
        calls = [c for c in parent.named_children if c.type == "call" and _call_name(c) in _DEF_KINDS]
        for a, b in zip(calls, calls[1:], strict=False):
            if a.next_named_sibling != b:
                continue  # something (a doc, another function) sits between them
            ha, hb = _def_head(a), _def_head(b)
            if ha is None or hb is None or _call_name(a) != _call_name(b) or ha[:2] != hb[:2]:
                continue
            ta, tb = node_text(a), node_text(b)
            if ta != tb and not _swap_is_equivalent(a, b):
                yield _Edit("pattern_swap", a.start_byte, a.end_byte, tb,
                            f"clauses of {ha[0]}/{ha[1]} at lines {a.start_point[0] + 1} and "
                            f"{b.start_point[0] + 1} swapped", b.start_byte, b.end_byte, ta)


def _short(node: Node, limit: int = 40) -> str:
    t = " ".join(node_text(node).split())
    return t if len(t) <= limit else t[: limit - 3] + "..."


def _apply(data: bytes, edit: _Edit) -> bytes:
    if edit.start2 < 0:
        return data[: edit.start] + edit.replacement.encode() + data[edit.end:]
    return (data[: edit.start] + edit.replacement.encode() + data[edit.end: edit.start2]
            + edit.replacement2.encode() + data[edit.end2:])


def generate_mutants(source: str, operators: tuple[str, ...] | None = None) -> list[Mutant]:
    """All mutants of `source` (parseable and distinct), ordered by position, ids M001, M002, ...

    Args:
        source: Elixir source with one or more modules.
        operators: restrict to these operator classes (default: all of `OPERATORS`).

    Raises:
        MutationError: the source does not parse, or an unknown operator was asked for.
    """
    wanted = tuple(operators) if operators is not None else OPERATORS
    unknown = [o for o in wanted if o not in OPERATORS]
    if unknown:
        raise MutationError(f"unknown mutation operator(s) {', '.join(unknown)}; known: {', '.join(OPERATORS)}")
    data = source.encode("utf-8")
    parser = new_parser()
    tree = parser.parse(data)
    if tree.root_node.has_error:
        raise MutationError("the source does not parse; mutants need a syntactically valid original")
    edits: list[_Edit] = []
    for clause in _function_clauses(tree.root_node):
        edits.extend(_edits_in_clause(clause))
    edits.extend(_clause_swaps(tree.root_node))
    # nested def clauses (a def inside a module inside a def is rare) would repeat edits
    unique: dict[tuple, _Edit] = {}
    for e in edits:
        if e.operator in wanted:
            unique.setdefault((e.operator, e.start, e.end, e.replacement, e.start2), e)
    ordered = sorted(unique.values(), key=lambda e: (e.start, OPERATORS.index(e.operator), e.end, e.replacement))
    seen = {data}
    mutants: list[Mutant] = []
    for e in ordered:
        mutated = _apply(data, e)
        if mutated in seen:
            continue
        if parser.parse(mutated).root_node.has_error:
            continue
        seen.add(mutated)
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        mutants.append(Mutant(
            id=f"M{len(mutants) + 1:03d}", operator=e.operator, line=line, column=column, start=e.start,
            end=e.end if e.start2 < 0 else e.end2, original=data[e.start:e.end].decode("utf-8", "replace"),
            replacement=e.replacement, description=e.description, source=mutated.decode("utf-8"),
        ))
    return mutants


def count_by_operator(mutants: list[Mutant]) -> dict[str, int]:
    """Mutants per operator class, every class listed (zero included)."""
    counts = dict.fromkeys(OPERATORS, 0)
    for m in mutants:
        counts[m.operator] += 1
    return counts
