"""Workspace knowledge for prompts and completion: module headers, signature context, symbols.

Pure functions over a `ProjectIndex` (see `workspace_index.py`) and a document's text; the
language server's handlers call them and convert the results to LSP types. Adapter routing
lives in `adapter_routing.py`; both are re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .adapter_routing import ADAPTERS, adapter_for, is_test_path, mix_deps, project_deps
from .workspace_index import (
    FunctionInfo,
    ModuleInfo,
    ProjectIndex,
    ScanReport,
    module_at,
    visible_aliases,
)

__all__ = [
    "ADAPTERS", "FunctionInfo", "ModuleInfo", "ProjectIndex", "ScanReport", "Symbol",
    "adapter_for", "is_test_path", "mix_deps", "module_header", "project_deps",
    "signature_context", "symbol_completions",
]

_DEFMODULE = re.compile(r"^\s*(?:defmodule|defprotocol|defimpl)\b.*\bdo\s*(?:#.*)?$")
_DIRECTIVE = re.compile(r"^\s*(?:alias|import|use|require)\s")
_HEREDOC = re.compile(r'"""|\'\'\'')
_QUALIFIED = re.compile(r"((?:[A-Z]\w*|__MODULE__)(?:\.[A-Z]\w*)*)\.([a-z_]\w*[?!]?)?$")
_ATTRIBUTE = re.compile(r"(?<![\w@])@([a-z_]\w*)?$")
_FIELD_ACCESS = re.compile(r"\.[\w?!]*$")
_WORD = re.compile(r"([A-Za-z_][\w]*[?!]?)?$")
_IDENT = re.compile(r"[a-z_]\w*[?!]?")
_MAX_LINE_CHARS = 160


@dataclass(frozen=True)
class Symbol:
    """A completion candidate from the project index.

    `insert_text` is in LSP snippet syntax when `is_snippet` is true (function calls with
    placeholders for the parameters), plain text otherwise.
    """

    label: str
    kind: str  # "function", "module" or "attribute"
    detail: str
    documentation: str | None
    insert_text: str
    is_snippet: bool = False


# --- module header -----------------------------------------------------------------------------


def module_header(prefix: str) -> str:
    """The lines a cut prompt prefix must keep: enclosing `defmodule` lines and their directives.

    For the text before the cursor, returns (in source order, joined by newlines) the
    `defmodule` line of each module enclosing the cursor and the `alias`/`import`/`use`/
    `require` statements written at that module's top level before the cursor. Statements
    spanning several lines (`alias Shop.{\\n Cart,\\n Item\\n}`) are kept whole. Empty when the
    cursor is outside any module.

    Nesting is read from indentation, as `mix format` lays code out: the prefix of a
    half-written file rarely parses, while its indentation is already right.

    Args:
        prefix: the document text before the cursor.
    """
    lines = prefix.split("\n")[:-1]  # the cursor's own line stays in the prompt anyway
    # Each open module: [indent, body indent or None, kept lines].
    stack: list[list] = []
    in_heredoc = False
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        heredoc_marks = len(_HEREDOC.findall(line))
        if in_heredoc:
            in_heredoc = heredoc_marks % 2 == 0
            i += 1
            continue
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        while stack and indent <= stack[-1][0]:
            stack.pop()
        if stack and stack[-1][1] is None:
            stack[-1][1] = indent
        if _DEFMODULE.match(line):
            stack.append([indent, None, [line.rstrip()]])
        elif stack and indent == stack[-1][1] and _DIRECTIVE.match(line):
            statement = [line.rstrip()]
            while _continues(statement) and i + 1 < len(lines):
                i += 1
                statement.append(lines[i].rstrip())
            stack[-1][2].extend(statement)
        if heredoc_marks % 2 == 1:
            in_heredoc = True
        i += 1
    return "\n".join(text for entry in stack for text in entry[2])


