"""Retrieval over the check documentation: parsed check pages, the CWE table, and a BM25 index over both.

Explanations quote a check's own page and cite related checks found by ranking every page
and every CWE row against a query built from the finding. BM25 (Okapi, k1 1.5, b 0.75) is
written here in a few lines rather than taken from `rank-bm25`: the corpus is ~110 short
documents, the editor-side install stays free of another dependency, and the scores are
deterministic. Pages come from the installed `elixir_coder.checks_docs` package
(`analysis.check_pages.DOCS_DIR`), so the index works the same from a checkout and a wheel.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from elixir_coder.analysis.check_pages import DOCS_DIR

SOURCES = ("credo", "sobelow")
CWE_PAGE = "cwe.md"

_HEADING = re.compile(r"^## +(.+?)\s*$", re.M)
_FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
_WEAKNESS = re.compile(r"^\*\*Weakness:\*\*\s*(.+?)\s*$", re.M)
_CONFIDENCE = re.compile(r"^\*\*Confidence:\*\*\s*(.+?)\s*$", re.M)
_CWE_ID = re.compile(r"CWE-(\d+)")
_STOP = frozenset(
    "a an and are as at be by do does for from has have if in into is it its not of on or so that the their then "
    "this to was when which with without you your".split()
)


@dataclass(frozen=True)
class Example:
    """A code block from a page: its fence language (`elixir`, `eex`, ...) and text."""

    language: str
    code: str


@dataclass(frozen=True)
class CheckPage:
    """One check's documentation page, split into the parts explanations use.

    Args:
        source: `credo` or `sobelow`.
        name: the check's short name (`Readability.LargeNumbers`, `XSS.Raw`).
        sections: heading -> body for every `##` section, in page order.
        before / after: the page's generic example (Credo: `## Before`/`## After`;
            Sobelow: the `Before (reported)` and `After (not reported)` blocks of `## Example`).
        weakness: Sobelow's `**Weakness:**` line (`CWE-89: SQL Injection`), else ''.
        confidence: Sobelow's `**Confidence:**` rule, else ''.
    """

    source: str
    name: str
    text: str
    sections: dict[str, str] = field(default_factory=dict)
    before: Example | None = None
    after: Example | None = None
    weakness: str = ""
    confidence: str = ""

    def section(self, *prefixes: str) -> str:
        """The body of the first section whose heading starts with one of `prefixes` (case-insensitive), else ''."""
        for heading, body in self.sections.items():
            if heading.lower().startswith(tuple(p.lower() for p in prefixes)):
                return body
        return ""

    @property
    def cwe_ids(self) -> list[str]:
        """`["CWE-89"]` from the weakness line (several for combined weaknesses)."""
        return [f"CWE-{n}" for n in _CWE_ID.findall(self.weakness)]


@dataclass(frozen=True)
class CweEntry:
    """One row of `docs/checks/cwe.md`."""

    cwe: str
    name: str
    types: tuple[str, ...]
    summary: str
    defence: str


def parse_page(source: str, name: str, text: str) -> CheckPage:
    """Split a page's markdown into sections, examples and the Sobelow weakness and confidence lines."""
    heads = list(_HEADING.finditer(text))
    sections: dict[str, str] = {}
    for n, m in enumerate(heads):
        end = heads[n + 1].start() if n + 1 < len(heads) else len(text)
        sections[m.group(1)] = text[m.end() : end].strip()
    before = after = None
    if "Before" in sections and "After" in sections:
        before, after = _first_block(sections["Before"]), _first_block(sections["After"])
    elif "Example" in sections:
        blocks = [Example(lang or "elixir", code) for lang, code in _FENCE.findall(sections["Example"])]
        if len(blocks) >= 2:
            before, after = blocks[0], blocks[1]
    weakness = _WEAKNESS.search(text)
    confidence = _CONFIDENCE.search(text)
    return CheckPage(source, name, text, sections, before, after,
                     weakness.group(1) if weakness else "", confidence.group(1) if confidence else "")


def _first_block(body: str) -> Example | None:
    m = _FENCE.search(body)
    return Example(m.group(1) or "elixir", m.group(2)) if m else None


