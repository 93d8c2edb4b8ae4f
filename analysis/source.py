"""A parsed Elixir source file: text, lines, tree-sitter tree and position helpers."""

from __future__ import annotations

import functools
import operator
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_elixir
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from .syntax_location import first_syntax_cause

# Files larger than this are analysed line-wise only: tree-sitter copes, but users never
# write such files by hand and a generated blob should not stall the editor.
MAX_PARSE_BYTES = 5 * 1024 * 1024


class SourceDecodeError(ValueError):
    """The file is not UTF-8 text (a binary file, or another encoding)."""


@functools.cache
def elixir_language() -> Language:
    """The tree-sitter Elixir language, loaded once per process."""
    return Language(tree_sitter_elixir.language())


# The node types checks ask `by_type` for. Not `identifier`: a fifth of every tree's nodes, asked for
# by no check, it would cost a third of the index (other types come from one Python walk when asked).
INDEXED_TYPES = (
    "call", "binary_operator", "unary_operator", "anonymous_function", "comment", "integer", "float",
    "string", "charlist", "sigil", "quoted_atom", "quoted_keyword", "struct", "alias", "stab_clause",
)


_START_BYTE = operator.attrgetter("start_byte")
_END_BYTE = operator.attrgetter("end_byte")


@functools.cache
def _indexed_types_query() -> Query:
    return Query(elixir_language(), " ".join(f"({t}) @{t}" for t in INDEXED_TYPES))


def new_parser() -> Parser:
    """A fresh parser; parsers are not thread-safe, so each thread or document owns one."""
    return Parser(elixir_language())


_thread_parsers = threading.local()


def thread_parser() -> Parser:
    """This thread's parser, made on first use (parsers are not thread-safe, and making one per parse is waste)."""
    parser = getattr(_thread_parsers, "parser", None)
    if parser is None:
        parser = _thread_parsers.parser = new_parser()
    return parser