def _continues(statement: list[str]) -> bool:
    text = "\n".join(re.sub(r"#.*$", "", s) for s in statement)
    depth = sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
    return depth > 0 or text.rstrip().endswith(",")


# --- signature context ---------------------------------------------------------------------------


def signature_context(
    index: ProjectIndex,
    path: Path | str | None,
    text: str,
    max_lines: int = 16,
    line: int | None = None,
) -> str:
    """Comment lines listing signatures of the current module and of the modules it aliases.

    The current module's functions come first, nearest to the cursor first; then the public
    functions of aliased modules, the most recently used alias first. Each line reads like
    `# Shop.Cart.add(cart, sku, quantity) :: t()` (the return type from `@spec`); private
    functions read `# defp name(args)`.

    Args:
        index: the project index (for aliased modules).
        path: the document's path (None for an unsaved buffer).
        text: the document's text, or the part before the cursor.
        max_lines: at most this many lines.
        line: 0-based cursor line; by default the end of `text`.
    """
    if max_lines <= 0:
        return ""
    modules = _document_modules(index, path, text)
    cursor_line = (text.count("\n") if line is None else line) + 1
    current = module_at(modules, cursor_line)
    if current is None:
        return ""
    aliased = _aliased_modules(index, modules, current, text, cursor_line)
    own_budget = max_lines if not aliased else max(1, (max_lines + 1) // 2)
    own = sorted(_one_per_head(current.functions), key=lambda f: (abs(f.line - cursor_line), f.line))
    out = [_signature_line(current.name, fn) for fn in own[:own_budget]]
    for mod in aliased:
        for fn in _one_per_head(mod.functions):
            if len(out) >= max_lines:
                break
            if fn.public and not fn.hidden:
                out.append(_signature_line(mod.name, fn))
    return "\n".join(out[:max_lines])


def _document_modules(index: ProjectIndex, path: Path | str | None, text: str) -> list[ModuleInfo]:
    return index.document_modules(path if path is not None else Path("untitled.ex"), text)


def _one_per_head(functions: tuple[FunctionInfo, ...]) -> list[FunctionInfo]:
    # Default arguments give one FunctionInfo per arity; one line per written head is enough.
    seen: dict[tuple[str, tuple[str, ...]], FunctionInfo] = {}
    for fn in functions:
        key = (fn.name, fn.params)
        if key not in seen or fn.arity > seen[key].arity:
            seen[key] = fn
    return sorted(seen.values(), key=lambda f: f.line)


def _signature_line(module: str, fn: FunctionInfo) -> str:
    where = f"{module}." if fn.public else f"{fn.kind} "
    if fn.kind == "defmacro":
        where = f"defmacro {module}."
    line = f"# {where}{fn.head}"
    if fn.returns:
        line += f" :: {fn.returns}"
    if len(line) > _MAX_LINE_CHARS:
        line = line[: _MAX_LINE_CHARS - 3] + "..."
    return line


def _aliased_modules(
    index: ProjectIndex, modules: list[ModuleInfo], current: ModuleInfo, text: str, cursor_line: int
) -> list[ModuleInfo]:
    before = "\n".join(text.split("\n")[:cursor_line])
    ranked: list[tuple[int, int, ModuleInfo]] = []
    for order, (short, full) in enumerate(visible_aliases(modules, current).items()):
        mod = index.module(full)
        if mod is None or mod.name == current.name:
            continue
        uses = [m.start() for m in re.finditer(rf"(?<![\w.]){re.escape(short)}\.[a-z_]", before)]
        ranked.append((-(uses[-1] if uses else -1), order, mod))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [mod for _, _, mod in ranked]


# --- symbol completions --------------------------------------------------------------------------


def symbol_completions(
    index: ProjectIndex, path: Path | str | None, text: str, line: int, character: int
) -> list[Symbol]:
    """Completion candidates from the index for the cursor position.

    After `Alias.` the public functions of that module (and its submodules); after `@` the
    attributes of the current module; otherwise the current module's functions and the
    aliases in scope. Filtered by the partial word under the cursor.

    Args:
        index: the project index.
        path: the document's path (None for an unsaved buffer).
        text: the document's full text.
        line: 0-based cursor line.
        character: 0-based cursor column in characters (code points) of that line.
    """
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return []
    before = lines[line][: max(character, 0)]
    if before.lstrip().startswith("#"):
        return []
    modules = _document_modules(index, path, text)
    current = module_at(modules, line + 1)
    aliases = visible_aliases(modules, current) if current is not None else {}

    qualified = _QUALIFIED.search(before)
    if qualified:
        return _remote_symbols(index, current, aliases, qualified.group(1), qualified.group(2) or "")
    attribute = _ATTRIBUTE.search(before)
    if attribute:
        partial = attribute.group(1) or ""
        if current is None:
            return []
        return [
            Symbol(name, "attribute", f"@{name}", f"{current.name}, line {at}", name)
            for name, at in sorted(current.attributes.items())
            if name.startswith(partial)
        ]
    if _FIELD_ACCESS.search(before):
        return []  # `cart.items`, `map.key`: a field, not something the index knows
    word = _WORD.search(before)
    partial = (word.group(1) if word else None) or ""
    symbols: list[Symbol] = []
    if current is not None and not partial[:1].isupper():
        symbols += [
            _function_symbol(fn)
            for fn in current.functions
            if fn.name.startswith(partial) and _IDENT.fullmatch(fn.name)
        ]
    if partial[:1].isupper() or not partial:
        symbols += [
            Symbol(short, "module", full, _module_doc(index, full), short)
            for short, full in sorted(aliases.items())
            if short.startswith(partial)
        ]
    return symbols


def _remote_symbols(
    index: ProjectIndex, current: ModuleInfo | None, aliases: dict[str, str], qualifier: str, partial: str
) -> list[Symbol]:
    if qualifier.startswith("__MODULE__"):
        if current is None:
            return []
        full = current.name + qualifier[len("__MODULE__"):]
    else:
        head, _, rest = qualifier.partition(".")
        full = aliases.get(head, head) + (f".{rest}" if rest else "")
    symbols: list[Symbol] = []
    mod = index.module(full)
    if mod is None and current is not None and current.name == full:
        mod = current
    if mod is not None:
        symbols += [
            _function_symbol(fn)
            for fn in mod.functions
            if fn.public and not fn.hidden and fn.name.startswith(partial) and _IDENT.fullmatch(fn.name)
        ]
    if not partial:
        seen: set[str] = set()
        for name in index.module_names(full + "."):
            child = name[len(full) + 1 :].split(".")[0]
            if child and child not in seen:
                seen.add(child)
                symbols.append(Symbol(child, "module", f"{full}.{child}", _module_doc(index, f"{full}.{child}"), child))
    return symbols


def _function_symbol(fn: FunctionInfo) -> Symbol:
    names = fn.params_at_arity()
    placeholders = ", ".join(f"${{{i}:{_snippet_escape(_param_name(p, i))}}}" for i, p in enumerate(names, 1))
    return Symbol(
        label=fn.name,
        kind="function",
        detail=f"{fn.name}/{fn.arity}" + (f"  {fn.spec}" if fn.spec else ""),
        documentation=fn.doc,
        insert_text=f"{_snippet_escape(fn.name)}({placeholders})",
        is_snippet=True,
    )


def _param_name(pattern: str, position: int) -> str:
    # `%User{} = user` -> user, `[h | t]` -> arg2: a placeholder should read as a name.
    for side in reversed(pattern.split("=")):
        side = side.strip()
        if re.fullmatch(r"_?[a-z]\w*", side):
            return side.lstrip("_") or side
    return f"arg{position}"


def _snippet_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _module_doc(index: ProjectIndex, name: str) -> str | None:
    mod = index.module(name)
    return mod.doc if mod is not None else None
