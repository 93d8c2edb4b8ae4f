"""CodeBLEU for Elixir: our own implementation of the four-part code similarity metric.

This is not a port of any existing CodeBLEU package; it follows the metric's published
definition (BLEU + keyword-weighted n-gram match + syntax match + data-flow match, weighted
0.25 each) with choices of our own for Elixir, all made on the tree-sitter-elixir tree:

* **tokens**: the text of every leaf of the tree (comments dropped), so `|>` or `do:` is one
  token and whitespace never matters;
* **BLEU**: modified n-gram precision for n = 1..4, geometric mean with uniform weights and
  the brevity penalty `exp(1 - r/c)` when the candidate is shorter. An order with no
  matching n-gram (or no n-gram at all in the candidate) counts with 0.1 matches instead of
  0, so one missing 4-gram does not zero a long, mostly right candidate;
* **weighted n-gram match**: clipped unigram precision where each token weighs
  `KEYWORD_WEIGHT` (5) when it is an Elixir keyword or special form (`ELIXIR_KEYWORDS`) and 1
  otherwise, times the same brevity penalty;
* **syntax match**: every non-leaf named node of the reference becomes a shape string (its
  type and the shapes of its named children, leaf text dropped, so `x + 1` and `y + 2` have
  the same shape); score = reference shapes also found in the candidate (multiset) / all
  reference shapes;
* **data-flow match**: variables are renamed by order of first appearance (`v0`, `v1`, ...),
  then two kinds of edges are collected: a binding edge `(v, "from", (u, w))` for each
  variable bound by `=`, `<-` with the variables read on the right, and a use edge
  `(v, "use", v)` for each read of a bound variable; score = reference edges found in the
  candidate (multiset) / all reference edges.

A component whose reference side is empty (no non-leaf node, no data flow) scores 1.0 when
the candidate's side is empty too and 0.0 otherwise. Code that does not parse still gets a
score (tree-sitter recovers), only lower.

    from elixir_coder.benchmarks.codebleu import codebleu
    codebleu(candidate_src, reference_src).score
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from tree_sitter import Node

from .syntax import node_text, parse, walk

KEYWORD_WEIGHT = 5.0
SMOOTHING = 0.1
WEIGHTS = (0.25, 0.25, 0.25, 0.25)

# Reserved words, special forms and the Kernel macros that shape Elixir control flow and
# definitions: the tokens whose presence says most about a program's structure.
ELIXIR_KEYWORDS = frozenset({
    # reserved words
    "do", "end", "fn", "true", "false", "nil", "when", "and", "or", "not", "in", "catch", "rescue",
    "after", "else", "do:", "else:",
    # definitions
    "defmodule", "def", "defp", "defmacro", "defmacrop", "defguard", "defguardp", "defstruct",
    "defexception", "defprotocol", "defimpl", "defdelegate", "defoverridable",
    # special forms and control flow
    "case", "cond", "if", "unless", "with", "for", "receive", "try", "raise", "reraise", "throw", "quote",
    "unquote", "unquote_splicing", "import", "alias", "require", "use", "super", "__MODULE__", "__CALLER__",
    "__ENV__", "__DIR__", "__STACKTRACE__",
    # operators with keyword-like roles
    "|>", "->", "<-", "=", "^", "&", "::", "\\\\",
})

_CONTAINER_LEAVES = ("quoted_content", "escape_sequence")


def tokenize(code: str) -> list[str]:
    """The leaf tokens of `code`'s tree-sitter tree, comments dropped."""
    out = []
    for n in walk(parse(code)):
        if n.type == "comment":
            continue
        text = node_text(n).strip()  # keyword leaves carry their trailing space (`do: `)
        if n.child_count == 0 and text:
            out.append(text)
    return out


# --------------------------------------------------------------------------- n-gram parts


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _brevity_penalty(cand_len: int, ref_len: int) -> float:
    if cand_len == 0:
        return 0.0
    return 1.0 if cand_len >= ref_len else math.exp(1 - ref_len / cand_len)


def bleu(cand: list[str], ref: list[str], max_n: int = 4) -> float:
    """Sentence BLEU of candidate tokens against reference tokens (see the module doc)."""
    if not cand or not ref:
        return 1.0 if cand == ref else 0.0
    log_sum = 0.0
    for n in range(1, max_n + 1):
        c, r = _ngrams(cand, n), _ngrams(ref, n)
        total = sum(c.values())
        matches = sum(min(k, r[g]) for g, k in c.items())
        if total == 0:
            total = 1
        log_sum += math.log(max(matches, SMOOTHING) / total) / max_n
    return _brevity_penalty(len(cand), len(ref)) * math.exp(log_sum)


def weighted_ngram_match(cand: list[str], ref: list[str]) -> float:
    """Keyword-weighted clipped unigram precision times the brevity penalty."""
    if not cand or not ref:
        return 1.0 if cand == ref else 0.0
    c, r = Counter(cand), Counter(ref)

    def weight(tok: str) -> float:
        return KEYWORD_WEIGHT if tok in ELIXIR_KEYWORDS else 1.0

    matched = sum(weight(t) * min(k, r[t]) for t, k in c.items())
    total = sum(weight(t) * k for t, k in c.items())
    return _brevity_penalty(len(cand), len(ref)) * matched / total


# --------------------------------------------------------------------------- syntax


