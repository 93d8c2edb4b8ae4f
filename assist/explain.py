"""Explanations of Credo issues and Sobelow findings: What, Why, How to fix, and a fix example from the user's code.

`explain(target, text, ...)` is pure: it reads the check's page (`retrieval.load_page`), ranks
related checks with BM25 (`retrieval.default_index`), and builds a fix example in this order:

1. the check's quick fix (`fixes.py`) applied to the user's document;
2. else a hand-made minimal rewrite rule below (`REWRITES`) for common checks without a quick fix;
3. else the page's generic After example, labelled as generic.

Every example is checked before it is called fixed: it must parse (tree-sitter) and re-running
that one check must report fewer findings than before (for the user's document) or none (for the
page's example). Sobelow findings also get their weakness (CWE row of `docs/checks/cwe.md`), the
attack, and the data flow that decided the confidence: which parameter or variable reaches the
sink, and whether the file is a controller.

`write_with_model` lets a capable model (a remote server, or a local model of at least
`CAPABLE_MIN_PARAMETERS`) write the prose from the same context; its answer replaces the
structured text only when it has every section and its example passes the same check. The
shipped default model (5.8M parameters) is far below the bar, so with it the structured text is
what users see.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from elixir_coder.analysis.ast import call_args, def_head, local_call_name
from elixir_coder.analysis.brackets import closing_bracket
from elixir_coder.analysis.check_pages import page_name
from elixir_coder.analysis.credo_config import CredoConfig, CredoConfigError, load_credo_config
from elixir_coder.analysis.issues import Finding, Issue
from elixir_coder.analysis.runner import AnalysisOptions, AnalysisResult, run_credo
from elixir_coder.analysis.source import SourceFile
from elixir_coder.model.engine import Completion, GenerationRequest

from .fixes import FINDING_TITLES, TITLES, Edit, apply_edits, fixes_for, fixes_for_finding, line_offset
from .retrieval import CheckPage, Hit, cwe_table, default_index, load_page

log = logging.getLogger(__name__)

Target = Issue | Finding

# A local model below this size cannot write a trustworthy explanation (the shipped one has 5.8M).
CAPABLE_MIN_PARAMETERS = 1_000_000_000
_RELATED = 3
_MAX_SNIPPET_LINES = 14


# --------------------------------------------------------------------- data


@dataclass(frozen=True)
class FixExample:
    """A before/after pair shown under "Example".

    Args:
        before / after: the code (the user's lines around the finding, or the page's example).
        origin: `quick fix` (fixes.py), `rewrite` (a rule here), `generic` (the page), or `model`.
        verified: it parses and the check no longer reports it.
        note: how it was made or why it could not be checked.
        language: fence language (`elixir`, `eex`).
        first_line: 1-based line of `before` in the user's document (0 for a generic example).
    """

    before: str
    after: str
    origin: str
    verified: bool
    note: str = ""
    language: str = "elixir"
    first_line: int = 0


@dataclass(frozen=True)
class Security:
    """The Sobelow-only parts: weakness, attack and data flow."""

    cwe: str
    cwe_summary: str
    attack: str
    data_flow: str
    confidence: str


@dataclass(frozen=True)
class Related:
    """A related check (or CWE row) found by retrieval, with the reason it is listed."""

    id: str
    title: str
    summary: str
    score: float


@dataclass(frozen=True)
class Explanation:
    """Everything shown for one finding; `to_markdown()` renders it."""

    source: str
    check: str
    message: str
    line: int
    what: str
    why: str
    how: str
    example: FixExample | None
    security: Security | None = None
    related: tuple[Related, ...] = ()
    also_here: tuple[str, ...] = ()
    written_by: str | None = None
    model_note: str = ""
    page_found: bool = True

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(heading, markdown body) in display order."""
        out = [("What", self.what), ("Why", self.why), ("How to fix", self.how),
               ("Example", _example_markdown(self.example))]
        if self.security is not None:
            sec = self.security
            links = ", ".join(f"[CWE-{n}](https://cwe.mitre.org/data/definitions/{n}.html)"
                              for n in re.findall(r"CWE-(\d+)", sec.cwe))
            out.append(("Weakness", f"**{sec.cwe}**" + (f" ({links})" if links else "")))
            out.append(("The attack", sec.attack))
            out.append(("Data flow", sec.data_flow))
        if self.related or self.also_here:
            lines = [f"- reported on the same line: {name}" for name in self.also_here]
            lines += [f"- `{r.title}`: {r.summary}" if r.summary else f"- `{r.title}`" for r in self.related]
            out.append(("Related", "\n".join(lines)))
        return out

    def to_markdown(self) -> str:
        """The explanation as markdown (hover, the Explain command, `elixir-coder explain`)."""
        head = f"### {self.check} ({self.source})"
        where = f" (line {self.line})" if self.line > 0 else ""
        parts = [head, f"{self.message}{where}"]
        parts += [f"#### {heading}\n\n{body}" for heading, body in self.sections]
        if self.written_by:
            parts.append(f"_Prose written by {self.written_by} from the check's documentation; example checked._")
        elif self.model_note:
            parts.append(f"_{self.model_note}_")
        return "\n\n".join(parts)


