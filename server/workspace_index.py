"""Project index: the modules, functions, attributes and aliases of a workspace, from tree-sitter.

The language server reads this index for prompt context (signatures of the current module and
of the modules it aliases) and for symbol completions. Only module-level statements are read:
function bodies are never walked, so indexing all of Elixir's own `lib/` takes well under a
second and reparsing one open file takes a few milliseconds.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node, Parser

from elixir_coder.analysis.source import new_parser, thread_parser

# Files above this size are skipped by `scan`: hand-written modules are far smaller (Elixir's
# largest, kernel.ex, is about 200 KB) and a generated blob would only slow the index down.
DEFAULT_MAX_BYTES_PER_FILE = 1024 * 1024

SKIPPED_DIRS = frozenset({"_build", "deps", "node_modules", "cover", "tmp"})
# Scanned first so that `max_files` keeps a project's own code when it has to cut.
PREFERRED_DIRS = ("lib", "apps", "test")

FUNCTION_KINDS = ("def", "defp", "defmacro", "defmacrop")
# The macros that define functions, and the kind each definition shows up as: `defguard`
# defines a macro and `defdelegate` a public function, as in Elixir itself.
_DEF_MACROS = {
    "def": "def", "defp": "defp", "defmacro": "defmacro", "defmacrop": "defmacrop",
    "defguard": "defmacro", "defguardp": "defmacrop", "defdelegate": "def",
}
_MODULE_MACROS = frozenset({"defmodule", "defprotocol"})
# Bodies that define code for another module (or for later), not for the enclosing one.
_OPAQUE_CALLS = frozenset({"defimpl", "quote", "defexception_fields"})
# Attributes Elixir itself interprets; completion after `@` lists a module's own attributes.
RESERVED_ATTRIBUTES = frozenset({
    "doc", "moduledoc", "typedoc", "spec", "type", "typep", "opaque", "callback",
    "macrocallback", "optional_callbacks", "impl", "behaviour", "derive", "dialyzer",
    "deprecated", "since", "compile", "on_load", "on_definition", "before_compile",
    "after_compile", "after_verify", "external_resource", "file", "vsn", "enforce_keys",
})
_WS = re.compile(r"\s+")
_GROUP_ALIAS = re.compile(r"^(?P<base>.+?)\s*\.\s*\{(?P<items>.*)\}$", re.S)


@dataclass(frozen=True)
class FunctionInfo:
    """One arity of a function; a definition with N default arguments yields N + 1 of these.

    `params` is the full parameter list as written in the first clause (defaults included),
    `required` how many of them the caller must pass at this arity.
    """

    name: str
    arity: int
    kind: str
    line: int
    params: tuple[str, ...] = ()
    defaults: tuple[bool, ...] = ()
    doc: str | None = None
    hidden: bool = False
    spec: str | None = None
    returns: str | None = None

    @property
    def public(self) -> bool:
        """True for `def` and `defmacro` (callable from other modules)."""
        return self.kind in ("def", "defmacro")

    @property
    def head(self) -> str:
        """The head as written, e.g. `add(cart, sku, qty \\\\ 1)`."""
        return f"{self.name}({', '.join(self.params)})"

    def params_at_arity(self) -> list[str]:
        """Parameter names a call of this arity passes (Elixir drops the last defaulted ones)."""
        drop = len(self.params) - self.arity
        kept: list[str] = []
        for text, has_default in reversed(list(zip(self.params, self.defaults, strict=False))):
            if has_default and drop > 0:
                drop -= 1
                continue
            kept.append(text.split("\\\\")[0].strip())
        return list(reversed(kept))


@dataclass(frozen=True)
class ModuleInfo:
    """What the index knows about one module. Instances are never mutated once published."""

    name: str
    file: Path
    line: int
    end_line: int
    functions: tuple[FunctionInfo, ...] = ()
    attributes: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    imports: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    parent: str | None = None
    doc: str | None = None

    def function(self, name: str, arity: int) -> FunctionInfo | None:
        """The function `name/arity`, if defined here."""
        for fn in self.functions:
            if fn.name == name and fn.arity == arity:
                return fn
        return None


@dataclass
class ScanReport:
    """What `ProjectIndex.scan` did: counts, skipped files with the reason, time taken."""

    files_indexed: int = 0
    modules: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    truncated: bool = False
    seconds: float = 0.0


# --- extraction --------------------------------------------------------------------------------


class _ModuleBuilder:
    """Collects one module's facts while its statements are read, then freezes them."""

    def __init__(self, name: str, parent: _ModuleBuilder | None, file: Path, line: int, end_line: int) -> None:
        self.name = name
        self.parent = parent
        self.file = file
        self.line = line
        self.end_line = end_line
        self.functions: dict[tuple[str, int], FunctionInfo] = {}
        self.specs: dict[tuple[str, int], tuple[str, str]] = {}
        self.attributes: dict[str, int] = {}
        self.aliases: dict[str, str] = {}
        self.imports: list[str] = []
        self.uses: list[str] = []
        self.requires: list[str] = []
        self.doc: str | None = None
        # The `@doc` waiting for the next definition: text, and whether it was `@doc false`.
        self.pending_doc: str | None = None
        self.pending_hidden = False

    def resolve(self, name: str) -> str:
        """Expand `__MODULE__` and a leading alias, looking through enclosing modules too."""
        name = _WS.sub("", name)
        if name.startswith("__MODULE__"):
            return self.name + name[len("__MODULE__"):]
        head, _, rest = name.partition(".")
        scope: _ModuleBuilder | None = self
        while scope is not None:
            target = scope.aliases.get(head)
            if target is not None:
                return f"{target}.{rest}" if rest else target
            scope = scope.parent
        return name

    def freeze(self) -> ModuleInfo:
        functions = []
        for (name, arity), fn in self.functions.items():
            spec = self.specs.get((name, arity))
            if spec is not None:
                fn = FunctionInfo(**{**fn.__dict__, "spec": spec[0], "returns": spec[1]})
            functions.append(fn)
        functions.sort(key=lambda f: (f.line, f.arity))
        return ModuleInfo(
            name=self.name, file=self.file, line=self.line, end_line=self.end_line,
            functions=tuple(functions), attributes=dict(self.attributes), aliases=dict(self.aliases),
            imports=tuple(self.imports), uses=tuple(self.uses), requires=tuple(self.requires),
            parent=self.parent.name if self.parent else None, doc=self.doc,
        )


