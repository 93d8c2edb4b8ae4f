"""Elixir's quoted form (the AST `Code.string_to_quoted/2` returns), rebuilt from a tree-sitter tree.

Some Credo checks are defined by the shape and size of Elixir's AST rather than by the source
text: DuplicatedCode hashes and weighs every subtree ("mass" is the number of tuples in it),
ABCSize and VariableRebinding pattern-match on `{name, meta, args}` triples. Answering those
questions on tree-sitter nodes directly would mean re-deriving Elixir's AST conventions in each
check; this module derives them once.

Representation (mirrors Elixir's terms):
- `{form, meta, args}` triples are `Q` objects (`form` is a str for atoms or another `Q` for
  remote and anonymous calls; `args` a list, or None for variables); `meta` holds the line.
- atoms are `Atom`, strings `str`, numbers `int`/`float`, lists `list`, 2-tuples `tuple`.

`Q` compares and hashes without its metadata, like Credo's `remove_metadata/1` before hashing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from .source import SourceFile


@dataclass(frozen=True, slots=True)
class Atom:
    """An Elixir atom (`:ok`, `true`, an alias segment such as `Enum`)."""

    name: str

    def __repr__(self) -> str:
        return f":{self.name}"


NIL = Atom("nil")


class Q:
    """A `{form, meta, args}` triple; equality and hashing ignore `line` (Credo strips metadata)."""

    __slots__ = ("form", "line", "args", "_key", "extra", "column")

    def __init__(self, form: str | Q, line: int | None, args: list[Any] | None, extra: dict[str, Any] | None = None,
                 column: int | None = None):
        self.form = form
        self.line = line
        self.args = args
        self.extra = extra
        self.column = column
        self._key: Any = None

    def key(self) -> Any:
        """A hashable, metadata-free image of this subtree."""
        if self._key is None:
            self._key = ("Q", structural_key(self.form), structural_key(self.args))
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Q) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        return f"{{{self.form!r}, L{self.line}, {self.args!r}}}"

    @property
    def is_var(self) -> bool:
        """`{name, meta, nil}`: a variable (or a no-parens local call Elixir cannot tell apart)."""
        return isinstance(self.form, str) and self.args is None


def structural_key(term: Any) -> Any:
    """Hashable image of a term, without metadata."""
    if isinstance(term, Q):
        return term.key()
    if isinstance(term, list):
        return ("L", tuple(structural_key(t) for t in term))
    if isinstance(term, tuple):
        return ("T", tuple(structural_key(t) for t in term))
    return (type(term).__name__, term)


def mass(term: Any) -> int:
    """Number of tuples in a term, counted the way Credo's DuplicatedCode counts them (Macro.prewalk)."""
    if isinstance(term, Q):
        cached = term.extra.get("mass") if term.extra else None
        if cached is not None:
            return cached
        total = 1 + (mass(term.form) if isinstance(term.form, Q) else 0)
        if isinstance(term.args, list):
            total += sum(mass(a) for a in term.args)
        term.extra = {**(term.extra or {}), "mass": total}
        return total
    if isinstance(term, tuple):
        return 1 + sum(mass(t) for t in term)
    if isinstance(term, list):
        return sum(mass(t) for t in term)
    return 0


def subterms(term: Any) -> list[Any]:
    """A term's children in Macro.traverse order: a triple's form (when not an atom), then its
    arguments one by one (the argument list itself is not a child); a list's or tuple's elements."""
    if isinstance(term, Q):
        children: list[Any] = [term.form] if isinstance(term.form, Q) else []
        if isinstance(term.args, list):
            children.extend(term.args)
        return children
    if isinstance(term, list | tuple):
        return list(term)
    return []


def prewalk(term: Any) -> Iterator[Any]:
    """Every subterm in Macro.prewalk order: the term, then its form (when not an atom), then its args.

    Like Macro.traverse, a triple's argument list is not itself visited, only its elements; a
    list that is an element (a list literal, a keyword list argument) is.
    """
    stack = [term]
    while stack:
        t = stack.pop()
        yield t
        stack.extend(reversed(subterms(t)))


def first_line(term: Any) -> int | None:
    """The first line found in a term, depth first (Credo's `line_no_for` on blocks and lists)."""
    for t in prewalk(term):
        if isinstance(t, Q) and t.line is not None:
            return t.line
    return None


# --- conversion ----------------------------------------------------------------------------------