def _example_markdown(ex: FixExample | None) -> str:
    if ex is None:
        return "No example: this finding is about the project's configuration or dependencies, not a line of code."
    if ex.origin == "generic":
        intro = "A generic example from the check's documentation (no rewrite of your code is known for this check):"
    elif ex.origin == "model":
        intro = f"Your code from line {ex.first_line}, rewritten by the model:"
    else:
        intro = f"Your code from line {ex.first_line}, {ex.note}:"
    status = ("_Checked: it parses and the check no longer reports it._" if ex.verified
              else f"_Not checked: {ex.note}_" if ex.origin == "generic" and ex.note else "_Not checked._")
    if ex.origin != "generic" and not ex.verified:
        status = "_The rewrite did not pass the check; treat it as a hint._"
    return (f"{intro}\n\n```{ex.language}\n{ex.before.rstrip()}\n```\n\nbecomes\n\n"
            f"```{ex.language}\n{ex.after.rstrip()}\n```\n\n{status}")


# --------------------------------------------------------------------- targets


def target_source(target: Target) -> str:
    """`credo` or `sobelow`."""
    return "credo" if isinstance(target, Issue) else "sobelow"


def target_name(target: Target) -> str:
    """The check's short name (`Readability.LargeNumbers`, `XSS.Raw`)."""
    return target.short_name if isinstance(target, Issue) else target.type_name


def target_line(target: Target) -> int:
    """1-based line of the finding (0 for whole-project Sobelow findings)."""
    return (target.line_no or 0) if isinstance(target, Issue) else target.line


def target_file(target: Target) -> str:
    """The file the finding is in, as the analyzer named it."""
    return target.filename if isinstance(target, Issue) else target.file


def find_targets(result: AnalysisResult, filename: str, line: int, check: str | None = None) -> list[Target]:
    """Issues and findings of `filename` on a 1-based line (whole-project findings count as line 1), optionally of
    one check (short or full name)."""
    name = Path(filename).as_posix()
    out: list[Target] = []
    candidates: list[Target] = [*result.issues, *result.findings]
    for t in candidates:
        if Path(target_file(t)).as_posix() != name or max(1, target_line(t)) != line:
            continue
        if check and check not in (target_name(t), getattr(t, "check", None), getattr(t, "type", None)):
            continue
        out.append(t)
    return out


# --------------------------------------------------------------------- re-running one check


def count_reports(text: str, target: Target, filename: str, root: Path | None = None) -> int | None:
    """How many findings of the target's check the analyzer reports in `text` (None when it cannot run here)."""
    src = SourceFile(filename, text)
    if src.root is None:
        return None
    if isinstance(target, Issue):
        try:
            config = load_credo_config(root) if root is not None else CredoConfig()
        except CredoConfigError:
            config = CredoConfig()
        options = AnalysisOptions(strict=True, only=(target.check,), enable=(target.check,), sobelow=False)
        return sum(1 for i in run_credo([src], config, options, root) if i.check == target.check)
    if target.line <= 0:
        return None  # configuration and dependency findings are not about this text
    from elixir_coder.analysis.sobelow.base import FINDING_TYPES
    from elixir_coder.analysis.sobelow.runner import run_sobelow

    others = {t.module for t in FINDING_TYPES if target.type_name not in (t.name, t.module)} | {"Config", "Vuln"}
    found = run_sobelow(root or Path(filename).parent, [src], ignore=others, skip=False)
    return sum(1 for f in found if f.type_name == target.type_name)


