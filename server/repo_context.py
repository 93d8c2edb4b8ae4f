"""Repository context for the prompt: definitions used near the cursor and similar code from other files.

Two kinds of snippet, most useful first:

1. Definitions of what the code near the cursor uses: for each `Alias.fun` and `%Alias{` in the
   lines around the cursor that resolves (server/api_index.py) to a project or `deps/` module,
   the signature of that function (`# MyApp.Accounts.get_user!(id) :: User.t()`) or the struct's
   fields. The standard library is left out: the model knows it.
2. The windows of other project files most similar to the code before the cursor, by BM25 over
   identifier tokens (as Tabby ranks its snippets): 12-line windows every 6 lines.

Definitions are written as Elixir comments; windows follow as code under a `# Path: lib/...`
line (as Tabby lays out its snippets; the shipped model completed calls slightly better from code
than from commented code, docs/reports/context.md). `build_prompt` puts them in front of the
file under their own token budget (model/prompt.py).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .api_index import ApiIndex, CursorApi
from .workspace_index import ProjectIndex, read_source

WINDOW_LINES = 12
WINDOW_STRIDE = 6
NEAR_LINES = 12  # lines before the cursor that make the query and whose calls get definitions
MAX_FILES = 3000
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[?!]?")
_REMOTE = re.compile(r"(?<![\w.:])((?:__MODULE__|[A-Z]\w*)(?:\.[A-Z]\w*)*)\.([a-z_]\w*[?!]?)")
_STRUCT = re.compile(r"%((?:__MODULE__|[A-Z]\w*)(?:\.[A-Z]\w*)*)\{")
# Words every Elixir file has: they say nothing about which window is similar.
_STOP = frozenset("def defp do end fn if else case cond when with true false nil and or not in alias import use "
                  "require defmodule conn socket params ok error assigns x".split())
K1, B = 1.2, 0.75
MIN_SHARED_TERMS = 3


def words(text: str) -> list[str]:
    """Identifier tokens of code, lower-cased, with snake_case parts as extra tokens."""
    out = []
    for w in _WORD.findall(text):
        w = w.lower()
        if w in _STOP or len(w) < 2:
            continue
        out.append(w)
        if "_" in w.strip("_"):
            out.extend(p for p in w.split("_") if len(p) > 2 and p not in _STOP)
    return out


@dataclass(frozen=True, eq=False)
class Window:
    """Lines of a project file."""

    path: Path
    start: int  # 0-based first line
    text: str
    terms: Counter[str]
    length: int


class WindowIndex:
    """BM25 over fixed windows of the project's files, rebuilt per file when it changes on disk."""

    def __init__(self, project: ProjectIndex) -> None:
        self.project = project
        self._lock = threading.Lock()
        self._files: dict[Path, tuple[int, list[Window]]] = {}
        self._df: Counter[str] = Counter()
        self._postings: dict[str, set[Window]] = {}  # term -> windows holding it
        self._total_len = 0
        self._count = 0

    def _windows(self, path: Path, text: str) -> list[Window]:
        lines = text.split("\n")
        out = []
        for start in range(0, max(1, len(lines) - WINDOW_LINES // 2), WINDOW_STRIDE):
            chunk = "\n".join(lines[start: start + WINDOW_LINES]).strip("\n")
            terms = Counter(words(chunk))
            if terms:
                out.append(Window(path, start, chunk, terms, sum(terms.values())))
        return out

    def refresh(self) -> None:
        """Bring the windows up to date with the files the project index knows."""
        files = self.project.files()[:MAX_FILES]
        with self._lock:
            known = set(self._files)
            for path in known - set(files):
                self._remove(path)
            for path in files:
                try:
                    mtime = path.stat().st_mtime_ns
                except OSError:
                    self._remove(path)
                    continue
                entry = self._files.get(path)
                if entry is not None and entry[0] == mtime:
                    continue
                self._remove(path)
                try:
                    windows = self._windows(path, read_source(path))
                except ValueError:
                    continue
                self._files[path] = (mtime, windows)
                for w in windows:
                    self._df.update(w.terms.keys())
                    for t in w.terms:
                        self._postings.setdefault(t, set()).add(w)
                    self._total_len += w.length
                    self._count += 1

    def _remove(self, path: Path) -> None:
        entry = self._files.pop(path, None)
        for w in entry[1] if entry else ():
            self._df.subtract(w.terms.keys())
            for t in w.terms:
                self._postings.get(t, set()).discard(w)
            self._total_len -= w.length
            self._count -= 1

    def search(self, query: list[str], exclude: Path | None, k: int = 4) -> list[tuple[float, Window]]:
        """The `k` windows scoring highest for the query terms (the excluded file's windows left out)."""
        if not query:
            return []
        with self._lock:
            n = max(1, self._count)
            avg = self._total_len / n if n else 1.0
            q = Counter(query)
            idf = {t: math.log(1 + (n - self._df.get(t, 0) + 0.5) / (self._df.get(t, 0) + 0.5)) for t in q}
            # Only windows sharing a term can score: walk the postings, not every window.
            scores: dict[Window, float] = {}
            shared: Counter[Window] = Counter()
            for t in q:
                for w in self._postings.get(t, ()):
                    if w.path == exclude:
                        continue
                    f = w.terms[t]
                    scores[w] = scores.get(w, 0.0) + idf[t] * f * (K1 + 1) / (f + K1 * (1 - B + B * w.length / avg))
                    shared[w] += 1
            # One shared word (the app's name) is chance, and a window that is not similar only
            # distracts a small model.
            scored = [(sc, w) for w, sc in scores.items() if shared[w] >= MIN_SHARED_TERMS]
        scored.sort(key=lambda sw: -sw[0])
        return scored[:k]


def _comment(text: str) -> str:
    return "\n".join(("# " + line).rstrip() for line in text.split("\n"))


class RepoContext:
    """Builds the repository part of a prompt.

    Args:
        api_index: what exists (project, deps, standard library).
        root: the project folder (paths in the prompt are relative to it).
        windows: add similar windows of other files (else definitions only).
        comment_windows: write windows as comments too (default: as code under their `# Path:` line).
    """

    def __init__(self, api_index: ApiIndex, root: Path | None, windows: bool = True,
                 comment_windows: bool = False) -> None:
        self.api_index = api_index
        self.root = root
        self.windows = WindowIndex(api_index.project)
        self.use_windows = windows
        self.comment_windows = comment_windows

    def definitions(self, api: CursorApi, near: str) -> list[str]:
        """Signature and struct lines for what `near` uses from project and deps modules."""
        out: list[str] = []
        seen: set[str] = set()
        for match in reversed(list(_STRUCT.finditer(near))):
            mod = api.module(match.group(1))
            if mod is not None and mod.fields is not None and mod.origin != "stdlib" and mod.name not in seen:
                seen.add(mod.name)
                out.append(f"# %{mod.name}{{{', '.join(f for f in mod.fields if not f.startswith('__'))}}}")
        for match in reversed(list(_REMOTE.finditer(near))):
            written, name = match.groups()
            mod = api.module(written)
            key = f"{written}.{name}"
            if mod is None or mod.origin in ("stdlib", "erlang") or key in seen:
                continue
            seen.add(key)
            info = self.api_index.project.module(mod.name) if mod.origin == "project" else None
            heads = [f for f in (info.functions if info else ()) if f.name == name and f.public]
            if heads:
                fn = heads[0]
                out.append(f"# {mod.name}.{fn.head}" + (f" :: {fn.returns}" if fn.returns else ""))
            else:
                arities = mod.arities(name)
                if arities:
                    out.append(f"# {mod.name}.{name}/{'|'.join(map(str, arities))}")
        return out

    def build(self, path: Path | None, text: str, offset: int, api: CursorApi, max_chars: int) -> str:
        """The context text for a cursor, at most `max_chars` long (most useful snippets first).

        Args:
            path: the document's path (its own windows are not proposed).
            text: the document's text.
            offset: the cursor.
            api: what exists at the cursor.
            max_chars: size limit (the prompt builder cuts to its token budget as well).
        """
        if max_chars <= 0:
            return ""
        prefix = text[:offset]
        near = "\n".join(prefix.split("\n")[-NEAR_LINES:])
        parts: list[str] = []
        used = 0
        for line in self.definitions(api, near + text[offset: offset + 200]):
            if used + len(line) + 1 > max_chars:
                break
            parts.append(line)
            used += len(line) + 1
        if not self.use_windows:
            return "\n".join(parts)
        self.windows.refresh()
        for _, window in self.windows.search(words(near), path):
            rel = window.path.relative_to(self.root) if self.root and window.path.is_relative_to(self.root) \
                else window.path.name
            block = f"# Path: {rel}\n{_comment(window.text) if self.comment_windows else window.text}"
            if used + len(block) + 1 > max_chars:
                continue
            parts.append(block)
            used += len(block) + 1
        return "\n".join(parts)