def count_errors(root: Node) -> int:
    """ERROR and MISSING nodes under `root`, descending only into subtrees that have one."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        if node.has_error:
            stack.extend(node.children)
    return count


@dataclass
class SyntaxProblem:
    """Where the parse failed: 1-based line and column, and a short description."""

    line: int
    column: int
    message: str


@dataclass
class SourceFile:
    """One Elixir file as the checks see it.

    Args:
        filename: path as it should appear in reports (relative to the working directory
            for the CLI, the document path for the server).
        text: the whole file as a string.
    """

    filename: str
    text: str
    tree: Tree | None = None
    _data: bytes = field(default=b"", repr=False)
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._data = self.text.encode("utf-8")
        if self.tree is None and len(self._data) <= MAX_PARSE_BYTES:
            self.tree = new_parser().parse(self._data)
        starts = [0]
        find = self._data.find
        pos = find(b"\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find(b"\n", pos + 1)
        self._line_starts = starts

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_path(cls, path: Path, display_name: str | None = None) -> SourceFile:
        """Read and parse a file; raises SourceDecodeError for non-UTF-8 content."""
        raw = path.read_bytes()
        return cls.from_bytes(raw, display_name or str(path))

    @classmethod
    def from_bytes(cls, raw: bytes, filename: str) -> SourceFile:
        """Decode bytes as UTF-8 (a BOM is tolerated) and parse them."""
        return cls(filename=filename, text=cls.decode(raw, filename))

    @staticmethod
    def decode(raw: bytes, filename: str) -> str:
        """The text of a file's bytes (UTF-8, a BOM tolerated); SourceDecodeError for binary or other encodings."""
        if b"\x00" in raw[:8192]:
            raise SourceDecodeError(f"{filename}: binary file (contains NUL bytes), not analysed")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceDecodeError(f"{filename}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc

    # --- bytes and lines ------------------------------------------------------------------------

    @property
    def data(self) -> bytes:
        """The UTF-8 encoded text that tree-sitter positions refer to."""
        return self._data

    @functools.cached_property
    def lines(self) -> list[str]:
        """Lines without their terminators, like Credo's `SourceFile.lines` (1-based via `line`)."""
        return self.text.split("\n")

    def line(self, line_no: int) -> str:
        """Line `line_no` (1-based) without its newline; empty string past the end."""
        if 1 <= line_no <= len(self.lines):
            return self.lines[line_no - 1]
        return ""

    def node_text(self, node: Node) -> str:
        """The source text a node spans."""
        return self._data[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def line_of(self, node: Node) -> int:
        """1-based line where the node starts."""
        return node.start_point[0] + 1

    def column_of(self, node: Node) -> int:
        """1-based character column where the node starts (tree-sitter counts bytes)."""
        row, byte_col = node.start_point
        return self.char_column(row + 1, byte_col)

    def end_column_of(self, node: Node) -> int:
        """1-based character column just past the node's last character on its end line."""
        row, byte_col = node.end_point
        return self.char_column(row + 1, byte_col)

    def char_column(self, line_no: int, byte_col: int) -> int:
        """Convert a 0-based byte offset within a line to a 1-based character column."""
        start = self._line_starts[line_no - 1] if line_no - 1 < len(self._line_starts) else 0
        prefix = self._data[start : start + byte_col]
        return len(prefix.decode("utf-8", errors="replace")) + 1

    def column_of_trigger(self, line_no: int, trigger: str) -> int | None:
        """Credo's fallback column: first occurrence of the trigger text on the line."""
        idx = self.line(line_no).find(trigger)
        return idx + 1 if idx >= 0 else None

    # --- tree helpers ----------------------------------------------------------------------------

    @property
    def root(self) -> Node | None:
        """Root node, or None when the file was too large to parse."""
        return self.tree.root_node if self.tree is not None else None

    def walk(self, node: Node | None = None) -> Iterator[Node]:
        """Pre-order walk over all named and anonymous nodes below `node` (default: root)."""
        start = node if node is not None else self.root
        if start is None:
            return
        cursor = start.walk()
        visited_children = False
        while True:
            if not visited_children:
                yield cursor.node  # type: ignore[misc]
                if cursor.goto_first_child():
                    continue
            if cursor.goto_next_sibling():
                visited_children = False
                continue
            if not cursor.goto_parent() or cursor.node == start:
                return
            visited_children = True

    def nodes_of_type(self, *types: str, node: Node | None = None) -> Iterator[Node]:
        """All nodes below `node` whose type is one of `types`, in source order."""
        wanted = set(types)
        for n in self.walk(node):
            if n.type in wanted:
                yield n

    @functools.cached_property
    def _nodes_by_type(self) -> dict[str, list[Node]]:
        # One tree-sitter query (run in C) collects the node types checks ask for most; a Python
        # walk over every node costs about twice as much.
        if self.root is None:
            return {}
        captures = QueryCursor(_indexed_types_query()).captures(self.root)
        index: dict[str, list[Node]] = {t: [] for t in INDEXED_TYPES}
        for name, nodes in captures.items():
            # source order, outer nodes first where two start together: two stable sorts on C-level
            # keys give the order of one sort on (start, -end) at two thirds of the cost
            ordered = sorted(nodes, key=_END_BYTE, reverse=True)
            ordered.sort(key=_START_BYTE)
            index[name] = ordered
        return index

    @functools.cached_property
    def _other_types(self) -> dict[str, list[Node]]:
        index: dict[str, list[Node]] = {}
        for n in self.walk():
            if n.type not in INDEXED_TYPES:
                index.setdefault(n.type, []).append(n)
        return index

    def by_type(self, node_type: str) -> list[Node]:
        """All nodes of one type in source order, from a single shared walk of the tree.

        Checks should start here (or from `calls`) instead of walking the tree themselves:
        one walk per file is shared by every check, which keeps a full run fast.
        """
        if node_type in INDEXED_TYPES:
            return self._nodes_by_type.get(node_type, [])
        return self._other_types.get(node_type, [])

    @property
    def calls(self) -> list[Node]:
        """Every `call` node of the file in source order."""
        return self.by_type("call")

    def syntax_problems(self) -> list[SyntaxProblem]:
        """Where the parse first goes wrong (`syntax_location`), as one problem; empty when the file parses."""
        root = self.root
        if root is None or not root.has_error:
            return []
        cause = first_syntax_cause(root)
        if cause is None:
            return [SyntaxProblem(1, 1, "syntax error")]
        return [SyntaxProblem(self.line_of(cause.node), self.column_of(cause.node), cause.message)]