def check_rewrite(before: str, after: str, target: Target, filename: str, root: Path | None = None) -> tuple[bool, str]:
    """Whether `after` parses and reports fewer findings of the check than `before`, with the reason when not."""
    new = SourceFile(filename, after)
    old = SourceFile(filename, before)
    if new.root is None or (new.syntax_problems() and not old.syntax_problems()):
        return False, "the rewrite does not parse"
    n_before, n_after = count_reports(before, target, filename, root), count_reports(after, target, filename, root)
    if n_before is None or n_after is None:
        return False, "the check cannot be re-run on this code"
    if n_after >= n_before:
        return False, f"{target_name(target)} still reports it"
    return True, ""


def check_standalone(code: str, target: Target, filename: str) -> tuple[bool, str]:
    """Whether a standalone example parses and the check reports nothing in it."""
    src = SourceFile(filename, code)
    if src.root is None or src.syntax_problems():
        return False, "the example does not parse"
    n = count_reports(code, target, filename, None)
    if n is None:
        return False, "the check cannot be re-run on this example"
    return (n == 0, "" if n == 0 else f"{target_name(target)} reports the example")


# --------------------------------------------------------------------- hand-made rewrites

Rewrite = Callable[[str, Target], list[Edit] | None]
REWRITES: dict[str, tuple[str, Rewrite]] = {}


def rewrite(name: str, description: str) -> Callable[[Rewrite], Rewrite]:
    """Register a minimal rewrite for a check without a quick fix (short name, e.g. `SQL.Query`)."""

    def wrap(fn: Rewrite) -> Rewrite:
        REWRITES[name] = (description, fn)
        return fn

    return wrap


def _line_span(text: str, line_no: int) -> tuple[int, str]:
    start = line_offset(text, line_no)
    end = text.find("\n", start)
    return start, text[start : end if end >= 0 else len(text)]


def snake_case(name: str) -> str:
    """`doThing` -> `do_thing`, `HTTPServer` -> `http_server` (a trailing `?` or `!` kept)."""
    suffix = name[-1] if name[-1:] in "?!" else ""
    core = name[: len(name) - len(suffix)]
    core = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", core)
    core = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", core)
    return core.lower() + suffix


def _rename(text: str, old: str, new: str, start: int = 0, end: int | None = None) -> list[Edit]:
    """Edits renaming the whole word `old` within text[start:end] (an identifier, so no `?`/`!` continuation)."""
    end = len(text) if end is None else end
    pattern = re.compile(rf"(?<![\w@]){re.escape(old)}(?![\w?!])")
    return [Edit(start + m.start(), start + m.end(), new) for m in pattern.finditer(text[start:end])]


@rewrite("Readability.ParenthesesInCondition", "with the parentheses around the condition removed")
def _rw_parens_in_condition(text: str, target: Target) -> list[Edit] | None:
    start, line = _line_span(text, target_line(target))
    m = re.search(r"\b(if|unless)(\s*)\(", line)
    if m is None:
        return None
    open_at = m.end() - 1
    close = closing_bracket(line, open_at)
    if close < 0 or not re.match(r"\s*(do\b|,)", line[close + 1 :]):
        return None
    opener = "" if m.group(2) else " "
    return [Edit(start + open_at, start + open_at + 1, opener), Edit(start + close, start + close + 1, "")]


@rewrite("Readability.PredicateFunctionNames", "with the function renamed to end in `?` without `is_`")
def _rw_predicate_name(text: str, target: Target) -> list[Edit] | None:
    name = getattr(target, "trigger", None) or ""
    if not name.startswith("is_"):
        return None
    new = name[3:].rstrip("?") + "?"
    return _rename(text, name, new) or None


@rewrite("Readability.FunctionNames", "with the function renamed in snake_case")
def _rw_function_name(text: str, target: Target) -> list[Edit] | None:
    name = getattr(target, "trigger", None) or ""
    new = snake_case(name) if name else ""
    return _rename(text, name, new) if new and new != name else None


@rewrite("Readability.VariableNames", "with the variable renamed in snake_case inside its function")
def _rw_variable_name(text: str, target: Target) -> list[Edit] | None:
    name = getattr(target, "trigger", None) or ""
    new = snake_case(name) if name else ""
    if not new or new == name:
        return None
    src = SourceFile("rw.ex", text)
    fn = enclosing_def(src, target_line(target))
    if fn is None or not text.isascii():
        return _rename(text, name, new) or None
    return _rename(text, name, new, fn.start_byte, fn.end_byte) or None


@rewrite("Readability.ModuleAttributeNames", "with the attribute renamed in snake_case")
def _rw_attribute_name(text: str, target: Target) -> list[Edit] | None:
    name = (getattr(target, "trigger", None) or "").lstrip("@")
    new = snake_case(name) if name else ""
    if not new or new == name:
        return None
    pattern = re.compile(rf"@{re.escape(name)}(?![\w?!])")
    return [Edit(m.start() + 1, m.end(), new) for m in pattern.finditer(text)] or None