class _Extractor:
    """Reads module-level statements of one parsed file; lenient about ERROR nodes."""

    def __init__(self, data: bytes, file: Path) -> None:
        self.data = data
        self.file = file
        self.modules: list[_ModuleBuilder] = []

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def norm(self, node: Node) -> str:
        return _WS.sub(" ", self.text(node)).strip()

    def call_name(self, call: Node) -> str | None:
        target = call.child_by_field_name("target")
        if target is not None and target.type == "identifier":
            return self.text(target)
        return None

    def run(self, root: Node) -> list[ModuleInfo]:
        self.statements(root.named_children, None, root.end_point[0] + 1)
        return [m.freeze() for m in self.modules]

    def statements(self, children: list[Node], ctx: _ModuleBuilder | None, end_line: int) -> None:
        """Read a sequence of statements; a `defmodule` whose body failed to parse opens a
        module that the following siblings (usually one ERROR node) belong to."""
        for i, child in enumerate(children):
            kind = child.type
            if kind == "call":
                name = self.call_name(child)
                if name in _MODULE_MACROS:
                    args = _arguments(child)
                    mod = self.open_module(args[0] if args else None, ctx, child, end_line)
                    if mod is None:
                        continue
                    block = _child_of_type(child, "do_block")
                    if block is not None:
                        self.statements(block.named_children, mod, mod.end_line)
                    else:
                        ctx = mod
                    continue
                if ctx is None or name in _OPAQUE_CALLS:
                    continue
                if name is None:
                    name = self.dangling_def(child)
                if name in _DEF_MACROS:
                    self.definition(_arguments(child), ctx, _DEF_MACROS[name], child)
                elif name in ("alias", "import", "use", "require"):
                    self.directive(name, _arguments(child), ctx)
                else:
                    # `if Code.ensure_loaded?(X) do def ... end` and similar wrappers.
                    block = _child_of_type(child, "do_block")
                    if block is not None:
                        self.statements(block.named_children, ctx, end_line)
            elif kind == "unary_operator" and ctx is not None:
                self.attribute(child, ctx)
            elif kind in ("ERROR", "block"):
                self.statements(child.named_children, ctx, end_line)
            elif kind == "identifier" and i + 1 < len(children):
                # Inside an ERROR node a call may lose its shape: `defp` then its arguments.
                word = self.text(child)
                nxt = children[i + 1]
                if word in _MODULE_MACROS and nxt.type in ("alias", "arguments"):
                    target = nxt if nxt.type == "alias" else _first(nxt.named_children)
                    mod = self.open_module(target, ctx, child, end_line)
                    if mod is not None:
                        ctx = mod
                elif ctx is not None and word in _DEF_MACROS and nxt.type == "arguments":
                    self.definition(nxt.named_children, ctx, _DEF_MACROS[word], child)

    def dangling_def(self, call: Node) -> str | None:
        """`def` when a half-typed `Mod.` on the line above makes the next `def` read `Mod.def(...)`."""
        target = call.child_by_field_name("target")
        if target is None or target.type != "dot":
            return None
        right = target.child_by_field_name("right")
        if right is None or self.text(right) not in _DEF_MACROS:
            return None
        if right.start_point[0] == target.start_point[0]:
            return None  # written on one line: a real remote call, e.g. `Kernel.def(...)` in a quote
        return self.text(right)

    def open_module(
        self, target: Node | None, ctx: _ModuleBuilder | None, call: Node, end_line: int
    ) -> _ModuleBuilder | None:
        if target is None or target.type != "alias":
            return None
        short = self.norm(target).replace(" ", "")
        full = f"{ctx.name}.{short}" if ctx is not None else short
        block = _child_of_type(call, "do_block")
        last = block.end_point[0] + 1 if block is not None else end_line
        mod = _ModuleBuilder(full, ctx, self.file, call.start_point[0] + 1, last)
        if ctx is not None:
            # A nested module is aliased by its first segment inside the parent.
            first = short.split(".")[0]
            ctx.aliases.setdefault(first, f"{ctx.name}.{first}")
        self.modules.append(mod)
        return mod

    def definition(self, args: list[Node], ctx: _ModuleBuilder, kind: str, at: Node) -> None:
        if not args:
            return
        head = args[0]
        if head.type == "binary_operator" and self.operator(head) == "when":
            head = head.child_by_field_name("left") or head
        params: list[Node] = []
        if head.type == "identifier":
            name = self.text(head)
        elif head.type == "call":
            target = head.child_by_field_name("target")
            if target is None or target.type != "identifier":
                return  # `def unquote(name)(...)`: the name is only known at compile time
            name = self.text(target)
            params = _arguments(head)
        elif head.type == "binary_operator":
            name = self.operator(head) or ""
            params = [n for n in (head.child_by_field_name("left"), head.child_by_field_name("right")) if n]
        else:
            return
        if not name:
            return
        texts = tuple(self.norm(p) for p in params)
        defaults = tuple(p.type == "binary_operator" and self.operator(p) == "\\\\" for p in params)
        doc, hidden = ctx.pending_doc, ctx.pending_hidden
        ctx.pending_doc, ctx.pending_hidden = None, False
        line = at.start_point[0] + 1
        for arity in range(len(params) - sum(defaults), len(params) + 1):
            known = ctx.functions.get((name, arity))
            if known is None:
                ctx.functions[(name, arity)] = FunctionInfo(
                    name, arity, kind, line, texts, defaults, doc, hidden
                )
            elif known.doc is None and doc is not None:
                ctx.functions[(name, arity)] = FunctionInfo(**{**known.__dict__, "doc": doc, "hidden": hidden})

    def operator(self, node: Node) -> str | None:
        op = node.child_by_field_name("operator")
        return self.text(op) if op is not None else None

    def directive(self, name: str, args: list[Node], ctx: _ModuleBuilder) -> None:
        if not args:
            return
        subject = self.norm(args[0]).replace(" ", "")
        if name != "alias":
            resolved = ctx.resolve(subject)
            {"import": ctx.imports, "use": ctx.uses, "require": ctx.requires}[name].append(resolved)
            return
        as_name = None
        for extra in args[1:]:
            if extra.type == "keywords":
                for pair in extra.named_children:
                    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                    if key is not None and value is not None and self.text(key).strip().rstrip(":") == "as":
                        as_name = self.norm(value)
        group = _GROUP_ALIAS.match(subject)
        if group:
            base = ctx.resolve(group["base"])
            for item in group["items"].split(","):
                item = item.strip()
                if item:
                    ctx.aliases[item.split(".")[-1]] = f"{base}.{item}"
            return
        full = ctx.resolve(subject)
        if full and full[0].isupper() or subject.startswith("__MODULE__"):
            ctx.aliases[as_name or full.split(".")[-1]] = full

    def attribute(self, node: Node, ctx: _ModuleBuilder) -> None:
        operand = node.child_by_field_name("operand")
        if operand is None or operand.type != "call" or self.operator(node) != "@":
            return
        name = self.call_name(operand)
        args = _arguments(operand)
        if name is None or not args:
            return  # `@foo` alone reads an attribute
        value = args[0]
        if name == "doc":
            if value.type == "boolean" and self.text(value) == "false":
                ctx.pending_doc, ctx.pending_hidden = None, True
            elif value.type in ("string", "sigil"):
                ctx.pending_doc = _first_line(self.string_content(value))
        elif name == "moduledoc":
            if value.type in ("string", "sigil"):
                ctx.doc = _first_line(self.string_content(value))
        elif name == "spec":
            self.spec(value, ctx)
        elif name not in RESERVED_ATTRIBUTES:
            ctx.attributes.setdefault(name, node.start_point[0] + 1)

    def string_content(self, node: Node) -> str:
        return "".join(self.text(c) for c in node.named_children if c.type in ("quoted_content", "escape_sequence"))

    def spec(self, value: Node, ctx: _ModuleBuilder) -> None:
        body = value
        if body.type == "binary_operator" and self.operator(body) == "when":
            body = body.child_by_field_name("left") or body
        if body.type != "binary_operator" or self.operator(body) != "::":
            return
        head, ret = body.child_by_field_name("left"), body.child_by_field_name("right")
        if head is None or ret is None:
            return
        if head.type == "identifier":
            key = (self.text(head), 0)
        elif head.type == "call" and self.call_name(head) is not None:
            key = (self.call_name(head) or "", len(_arguments(head)))
        else:
            return
        ctx.specs.setdefault(key, (self.norm(value), self.norm(ret)))