_SKIP = frozenset({"comment", ",", "(", ")", "[", "]", "{", "}", ";", "\n"})
_BLOCK_KEYWORDS = {"else_block": "else", "rescue_block": "rescue", "catch_block": "catch", "after_block": "after"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "s": " ", "e": "\x1b", "0": "\x00", "\\": "\\", '"': '"', "'": "'",
            "a": "\x07", "b": "\b", "f": "\f", "v": "\v"}


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _named(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


class _Converter:
    def __init__(self, src: SourceFile) -> None:
        self.src = src
        self.text = src.node_text

    def convert(self, node: Node) -> Any:
        handler = getattr(self, f"_n_{node.type}", None)
        if handler is not None:
            return handler(node)
        # A node kind without its own rule: keep its shape so equal code still hashes equally.
        return Q(node.type, _line(node), [self.convert(c) for c in _named(node)])

    def block(self, exprs: list[Node], line: int | None = None) -> Any:
        items = [self.convert(e) for e in exprs]
        if len(items) == 1:
            only = items[0]
            # Elixir's parser keeps a lone `!x`, `not x` or `unquote_splicing(x)` in a block
            if not (isinstance(only, Q) and only.form in ("!", "not", "unquote_splicing") and len(only.args or []) == 1):
                return only
        if not items:
            return Q("__block__", None, [])  # `do end`: Elixir's empty block
        return Q("__block__", None, items)  # Elixir gives blocks no line

    # literals
    def _n_source(self, node: Node) -> Any:
        return self.block(_named(node))

    def _n_block(self, node: Node) -> Any:
        return self.block(_named(node), _line(node))

    def _n_body(self, node: Node) -> Any:
        return self.block(_named(node))

    def _n_identifier(self, node: Node) -> Any:
        return Q(self.text(node), _line(node), None, column=self.src.column_of(node))

    def _n_alias(self, node: Node) -> Any:
        parts = [Atom(p) for p in self.text(node).replace(" ", "").split(".")]
        return Q("__aliases__", _line(node), parts, column=self.src.column_of(node))

    def _n_integer(self, node: Node) -> Any:
        text = self.text(node).replace("_", "")
        try:
            return int(text, 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text)
        except ValueError:
            return text

    def _n_float(self, node: Node) -> Any:
        try:
            return float(self.text(node).replace("_", ""))
        except ValueError:
            return self.text(node)

    def _n_char(self, node: Node) -> Any:
        body = self.text(node)[1:]
        if body.startswith("\\") and len(body) == 2:
            return ord(_ESCAPES.get(body[1], body[1]))
        return ord(body[0]) if body else 0

    def _n_atom(self, node: Node) -> Any:
        return Atom(self.text(node).lstrip(":"))

    def _n_nil(self, node: Node) -> Any:
        return NIL

    def _n_boolean(self, node: Node) -> Any:
        return Atom(self.text(node))

    def _n_quoted_keyword(self, node: Node) -> Any:
        return self._n_quoted_atom(node)

    def _n_keyword(self, node: Node) -> Any:
        return Atom(self.text(node).strip().rstrip(":").strip().strip('"'))

    def _parts(self, node: Node) -> list[Any]:
        """Pieces of a string-like literal: text runs as str, interpolations as `::` triples."""
        parts: list[Any] = []
        for child in node.children:
            if child.type in ("quoted_content", "escape_sequence"):
                piece = self.text(child)
                if child.type == "escape_sequence" and len(piece) == 2:
                    piece = _ESCAPES.get(piece[1], piece[1])
                if parts and isinstance(parts[-1], str):
                    parts[-1] += piece
                else:
                    parts.append(piece)
            elif child.type == "interpolation":
                line = _line(child)
                inner = self.block(_named(child), line)
                to_string = Q(Q(".", line, [Atom("Kernel"), Atom("to_string")]), line, [inner])
                parts.append(Q("::", line, [to_string, Q("binary", line, None)]))
        return parts

    def _n_string(self, node: Node) -> Any:
        parts = self._parts(node)
        if all(isinstance(p, str) for p in parts):
            return "".join(parts)
        return Q("<<>>", _line(node), parts)

    def _n_charlist(self, node: Node) -> Any:
        parts = self._parts(node)
        if all(isinstance(p, str) for p in parts):
            return [ord(ch) for ch in "".join(parts)]
        line = _line(node)
        return Q(Q(".", line, [Atom("List"), Atom("to_charlist")]), line, [parts])

    def _n_quoted_atom(self, node: Node) -> Any:
        parts = self._parts(node)
        if all(isinstance(p, str) for p in parts):
            return Atom("".join(parts))
        line = _line(node)
        return Q(Q(".", line, [Atom("erlang"), Atom("binary_to_atom")]), line, [Q("<<>>", line, parts), Atom("utf8")])

    def _n_sigil(self, node: Node) -> Any:
        name = next((self.text(c) for c in node.children if c.type == "sigil_name"), "")
        mods = next((self.text(c) for c in node.children if c.type == "sigil_modifiers"), "")
        line = _line(node)
        return Q(f"sigil_{name}", line, [Q("<<>>", line, self._parts(node)), [ord(m) for m in mods]])

    # containers
    def _items(self, nodes: list[Node]) -> list[Any]:
        out: list[Any] = []
        for n in nodes:
            if n.type == "keywords":
                out.extend(self._pairs(n))
            else:
                out.append(self.convert(n))
        return out

    def _pairs(self, keywords: Node) -> list[Any]:
        out = []
        for pair in _named(keywords):
            key = pair.child_by_field_name("key")
            value = pair.child_by_field_name("value")
            if key is not None and value is not None:
                out.append((self.convert(key), self.convert(value)))
        return out

    def _n_keywords(self, node: Node) -> Any:
        return self._pairs(node)

    def _n_list(self, node: Node) -> Any:
        return self._items(_named(node))

    def _n_tuple(self, node: Node) -> Any:
        items = self._items(_named(node))
        if len(items) == 2:
            return (items[0], items[1])
        return Q("{}", _line(node), items)

    def _n_bitstring(self, node: Node) -> Any:
        return Q("<<>>", _line(node), self._items(_named(node)))

    def _n_map(self, node: Node) -> Any:
        line = _line(node)
        struct = next((c for c in node.named_children if c.type == "struct"), None)
        content = next((c for c in node.named_children if c.type == "map_content"), None)
        items: list[Any] = []
        if content is not None:
            for child in _named(content):
                if child.type == "binary_operator" and self._op(child) == "=>":
                    items.append((self._field(child, "left"),
                                  self._field(child, "right")))
                elif child.type == "binary_operator" and self._op(child) == "|":
                    right = child.child_by_field_name("right")
                    rhs = NIL if right is None else self._pairs(right) if right.type == "keywords" \
                        else self._map_pairs(right)
                    items.append(Q("|", _line(child), [self._field(child, "left"), rhs]))
                elif child.type == "keywords":
                    items.extend(self._pairs(child))
                else:
                    items.append(self.convert(child))
        body = Q("%{}", line, items)
        if struct is not None:
            inner = _named(struct)
            name = self.convert(inner[0]) if inner else Q("__aliases__", line, [])
            return Q("%", line, [name, body])
        return body

    def _field(self, node: Node, name: str) -> Any:
        """A child field converted (nil when tree-sitter left it out of a broken expression)."""
        child = node.child_by_field_name(name)
        return self.convert(child) if child is not None else NIL

    def _map_pairs(self, node: Node) -> Any:
        if node.type == "binary_operator" and self._op(node) == "=>":
            return [(self._field(node, "left"), self._field(node, "right"))]
        return self.convert(node)

    # operators
    @staticmethod
    def _op(node: Node) -> str:
        tok = node.child_by_field_name("operator")
        return tok.type if tok is not None else ""

    def _n_binary_operator(self, node: Node) -> Any:
        op = self._op(node)
        tok = node.child_by_field_name("operator")
        line = _line(tok) if tok is not None else _line(node)
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        lhs = self.convert(left) if left is not None else NIL
        rhs = self.convert(right) if right is not None else NIL
        if op == "not in":
            return Q("not", line, [Q("in", line, [lhs, rhs])])
        if op == "//" and isinstance(lhs, Q) and lhs.form == ".." and isinstance(lhs.args, list):
            return Q("..//", line, [*lhs.args, rhs])
        if op == ".." and isinstance(rhs, Q) and rhs.form == "//" and isinstance(rhs.args, list):
            return Q("..//", line, [lhs, *rhs.args])
        if op == "when" and left is not None and left.type == "arguments":
            return Q("when", line, [*self._items(_named(left)), rhs])
        if right is not None and right.type == "keywords":
            rhs = self._pairs(right)
        return Q(op, line, [lhs, rhs], column=self.src.column_of(tok) if tok is not None else None)

    def _n_unary_operator(self, node: Node) -> Any:
        op = self._op(node)
        tok = node.child_by_field_name("operator")
        line = _line(tok) if tok is not None else _line(node)
        named = _named(node)
        operand = named[-1] if named else None
        inner = self.convert(operand) if operand is not None else NIL
        return Q(op, line, [inner], column=self.src.column_of(tok) if tok is not None else None)

    def _n_operator_identifier(self, node: Node) -> Any:
        return Q(self.text(node), _line(node), None)

    # calls
    def _n_dot(self, node: Node) -> Any:
        # `Foo.{A, B}` (multi-alias) and `__MODULE__.Foo` outside a call
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        line = _line(node)
        lhs = self.convert(left) if left is not None else NIL
        if right is not None and right.type == "tuple":
            return Q(Q(".", line, [lhs, Atom("{}")]), line, self._items(_named(right)))
        if right is not None and right.type == "alias":
            return Q("__aliases__", line, [lhs, *(Atom(p) for p in self.text(right).split("."))])
        return Q(Q(".", line, [lhs, Atom(self.text(right)) if right is not None else NIL]), line, [])

    def _do_keywords(self, call: Node) -> list[Any] | None:
        block = next((c for c in call.named_children if c.type == "do_block"), None)
        if block is None:
            return None
        pairs: list[Any] = []
        current = "do"
        exprs: list[Node] = []

        def flush(name: str, nodes: list[Node], line: int) -> None:
            if nodes and all(n.type == "stab_clause" for n in nodes):
                pairs.append((Atom(name), [self.convert(n) for n in nodes]))
            else:
                pairs.append((Atom(name), self.block(nodes, line)))

        for child in _named(block):
            if child.type in _BLOCK_KEYWORDS:
                if current:
                    flush(current, exprs, _line(block))
                flush(_BLOCK_KEYWORDS[child.type], _named(child), _line(child))
                current, exprs = "", []
                continue
            exprs.append(child)
        if current:
            flush(current, exprs, _line(block))
        return pairs

    def _call_args(self, args_node: Node | None) -> list[Any]:
        """Call arguments: trailing `key: value` pairs are one keyword-list argument, as in Elixir."""
        if args_node is None:
            return []
        return [self._pairs(n) if n.type == "keywords" else self.convert(n) for n in _named(args_node)]

    def _n_call(self, node: Node) -> Any:
        target = node.child_by_field_name("target")
        args_node = next((c for c in node.named_children if c.type == "arguments"), None)
        args = self._call_args(args_node)
        do_pairs = self._do_keywords(node)
        if do_pairs is not None:
            args.append(do_pairs)
        if target is None:
            return Q("call", _line(node), args)
        if target.type == "identifier":
            return Q(self.text(target), _line(target), args, column=self.src.column_of(target))
        if target.type == "dot":
            left = target.child_by_field_name("left")
            right = target.child_by_field_name("right")
            lhs = self.convert(left) if left is not None else NIL
            if right is None:  # fun.(args)
                return Q(Q(".", _line(target), [lhs]), _line(target), args)
            name_line = _line(right)
            dot_token = next((c for c in target.children if c.type == "."), right)
            dot = Q(".", _line(dot_token), [lhs, Atom(self.text(right))], column=self.src.column_of(dot_token))
            return Q(dot, name_line, args, column=self.src.column_of(right))
        # `(expr).(args)` and other rare targets
        return Q(self.convert(target), _line(node), args)

    def _n_access_call(self, node: Node) -> Any:
        named = _named(node)
        line = _line(node)
        target = self.convert(named[0]) if named else NIL
        key = self.convert(named[1]) if len(named) > 1 else NIL
        return Q(Q(".", line, [Atom("Access"), Atom("get")]), line, [target, key])

    def _n_anonymous_function(self, node: Node) -> Any:
        return Q("fn", _line(node), [self.convert(c) for c in _named(node) if c.type == "stab_clause"])

    def _n_stab_clause(self, node: Node) -> Any:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        arrow = next((c for c in node.children if c.type == "->"), node)
        params: list[Any] = []
        if left is not None:
            if left.type == "arguments":
                params = self._items(_named(left))
            else:
                converted = self.convert(left)
                params = [converted]
        body = self.convert(right) if right is not None else NIL
        return Q("->", _line(arrow), [params, body])


def quoted(src: SourceFile) -> Any:
    """The file's quoted form (cached on the SourceFile); an empty block when it does not parse."""
    cached = getattr(src, "_quoted", None)
    if cached is None:
        root = src.root
        # Elixir (and so Credo) cannot read a file with a syntax error: nothing to report on it
        ok = root is not None and not root.has_error
        cached = _Converter(src).convert(root) if root is not None and ok else Q("__block__", None, [])
        src._quoted = cached  # type: ignore[attr-defined]
    return cached