@functools.lru_cache(maxsize=256)
def load_page(source: str, name: str, docs_dir: Path = DOCS_DIR) -> CheckPage | None:
    """The parsed page of a check, None when the check has no page (or it cannot be read)."""
    if source not in SOURCES or not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = docs_dir / source / f"{name}.md"
    try:
        return parse_page(source, name, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def page_names(source: str, docs_dir: Path = DOCS_DIR) -> list[str]:
    """Every check of a source that has a page, sorted."""
    folder = docs_dir / source
    return sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []


def parse_cwe_table(text: str) -> dict[str, CweEntry]:
    """The rows of the CWE table (`| CWE-89 | name | types | summary | defence |`), keyed by CWE id."""
    out: dict[str, CweEntry] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("CWE-"):
            continue
        types = tuple(t.strip(" `") for t in cells[2].split(",") if t.strip(" `"))
        out[cells[0]] = CweEntry(cells[0], cells[1], types, cells[3], cells[4])
    return out


@functools.lru_cache(maxsize=4)
def cwe_table(docs_dir: Path = DOCS_DIR) -> dict[str, CweEntry]:
    """The CWE summary table shipped with the check pages (empty when it is missing)."""
    try:
        return parse_cwe_table((docs_dir / CWE_PAGE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


# --------------------------------------------------------------------- BM25


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; dotted and CamelCase names also yield their parts (`StringToAtom` -> string, to, atom)."""
    out: list[str] = []
    for word in re.findall(r"[A-Za-z0-9_?!]+", text):
        parts = [word] + re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", word) + word.split("_")
        for part in parts:
            token = part.lower().strip("?!_")
            if len(token) > 1 and token not in _STOP:
                out.append(token)
    return out


@dataclass(frozen=True)
class Document:
    """One retrievable unit: a check page (`credo/Readability.LargeNumbers`) or a CWE row (`cwe/CWE-89`)."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Hit:
    """A ranked document and its BM25 score."""

    doc: Document
    score: float


class Bm25Index:
    """Okapi BM25 over a fixed set of documents.

    Args:
        docs: the documents; each one's title is counted twice so a name match weighs more.
        k1 / b: the usual term-saturation and length-normalisation parameters.
    """

    def __init__(self, docs: Sequence[Document], k1: float = 1.5, b: float = 0.75) -> None:
        self.docs = list(docs)
        self.k1, self.b = k1, b
        self.freqs = [Counter(tokenize(f"{d.title} {d.title} {d.text}")) for d in self.docs]
        self.lengths = [sum(f.values()) for f in self.freqs]
        self.avg_len = sum(self.lengths) / len(self.lengths) if self.lengths else 0.0
        df: Counter[str] = Counter()
        for f in self.freqs:
            df.update(f.keys())
        n = len(self.docs)
        # The +1 inside the log keeps every idf positive (terms in more than half the corpus still count a little).
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: str) -> list[float]:
        """BM25 score of every document for a query, in document order."""
        terms = tokenize(query)
        out = []
        for freqs, length in zip(self.freqs, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.avg_len) if self.avg_len else self.k1
            out.append(sum(self.idf.get(t, 0.0) * freqs[t] * (self.k1 + 1) / (freqs[t] + norm) for t in terms if t in freqs))
        return out

    def search(self, query: str, k: int = 5, exclude: Iterable[str] = (), prefix: str = "") -> list[Hit]:
        """The best `k` documents with a positive score, best first; ids in `exclude` and ids not starting with
        `prefix` are skipped."""
        skip = set(exclude)
        ranked = sorted(
            (Hit(d, s) for d, s in zip(self.docs, self.scores(query), strict=True)
             if s > 0 and d.id not in skip and d.id.startswith(prefix)),
            key=lambda h: (-h.score, h.doc.id),
        )
        return ranked[:k]


def corpus(docs_dir: Path = DOCS_DIR) -> list[Document]:
    """Every check page and every CWE row as retrievable documents."""
    docs = []
    for source in SOURCES:
        for name in page_names(source, docs_dir):
            page = load_page(source, name, docs_dir)
            if page is not None:
                # The page minus its code examples: identifiers in examples would match unrelated checks.
                prose = _FENCE.sub(" ", page.text)
                docs.append(Document(f"{source}/{name}", name, prose))
    for entry in cwe_table(docs_dir).values():
        docs.append(Document(f"cwe/{entry.cwe}", f"{entry.cwe} {entry.name}",
                             f"{entry.summary} {entry.defence} {' '.join(entry.types)}"))
    return docs


@functools.lru_cache(maxsize=4)
def default_index(docs_dir: Path = DOCS_DIR) -> Bm25Index:
    """The index over the installed pages and CWE table, built once per process (~110 documents, a few ms)."""
    return Bm25Index(corpus(docs_dir))