@rewrite("Readability.ModuleDoc", "with a `@moduledoc` added")
def _rw_module_doc(text: str, target: Target) -> list[Edit] | None:
    start, line = _line_span(text, target_line(target))
    m = re.match(r"(\s*)defmodule\s+([A-Z][\w.]*)\s+do\s*$", line)
    if m is None:
        return None
    indent = m.group(1) + "  "
    end = start + len(line)
    return [Edit(end, end, f'\n{indent}@moduledoc """\n{indent}What {m.group(2)} is for, in a sentence or two.\n'
                           f'{indent}"""\n')]


@rewrite("SQL.Query", "with the interpolated values passed as query parameters")
def _rw_sql_query(text: str, target: Target) -> list[Edit] | None:
    start, line = _line_span(text, target_line(target))
    m = re.search(r"\bquery!?\(", line)
    if m is None:
        return None
    open_at = m.end() - 1
    close = closing_bracket(line, open_at)
    inner = line[open_at + 1 : close] if close > 0 else ""
    head, sep, sql = inner.rpartition(", ") if not inner.startswith('"') else ("", "", inner)
    if not (sql.startswith('"') and sql.endswith('"')) or "#{" not in sql:
        return None
    values: list[str] = []

    def placeholder(mv: re.Match[str]) -> str:
        values.append(mv.group(2))
        return f"${len(values)}"

    literal = re.sub(r"('?)#\{([^{}]+)\}\1", placeholder, sql)
    if "#{" in literal:
        return None
    new_inner = f"{head}{sep}{literal}, [{', '.join(values)}]"
    return [Edit(start + open_at + 1, start + close, new_inner)]


@rewrite("XSS.Raw", "with `raw` removed so the value is escaped")
def _rw_xss_raw(text: str, target: Target) -> list[Edit] | None:
    start, line = _line_span(text, target_line(target))
    m = re.search(r"(?:\b(?:Phoenix\.)?HTML\.)?\braw\(", line)
    if m is None:
        return None
    close = closing_bracket(line, m.end() - 1)
    if close < 0:
        return None
    return [Edit(start + m.start(), start + close + 1, line[m.end() : close].strip())]


@rewrite("Misc.BinToTerm", "decoding with `Plug.Crypto.non_executable_binary_to_term/2`")
def _rw_bin_to_term(text: str, target: Target) -> list[Edit] | None:
    start, line = _line_span(text, target_line(target))
    m = re.search(r":erlang\.binary_to_term\(", line)
    if m is None:
        return None
    close = closing_bracket(line, m.end() - 1)
    arg = line[m.end() : close] if close > 0 else ""
    if not arg or "," in arg:
        return None
    return [Edit(start + m.start(), start + close + 1, f"Plug.Crypto.non_executable_binary_to_term({arg}, [:safe])")]


@rewrite("DOS.BinToAtom", "with `binary_to_existing_atom`")
def _rw_bin_to_atom(text: str, target: Target) -> list[Edit] | None:
    start, line = _line_span(text, target_line(target))
    m = re.search(r":erlang\.binary_to_atom\b", line)
    return [Edit(start + m.start(), start + m.end(), ":erlang.binary_to_existing_atom")] if m else None


# --------------------------------------------------------------------- the fix example


def _edits_for(text: str, target: Target) -> tuple[list[Edit] | None, str, str]:
    """(edits, origin, description) from the quick fix, else a rewrite rule."""
    if isinstance(target, Issue):
        edits, title = fixes_for(text, target), TITLES.get(target.check, "")
    else:
        edits, title = fixes_for_finding(text, target), FINDING_TITLES.get(target.type_name, "")
    if edits:
        return edits, "quick fix", f'after the quick fix "{title}"'
    entry = REWRITES.get(target_name(target))
    if entry is not None:
        try:
            edits = entry[1](text, target)
        except (ValueError, IndexError, AttributeError, TypeError):
            edits = None
        if edits:
            return edits, "rewrite", entry[0]
    return None, "", ""