def _arguments(call: Node) -> list[Node]:
    node = _child_of_type(call, "arguments")
    return node.named_children if node is not None else []


def _first(nodes: list[Node]) -> Node | None:
    return nodes[0] if nodes else None


def _child_of_type(node: Node, kind: str) -> Node | None:
    for child in node.named_children:
        if child.type == kind:
            return child
    return None


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def extract_modules(text: str, path: Path, parser: Parser | None = None) -> list[ModuleInfo]:
    """Parse one file's text and return the modules it defines (outer before nested).

    Args:
        text: the file's contents; a half-typed file gives what can still be read.
        path: the file the modules are recorded under.
        parser: a tree-sitter parser owned by the calling thread (a new one if omitted).
    """
    return _parse(text, path, parser or new_parser())[0]


def _parse(text: str, path: Path, parser: Parser) -> tuple[list[ModuleInfo], bool]:
    data = text.encode("utf-8", "surrogatepass")
    root = parser.parse(data).root_node
    return _Extractor(data, path).run(root), root.has_error


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES_PER_FILE) -> str:
    """Read an Elixir file as text; raises ValueError saying why a file cannot be indexed."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(f"too large ({size} bytes > {max_bytes})")
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"unreadable ({exc.strerror or exc})") from exc
    if b"\x00" in raw[:8192]:
        raise ValueError("binary file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def iter_source_files(root: Path) -> Iterator[Path]:
    """`*.ex` and `*.exs` files under `root`, lib/apps/test first, skipping build, deps and hidden dirs."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: (e.name not in PREFERRED_DIRS,
                                                          PREFERRED_DIRS.index(e.name)
                                                          if e.name in PREFERRED_DIRS else 0, e.name))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from iter_source_files(Path(entry.path))
            elif entry.is_file() and entry.name.endswith((".ex", ".exs")):
                yield Path(entry.path)
        except OSError:
            continue