def _shapes(root: Node) -> Counter[str]:
    """Shape strings of every non-leaf named node (leaf text abstracted away)."""
    memo: dict[int, str] = {}
    out: Counter[str] = Counter()

    def shape(n: Node) -> str:
        key = n.id
        if key not in memo:
            kids = [c for c in n.named_children if c.type != "comment"]
            memo[key] = n.type if not kids else f"({n.type} {' '.join(shape(c) for c in kids)})"
        return memo[key]

    for n in walk(root):
        if n.is_named and n.type not in ("source", "comment") and any(c.is_named for c in n.children):
            if all(c.type in _CONTAINER_LEAVES for c in n.named_children):
                continue  # a string's content nodes are text, not structure
            out[shape(n)] += 1
    return out


def _share_found(cand: Counter, ref: Counter) -> float:
    total = sum(ref.values())
    if total == 0:
        return 1.0 if not cand else 0.0
    return sum(min(k, cand[x]) for x, k in ref.items()) / total


def syntax_match(candidate: str, reference: str) -> float:
    """Share of the reference's subtree shapes found in the candidate."""
    return _share_found(_shapes(parse(candidate)), _shapes(parse(reference)))


# --------------------------------------------------------------------------- data flow


def _variables_in(node: Node) -> list[Node]:
    """Identifier nodes that are variables (not call targets, keys, field names or `_` names)."""
    out = []
    for n in walk(node):
        if n.type != "identifier":
            continue
        parent = n.parent
        if parent is not None and parent.type == "call" and parent.child_by_field_name("target") == n:
            continue
        if parent is not None and parent.type == "dot" and parent.child_by_field_name("right") == n:
            continue
        name = node_text(n)
        if name.startswith("_") or name in ELIXIR_KEYWORDS:
            continue
        out.append(n)
    return out


def _pattern_nodes(root: Node) -> list[tuple[Node, Node | None]]:
    """(pattern, value) pairs: `=` and `<-` (with a value), function heads and clause heads (no value)."""
    out: list[tuple[Node, Node | None]] = []
    for n in walk(root):
        if n.type == "binary_operator":
            op = n.child_by_field_name("operator")
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if op is not None and node_text(op) in ("=", "<-") and left is not None:
                out.append((left, right))
        elif n.type == "stab_clause":
            left = n.child_by_field_name("left")
            if left is not None:
                out.append((left, None))
        elif n.type == "call" and (t := n.child_by_field_name("target")) is not None \
                and node_text(t) in ("def", "defp", "defmacro", "defmacrop"):
            args = next((c for c in n.children if c.type == "arguments"), None)
            if args is not None and args.named_children:
                out.append((args.named_children[0], None))
    return out


def _pattern_variables(pattern: Node) -> list[Node]:
    """Variables bound by a pattern: pinned variables and guards excluded, the function name excluded."""
    out = []
    for v in _variables_in(pattern):
        p: Node | None = v.parent
        skip = False
        while p is not None and p != pattern.parent:
            if p.type == "unary_operator" and node_text(p).startswith("^"):
                skip = True
            if p.type == "binary_operator" and (op := p.child_by_field_name("operator")) is not None \
                    and node_text(op) == "when" and (guard := p.child_by_field_name("right")) is not None \
                    and guard.start_byte <= v.start_byte:
                skip = True  # a variable read in a guard
            p = p.parent
        if not skip:
            out.append(v)
    return out


def data_flow_edges(code: str) -> Counter[tuple]:
    """The normalised def-use edges of `code` (see the module doc)."""
    root = parse(code)
    names: dict[str, str] = {}

    def norm(n: Node) -> str:
        return names.setdefault(node_text(n), f"v{len(names)}")

    for v in sorted(_variables_in(root), key=lambda n: n.start_byte):
        norm(v)
    bound_at: set[int] = set()
    edges: Counter[tuple] = Counter()
    bound_names: set[str] = set()
    for pattern, value in _pattern_nodes(root):
        bound = _pattern_variables(pattern)
        reads = sorted({norm(u) for u in _variables_in(value)}) if value is not None else []
        for v in bound:
            bound_at.add(v.start_byte)
            bound_names.add(node_text(v))
            if value is not None:
                edges[(norm(v), "from", tuple(reads))] += 1
    for v in _variables_in(root):
        if v.start_byte not in bound_at and node_text(v) in bound_names:
            edges[(norm(v), "use", norm(v))] += 1
    return edges


def data_flow_match(candidate: str, reference: str) -> float:
    """Share of the reference's def-use edges found in the candidate."""
    return _share_found(data_flow_edges(candidate), data_flow_edges(reference))


# --------------------------------------------------------------------------- combined


@dataclass(frozen=True)
class CodeBLEU:
    """The four components and their weighted sum."""

    score: float
    ngram: float
    weighted_ngram: float
    syntax: float
    data_flow: float

    def to_dict(self) -> dict[str, float]:
        """Rounded JSON-friendly form."""
        return {k: round(v, 4) for k, v in (("score", self.score), ("ngram", self.ngram),
                                           ("weighted_ngram", self.weighted_ngram), ("syntax", self.syntax),
                                           ("data_flow", self.data_flow))}


def codebleu(candidate: str, reference: str, weights: tuple[float, float, float, float] = WEIGHTS) -> CodeBLEU:
    """CodeBLEU of `candidate` against `reference`, both Elixir source text.

    Args:
        candidate: the generated code.
        reference: the reference code.
        weights: weights of (BLEU, weighted n-gram, syntax, data flow); default 0.25 each.
    """
    if len(weights) != 4 or any(w < 0 for w in weights) or not math.isclose(sum(weights), 1.0):
        raise ValueError(f"weights must be four non-negative numbers summing to 1, got {weights}")
    cand, ref = tokenize(candidate), tokenize(reference)
    parts = (bleu(cand, ref), weighted_ngram_match(cand, ref), syntax_match(candidate, reference),
             data_flow_match(candidate, reference))
    return CodeBLEU(sum(w * p for w, p in zip(weights, parts, strict=True)), *parts)