def _snippet(text: str, edits: list[Edit], line_no: int) -> tuple[str, str, int]:
    """(before lines, after lines, first line) around the edits that touch the finding's line (all when none)."""
    lines_of = [(text.count("\n", 0, e.start) + 1, text.count("\n", 0, e.end) + 1, e) for e in edits]
    near = [e for first, last, e in lines_of if first <= line_no <= last] or edits
    first = min(text.count("\n", 0, e.start) for e in near) + 1
    last = max(text.count("\n", 0, e.end) for e in near) + 1
    if first == last and all(e.start == e.end == len(text) for e in near):
        first = last = max(1, text.rstrip("\n").count("\n") + 1)
    first_line, last_line = max(1, first), last
    start = line_offset(text, first_line)
    end = text.find("\n", line_offset(text, last_line))
    end = len(text) if end < 0 else end
    new_text = apply_edits(text, near)
    delta = sum(len(e.new_text) - (e.end - e.start) for e in near)
    before = text[start:end]
    after = new_text[start : end + delta]
    if before.count("\n") > _MAX_SNIPPET_LINES:
        before = "\n".join(before.split("\n")[:_MAX_SNIPPET_LINES] + ["  # ..."])
    if after.count("\n") > _MAX_SNIPPET_LINES:
        after = "\n".join(after.split("\n")[:_MAX_SNIPPET_LINES] + ["  # ..."])
    return _visible(before, after)[0], _visible(before, after)[1], first_line


def _visible(before: str, after: str) -> tuple[str, str]:
    """Mark trailing white-space so a white-space-only change shows in the example."""
    if before.rstrip("\n") == after.rstrip("\n") or before.strip() == after.strip():
        mark = lambda s: "\n".join(ln.rstrip(" \t") + "·" * (len(ln) - len(ln.rstrip(" \t"))) for ln in s.split("\n"))  # noqa: E731
        return mark(before) + ("" if before.endswith("\n") else "⏎" if after.endswith("\n") else ""), mark(after)
    return before, after


def fix_example(target: Target, text: str, filename: str | None = None, root: Path | None = None,
                page: CheckPage | None = None) -> FixExample | None:
    """The best example for this finding: the user's code rewritten and checked, else the page's generic one."""
    filename = filename or target_file(target) or "lib/example.ex"
    line_no = target_line(target)
    if line_no > 0 and text:
        edits, origin, note = _edits_for(text, target)
        if edits:
            new_text = apply_edits(text, edits)
            ok, reason = check_rewrite(text, new_text, target, filename, root)
            before, after, first = _snippet(text, edits, line_no)
            if ok:
                return FixExample(before, after, origin, True, note, first_line=first)
            log.info("rewrite for %s rejected: %s", target_name(target), reason)
    if page is None or page.before is None or page.after is None:
        return None
    if isinstance(target, Finding) and target.type_name.startswith(("Config.", "Vuln.")):
        ok, reason = False, "a project-level check: it reads the project's configuration and `mix.lock`, not this example"
    elif page.after.language == "elixir":
        ok, reason = check_standalone(page.after.code, target, _example_filename(target, page))
    else:
        ok, reason = False, f"a `{page.after.language}` template is not Elixir code the analyzer can re-run"
    return FixExample(page.before.code, page.after.code, "generic", ok, reason, page.after.language)


def _example_filename(target: Target, page: CheckPage) -> str:
    # Sobelow only checks `.ex` files, and controller examples need a controller-like name.
    if isinstance(target, Finding):
        return "lib/app_web/controllers/example_controller.ex"
    return "test/example_test.exs" if page.name == "Warning.WrongTestFilename" else "lib/example.ex"


# --------------------------------------------------------------------- Sobelow data flow


def enclosing_def(src: SourceFile, line_no: int) -> Any:
    """The innermost `def`/`defp` whose span holds a 1-based line, None when outside every function."""
    best = None
    for call in src.calls:
        if local_call_name(src, call) not in ("def", "defp") or not call_args(call):
            continue
        if call.start_point[0] + 1 <= line_no <= call.end_point[0] + 1:
            if best is None or call.start_byte >= best.start_byte:
                best = call
    return best


def _assignment(src: SourceFile, fn: Any, name: str, before_line: int) -> tuple[int, str] | None:
    """(line, text) of the last `name = ...` in a function before a line."""
    found = None
    for node in src.walk(fn):
        if node.type != "binary_operator" or node.start_point[0] + 1 > before_line:
            continue
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        if op is None or src.node_text(op) != "=" or left is None:
            continue
        if any(n.type == "identifier" and src.node_text(n) == name for n in src.walk(left)):
            found = (node.start_point[0] + 1, " ".join(src.node_text(node).split())[:120])
    return found