def _key(path: Path | str) -> Path:
    return Path(os.path.abspath(path))


# --- the index ---------------------------------------------------------------------------------


class ProjectIndex:
    """Modules of a workspace, kept current by `update`/`remove` as documents change.

    One thread writes (scan, update, remove) while others read: writes parse outside the lock
    and swap in immutable `ModuleInfo` values under it, so readers never see a half-built file.

    Args:
        root: the workspace folder, or None for a server without a workspace (only open
            documents are then indexed).
    """

    def __init__(self, root: Path | None) -> None:
        self.root = Path(root) if root is not None else None
        self._lock = threading.Lock()
        self._files: dict[Path, tuple[int, list[ModuleInfo]]] = {}
        self._modules: dict[str, ModuleInfo] = {}
        self._scratch: dict[Path, tuple[int, list[ModuleInfo]]] = {}

    # --- writing -----------------------------------------------------------------------------

    def scan(self, max_files: int = 5000, max_bytes_per_file: int = DEFAULT_MAX_BYTES_PER_FILE) -> ScanReport:
        """Index every Elixir file under the root; files that cannot be read are reported, not fatal.

        Args:
            max_files: stop after this many files (the report says `truncated`).
            max_bytes_per_file: larger files are skipped.
        """
        report = ScanReport()
        started = time.perf_counter()
        if self.root is None or not self.root.is_dir():
            return report
        for path in iter_source_files(self.root):
            if report.files_indexed >= max_files:
                report.truncated = True
                break
            try:
                text = read_source(path, max_bytes_per_file)
            except ValueError as exc:
                report.skipped.append((path, str(exc)))
                continue
            self.update(path, text)
            report.files_indexed += 1
        with self._lock:
            report.modules = len(self._modules)
        report.seconds = time.perf_counter() - started
        return report

    def update(self, path: Path | str, text: str) -> list[ModuleInfo]:
        """Reparse one file (an opened or changed document) and replace what it defined.

        While a file has syntax errors, functions it defined at its previous parse that the
        broken text no longer shows stay known: completion keeps working while a user types.

        Args:
            path: the file's path (need not exist on disk).
            text: its current contents.
        """
        key = _key(path)
        data_hash = hash(text)
        with self._lock:
            old = self._files.get(key)
        if old is not None and old[0] == data_hash:
            return list(old[1])
        modules, broken = _parse(text, key, thread_parser())
        with self._lock:
            old = self._files.get(key)
            if old is not None and broken:
                modules = _keep_previous(modules, old[1])
            self._drop(key)
            self._files[key] = (data_hash, modules)
            for mod in modules:
                self._modules[mod.name] = mod
        return modules

    def refresh(self, path: Path | str) -> list[ModuleInfo]:
        """Re-read one file from disk (a watched-file event); unreadable or gone means removed."""
        try:
            text = read_source(Path(path))
        except ValueError:
            self.remove(path)
            return []
        return self.update(path, text)

    def remove(self, path: Path | str) -> None:
        """Forget a file (deleted, or a document closed that lies outside the workspace)."""
        with self._lock:
            self._drop(_key(path))

    def _drop(self, key: Path) -> None:
        old = self._files.pop(key, None)
        if old is None:
            return
        for mod in old[1]:
            if self._modules.get(mod.name) is mod:
                del self._modules[mod.name]
                # Another file may define the same module (a test redefining a stub).
                for _, mods in self._files.values():
                    for other in mods:
                        if other.name == mod.name:
                            self._modules[mod.name] = other

    # --- reading -----------------------------------------------------------------------------

    def module(self, name: str) -> ModuleInfo | None:
        """The module called `name` (`Shop.Cart`), if indexed."""
        with self._lock:
            return self._modules.get(name)

    def modules(self) -> list[ModuleInfo]:
        """All indexed modules, sorted by name."""
        with self._lock:
            mods = list(self._modules.values())
        return sorted(mods, key=lambda m: m.name)

    def module_names(self, prefix: str = "") -> list[str]:
        """Names of indexed modules starting with `prefix`, sorted."""
        with self._lock:
            names = [n for n in self._modules if n.startswith(prefix)]
        return sorted(names)

    def files(self) -> list[Path]:
        """The indexed files."""
        with self._lock:
            return sorted(self._files)

    def modules_in(self, path: Path | str) -> list[ModuleInfo]:
        """Modules an indexed file defines (empty when the file is not indexed)."""
        with self._lock:
            entry = self._files.get(_key(path))
        return list(entry[1]) if entry else []

    def document_modules(self, path: Path | str, text: str) -> list[ModuleInfo]:
        """Modules of a document's current text: the indexed entry when it matches, else a fresh parse."""
        with self._lock:
            entry = self._files.get(_key(path))
        digest = hash(text)
        if entry is not None and entry[0] == digest:
            return list(entry[1])
        key = _key(path)
        with self._lock:
            cached = self._scratch.get(key)
        if cached is not None and cached[0] == digest:
            return list(cached[1])
        modules = extract_modules(text, key, thread_parser())
        with self._lock:
            # Completion asks for the same text several times (prompt context, symbols):
            # keep the last parse of a few documents.
            self._scratch.pop(key, None)
            self._scratch[key] = (digest, modules)
            while len(self._scratch) > 8:
                del self._scratch[next(iter(self._scratch))]
        return list(modules)


