"""The quick-fix safety check at the cost of one parse per analysis, not two per diagnostic.

A quick fix is offered only if its edits add no syntax error (`fixes.keeps_parsing`). Done
naively that parses the whole file twice per fixable diagnostic: a 1 MB file with a few hundred
findings kept the server busy for minutes. `ParsedText` parses the analysed text once; each
candidate is then checked on the smallest statement around its edits that parses on its own
(parsed before and after the edit), which costs about the size of that statement. Edits that
only remove or change blank space at a line end or start need no parse at all. (An incremental
reparse of the edited tree was tried first: tree-sitter-elixir took as long as a full parse.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tree_sitter import Tree

from elixir_coder.analysis.source import MAX_PARSE_BYTES, thread_parser
from elixir_coder.assist.fixes import Edit, apply_edits

# Nodes that hold statements: the statement around an edit is the first ancestor that is not one.
_CONTAINERS = frozenset({"source", "do_block", "block", "stab_clause", "body", "arguments", "else_block",
                         "after_block", "rescue_block", "catch_block"})
_MAX_CLIMB = 12
# Edits whose old and new text are made of these cannot open or close a block, a string or a
# comment, so what they do to a statement parsed alone is what they do to it in place. Others
# (`end`, `#`, quotes, brackets) are checked on the whole file.
_SIMPLE = re.compile(r"[\w.,:?! \t]*")
_BLOCK_WORD = re.compile(r"\b(?:do|end|fn|else|after|catch|rescue)\b")


def _simple(text: str) -> bool:
    return _SIMPLE.fullmatch(text) is not None and _BLOCK_WORD.search(text) is None


class ParsedText:
    """One analysed text, parsed on first use; thread-confined (tree-sitter trees are not shared across threads).

    Args:
        text: the document text the analysis and the fixes refer to.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._data: bytes | None = None
        self._tree: Tree | None = None
        self._ascii = text.isascii()

    @property
    def data(self) -> bytes:
        """The text as UTF-8."""
        if self._data is None:
            self._data = self.text.encode("utf-8", "surrogatepass")
        return self._data

    def tree(self) -> Tree | None:
        """The parse of the whole text (None when it is too large to parse)."""
        if self._tree is None and len(self.data) <= MAX_PARSE_BYTES:
            self._tree = thread_parser().parse(self.data)
        return self._tree

    def _byte(self, offset: int) -> int:
        return offset if self._ascii else len(self.text[:offset].encode("utf-8", "surrogatepass"))

    def keeps_parsing(self, edits: Sequence[Edit]) -> bool:
        """Whether applying `edits` adds no syntax error (a text that already has one cannot get worse)."""
        if not edits or all(self._layout_only(e) for e in edits):
            return True
        tree = self.tree()
        if tree is None or tree.root_node.has_error:
            return True
        start = min(e.start for e in edits)
        end = max(e.end for e in edits)
        simple = all(_simple(e.new_text) and _simple(self.text[e.start:e.end]) for e in edits)
        node = tree.root_node.descendant_for_byte_range(self._byte(start), self._byte(end)) if simple else None
        for _ in range(_MAX_CLIMB):
            if node is None or node.parent is None:
                break
            if (node.is_named and node.type not in _CONTAINERS and node.end_byte - node.start_byte < len(self.data)
                    and self._whole_lines(node.start_byte, node.end_byte)):
                verdict = self._unit_keeps_parsing(node.start_byte, node.end_byte, node.type, edits)
                if verdict is not None:
                    return verdict
            node = node.parent
        new_text = apply_edits(self.text, list(edits))
        return not thread_parser().parse(new_text.encode("utf-8", "surrogatepass")).root_node.has_error

    def _layout_only(self, edit: Edit) -> bool:
        """Blank space removed or changed at a line end or a line start: no tokens can join or split."""
        old = self.text[edit.start:edit.end]
        if old.strip(" \t\r\n") or edit.new_text.strip(" \t\r\n"):
            return False
        after = self.text[edit.end:edit.end + 1]
        before = self.text[edit.start - 1:edit.start] if edit.start else ""
        return after in ("", "\n", "\r") or before in ("", "\n")

    def _whole_lines(self, start_byte: int, end_byte: int) -> bool:
        """Whether a span starts a line (after blanks) and ends one: what an edit inside it does to the
        lexer (a `#` or a quote) then shows when the span is parsed alone."""
        data = self.data
        line_start = data.rfind(b"\n", 0, start_byte) + 1
        line_end = data.find(b"\n", end_byte)
        return (not data[line_start:start_byte].strip(b" \t")
                and not data[end_byte:line_end if line_end >= 0 else len(data)].strip(b" \t\r"))

    def _unit_keeps_parsing(self, start_byte: int, end_byte: int, node_type: str,
                            edits: Sequence[Edit]) -> bool | None:
        """The verdict from parsing only the statement around the edits; None when the statement does not
        parse on its own (then a larger one is tried)."""
        data = self.data
        unit = data[start_byte:end_byte]
        parser = thread_parser()
        alone = parser.parse(unit).root_node
        # The span must read alone as it reads in place: one node of the same type, no error.
        if alone.has_error or alone.named_child_count != 1 or alone.named_children[0].type != node_type:
            return None
        first = len(data[:start_byte].decode("utf-8", "surrogatepass")) if not self._ascii else start_byte
        last = first + len(unit.decode("utf-8", "surrogatepass")) if not self._ascii else end_byte
        if any(e.start < first or e.end > last for e in edits):
            return None
        local = [Edit(e.start - first, e.end - first, e.new_text) for e in edits]
        changed = parser.parse(apply_edits(self.text[first:last], local).encode("utf-8", "surrogatepass")).root_node
        if changed.has_error:
            return False
        return True if changed.named_child_count == 1 and changed.named_children[0].type == node_type else None