def data_flow(finding: Finding, text: str, filename: str | None = None) -> str:
    """Which value reaches the sink, where it comes from, and why that gives this confidence."""
    conf = finding.confidence
    if finding.line <= 0 or not text:
        return (f"A whole-project finding (configuration, router or `mix.lock`): no value flows into a call, and "
                f"Sobelow reports this type with **{conf}** confidence.")
    if finding.type_name == "Misc.BinToTerm":
        return ("Any bytes given to `binary_to_term` can hold atoms and functions, wherever they come from, so "
                "Sobelow reports every call with **high** confidence.")
    from elixir_coder.analysis.sobelow.base import file_meta
    from elixir_coder.analysis.sobelow.calls import def_params

    src = SourceFile(filename or finding.file, text)
    sink = src.line(finding.line).strip() if 0 < finding.line <= len(src.lines) else ""
    out = [f"Sink on line {finding.line}: `{sink[:160]}`."]
    template = finding.details.get("template")
    variable = str(finding.details.get("variable") or "")
    if template:
        out.append(f"`{variable}` is passed to `raw` in the template `{template}`; the controller's `render` gives it "
                   "the value shown below.")
    fn = enclosing_def(src, finding.line)
    params: set[str] = def_params(src, fn) if fn is not None else set()
    head = def_head(src, fn) if fn is not None else None
    fname = f"{head[0]}/{len(head[1])}" if head else "the function"
    for name in [n for n in variable.split(" and ") if n]:
        if name == "conn.params":
            out.append("`conn.params`: the request's parameters, straight from the client.")
        elif name in params:
            out.append(f"`{name}` is a parameter of `{fname}` (line {fn.start_point[0] + 1}).")
        elif name.startswith("&"):
            out.append(f"`{name}` is the argument of an anonymous function capture: whatever the caller passes.")
        elif name.startswith("Elixir."):
            out.append(f"The value is the result of a call to `{name.removeprefix('Elixir.')}`.")
        elif name.startswith("@"):
            out.append(f"`{name}` is an assign of the template.")
        else:
            bound = _assignment(src, fn, name, finding.line) if fn is not None else None
            if bound is not None:
                derived = [p for p in sorted(params) if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", bound[1].split("=", 1)[-1])]
                origin = f", from parameter{'s' if len(derived) > 1 else ''} " + ", ".join(f"`{p}`" for p in derived) \
                    if derived else ""
                out.append(f"`{name}` is bound on line {bound[0]}: `{bound[1]}`{origin}.")
            else:
                out.append(f"`{name}` is computed inside `{fname}` (a local call's result or a variable bound there).")
    meta = file_meta(src)
    if not meta.is_controller:
        out.append(f"**{conf.capitalize()}** confidence: `{finding.file}` is not a Phoenix controller (no "
                   "`use ..., :controller`), so Sobelow cannot tell whether the value comes from a request.")
    elif conf == "high":
        out.append("**High** confidence: in a controller, a value taken directly from an action's parameter or from "
                   "`conn.params` is request input.")
    else:
        out.append(f"**{conf.capitalize()}** confidence: the file is a controller, but the value is not an action "
                   "parameter or `conn.params`; Sobelow does not follow local variables, so it cannot prove the value "
                   "comes from the request.")
    return "\n".join(f"- {line}" for line in out)


# --------------------------------------------------------------------- assembling


def _why_for_page_less(target: Target) -> str:
    category = getattr(target, "category", "")
    return {
        "readability": "Code that reads the same way everywhere is quicker to review and change.",
        "refactor": "The construct makes the code harder to follow or to change than it needs to be.",
        "warning": "The code probably does not do what it seems to, or leaves debugging or unsafe code behind.",
        "design": "The structure of the code makes later changes harder.",
        "consistency": "The project mixes two styles; one should be picked and kept.",
    }.get(category, "See the check's documentation.")


def _page_name(type_name: str) -> str:
    """The page of a Sobelow type reported under its module name (`Vuln.CookieRCE` is documented as `Vuln.Plug`)."""
    return page_name("sobelow", type_name)


def _strip_confidence(what: str) -> str:
    return re.sub(r"\n*\*\*Confidence:\*\*.*", "", what, flags=re.S).strip()


def related_checks(target: Target, page: CheckPage | None, message: str, k: int = _RELATED) -> list[Related]:
    """Checks (and CWE rows) whose documentation ranks highest for this finding, the check itself excluded."""
    source, name = target_source(target), target_name(target)
    query = " ".join([name, message, page.section("What") if page else "", page.weakness if page else ""])
    hits: list[Hit] = default_index().search(query, k=k, exclude={f"{source}/{name}"})
    out = []
    for hit in hits:
        doc_source, _, doc_name = hit.doc.id.partition("/")
        summary = ""
        if doc_source == "cwe":
            entry = cwe_table().get(doc_name)
            summary = entry.name if entry else ""
        else:
            other = load_page(doc_source, doc_name)
            summary = _first_sentence(other.section("What")) if other else ""
        out.append(Related(hit.doc.id, hit.doc.title if doc_source != "cwe" else doc_name, summary, hit.score))
    return out


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s+[A-Z`(]|$)", flat)
    return (m.group(1) if m else flat)[:200]


def explain(target: Target, text: str, result: AnalysisResult | None = None, *, filename: str | None = None,
            root: Path | None = None) -> Explanation:
    """The structured explanation of one Credo issue or Sobelow finding in a document.

    Args:
        target: the issue or finding (from an analysis of `text`).
        text: the document's text; the fix example is rewritten from it ('' gives the generic example).
        result: the analysis `target` came from; other findings on the same line are listed with it.
        filename: the name the analyzer used (default: the target's); decides test files and controllers.
        root: the project root, for `.credo.exs` parameters when the check is re-run.
    """
    source, name, line = target_source(target), target_name(target), target_line(target)
    filename = filename or target_file(target)
    page = load_page(source, name) or load_page(source, _page_name(name))
    message = target.message if isinstance(target, Issue) else target.type
    if isinstance(target, Finding):
        message += f" ({target.confidence} confidence)"
    summary = ""
    if isinstance(target, Issue):
        from elixir_coder.analysis.checks import find_check

        cls = find_check(target.check)
        summary = cls.summary if cls is not None else ""
    what = _strip_confidence(page.section("What")) if page else (summary or message)
    how = page.section("How") if page else ""
    fixer_title = TITLES.get(target.check) if isinstance(target, Issue) else FINDING_TITLES.get(target.type_name)
    if fixer_title:
        how += f"\n\nThe code action **{fixer_title}** does it for you."
    if not how.strip():
        how = "Rewrite the code so the check no longer applies; see the check's documentation."
    security = None
    if isinstance(target, Finding):
        cwe = page.weakness if page else ""
        entry = cwe_table().get(page.cwe_ids[0]) if page and page.cwe_ids else None
        cwe_summary = entry.summary if entry else ""
        why = f"It is a case of {cwe}." if cwe else "It is a security weakness."
        if entry:
            why += f" {entry.summary}"
            how += f"\n\nIn general ({entry.cwe}): {entry.defence}"
        security = Security(cwe or "unknown weakness", cwe_summary, page.section("The attack") if page else "",
                            data_flow(target, text, filename), target.confidence)
    else:
        why = page.section("Why") if page else _why_for_page_less(target)
    also = []
    if result is not None:
        for other in find_targets(result, filename, max(1, line)):
            if other is not target and target_name(other) != name:
                also.append(f"`{target_name(other)}` ({target_source(other)})")
    return Explanation(
        source=source, check=name, message=message, line=line, what=what, why=why.strip(), how=how.strip(),
        example=fix_example(target, text, filename, root, page), security=security,
        related=tuple(related_checks(target, page, message)), also_here=tuple(also), page_found=page is not None,
    )


# --------------------------------------------------------------------- model-written prose


class Generator(Protocol):
    """What prose writing needs of an engine: `model.engine.Engine`, `model.remote.RemoteEngine`, or any alike."""

    def generate(self, req: GenerationRequest) -> list[Completion]: ...  # noqa: D102


def is_capable(parameters: int | None, remote: bool) -> bool:
    """Whether a configured model may write explanations: any remote server, or a local model of at least
    `CAPABLE_MIN_PARAMETERS` parameters (the shipped 5.8M-parameter model is not)."""
    return remote or (parameters or 0) >= CAPABLE_MIN_PARAMETERS


def prose_prompt(exp: Explanation, code: str) -> str:
    """The instruction for a model: the retrieved documentation, the user's lines, and the answer format."""
    context = [f"Check: {exp.check} ({exp.source})", f"Finding: {exp.message}",
               f"Documentation - what: {exp.what}", f"Documentation - why: {exp.why}",
               f"Documentation - how to fix: {exp.how}"]
    if exp.security is not None:
        context += [f"Weakness: {exp.security.cwe}", f"Attack: {exp.security.attack}",
                    f"Data flow: {exp.security.data_flow}"]
    context += [f"Related check: {r.title}: {r.summary}" for r in exp.related]
    return (
        "You explain a static-analysis finding in Elixir code to the developer who wrote it.\n"
        + "\n".join(context)
        + f"\n\nThe developer's code:\n```elixir\n{code.rstrip()}\n```\n\n"
        "Answer with exactly these sections, each a short paragraph about this code, then the code rewritten so "
        "the finding is gone:\n## What\n## Why\n## How to fix\n## Example\n```elixir\n...\n```\n\n## What\n"
    )


def parse_prose(answer: str) -> dict[str, str] | None:
    """The sections of a model answer (`what`, `why`, `how`, `code`), None when one is missing or empty."""
    text = "## What\n" + answer if not answer.lstrip().startswith("## What") else answer
    parts: dict[str, str] = {}
    for m in re.finditer(r"^## *(What|Why|How to fix|Example)\s*\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        parts[m.group(1)] = m.group(2).strip()
    code = re.search(r"```(?:elixir)?\n(.*?)```", parts.get("Example", ""), re.S)
    out = {"what": parts.get("What", ""), "why": parts.get("Why", ""), "how": parts.get("How to fix", ""),
           "code": code.group(1) if code else ""}
    return out if all(v.strip() for v in out.values()) else None


def write_with_model(engine: Generator, exp: Explanation, target: Target, text: str, *, filename: str | None = None,
                     root: Path | None = None, model_name: str = "the configured model",
                     max_tokens: int = 512) -> Explanation:
    """Let a model write the prose from the retrieved context; keep its answer only if it passes the checks.

    The model's example replaces the user's lines the structured example covers (the finding's line when there is
    none); the result must parse and the check must report fewer findings than in `text`. Otherwise the structured
    explanation comes back, with `model_note` saying why the model's answer was not used.

    Args:
        engine: any object with `generate(GenerationRequest) -> list[Completion]`.
        exp: the structured explanation (`explain(...)`), whose text is the model's context.
        target / text: the finding and the document it is in.
        model_name: how the result names its author (a model version).
    """
    filename = filename or target_file(target)
    line_no = max(1, target_line(target))
    ex = exp.example
    if ex is not None and ex.origin != "generic" and ex.first_line > 0:
        first, count = ex.first_line, ex.before.count("\n") + 1
    else:
        first, count = line_no, 1
    lines = text.split("\n")
    code = "\n".join(lines[first - 1 : first - 1 + count])
    try:
        completions = engine.generate(GenerationRequest(prefix=prose_prompt(exp, code), max_tokens=max_tokens))
    except Exception as exc:  # noqa: BLE001 - a failing model leaves the structured text in place
        return replace(exp, model_note=f"The model could not be used ({type(exc).__name__}: {exc}); "
                                       "this is the structured explanation.")
    answer = completions[0].text if completions else ""
    parts = parse_prose(answer)
    if parts is None:
        return replace(exp, model_note="The model's answer lacked a section or an example; "
                                       "this is the structured explanation.")
    if target_line(target) <= 0:
        return replace(exp, model_note="Project-level finding: the model's example cannot be checked; "
                                       "this is the structured explanation.")
    new_code = parts["code"].rstrip("\n")
    new_text = "\n".join(lines[: first - 1] + new_code.split("\n") + lines[first - 1 + count :])
    ok, reason = check_rewrite(text, new_text, target, filename, root)
    if not ok:
        return replace(exp, model_note=f"The model's example was rejected ({reason}); "
                                       "this is the structured explanation.")
    example = FixExample(code, new_code, "model", True, "rewritten by the model", first_line=first)
    return replace(exp, what=parts["what"], why=parts["why"], how=parts["how"], example=example,
                   written_by=model_name, model_note="")


@dataclass
class ExplainRequest:
    """Arguments of the `elixirCoder.explain` command, validated."""

    uri: str
    line: int
    check: str | None = None

    @classmethod
    def parse(cls, arg: Any) -> ExplainRequest:
        """From the command's JSON object; ValueError with a clear message when malformed."""
        if not isinstance(arg, dict):
            raise ValueError("explain needs one object argument {uri: str, line: int, check: str?}")
        uri, line, check = arg.get("uri"), arg.get("line"), arg.get("check")
        if not isinstance(uri, str) or not isinstance(line, int) or isinstance(line, bool) or line < 0:
            raise ValueError("explain needs {uri: str, line: int >= 0 (0-based), check: str?}")
        if check is not None and not isinstance(check, str):
            raise ValueError("explain: check must be a string")
        return cls(uri, line, check)