def module_at(modules: Iterable[ModuleInfo], line: int) -> ModuleInfo | None:
    """The innermost module whose lines (1-based, inclusive) contain `line`."""
    best: ModuleInfo | None = None
    for mod in modules:
        if mod.line <= line <= mod.end_line and (best is None or mod.line >= best.line):
            best = mod
    return best


def visible_aliases(modules: Iterable[ModuleInfo], mod: ModuleInfo) -> dict[str, str]:
    """Aliases usable inside `mod`: its own over those of the modules enclosing it."""
    by_name = {m.name: m for m in modules}
    chain = []
    current: ModuleInfo | None = mod
    while current is not None:
        chain.append(current)
        current = by_name.get(current.parent) if current.parent else None
    merged: dict[str, str] = {}
    for scope in reversed(chain):
        merged.update(scope.aliases)
    return merged


def _keep_previous(new: list[ModuleInfo], old: list[ModuleInfo]) -> list[ModuleInfo]:
    previous = {m.name: m for m in old}
    kept = []
    for mod in new:
        before = previous.get(mod.name)
        if before is None:
            kept.append(mod)
            continue
        have = {(f.name, f.arity) for f in mod.functions}
        extra = tuple(f for f in before.functions if (f.name, f.arity) not in have)
        kept.append(ModuleInfo(**{**mod.__dict__, "functions": mod.functions + extra}))
    return kept
