"""Generate, check, repair: function bodies from a spec, handed over only when they pass our own checks.

The flow (`generate_checked`): sample candidates for a `Site` (a function described by a
`@doc`/`@spec`/comment, or an empty `def ... do end`), rank them by log-probability, and check
each, cheapest check first:

1. syntax with tree-sitter, on the document with the candidate in place;
2. `Code.string_to_quoted` in real Elixir, when `elixir` is installed (one process per batch);
3. our analyzer's Credo and Sobelow findings on the lines the candidate occupies (findings
   elsewhere in the user's file are not the candidate's fault).

The first clean candidate wins. Otherwise a repair prompt (the request, the failed code, each
finding with a one-line explanation from its check page) goes in front of the function and
the model tries again, at most `max_repairs` times; if nothing is clean the outcome says what
remained. The model is anything with `generate(GenerationRequest) -> list[Completion]`
(a local `Engine` or a `RemoteEngine`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from elixir_coder.analysis.check_pages import check_page_path
from elixir_coder.analysis.runner import AnalysisOptions, analyze_sources
from elixir_coder.analysis.source import SourceFile
from elixir_coder.model.engine import Completion, GenerationRequest

from .sandbox import SandboxUnavailable, elixir_available, parse_with_elixir

DEFAULT_SAMPLES = 8
DEFAULT_MAX_REPAIRS = 3
DEFAULT_MAX_TOKENS = 160

_DEF = re.compile(r"^(?P<indent>\s*)(?P<kind>defp?)\s+(?P<name>[a-z_][a-zA-Z0-9_]*[?!]?)\s*(?P<rest>.*)$")
_MODULE = re.compile(r"^(?P<indent>\s*)defmodule\s+(?P<name>[A-Z][\w.]*)\s+do\b")
_SPEC = re.compile(r"^\s*@spec\s+(?P<name>[a-z_][a-zA-Z0-9_]*[?!]?)\s*\((?P<args>.*)\)\s*::")
_DOCISH = re.compile(r"^\s*(#|@(doc|spec|impl)\b)")


class Model(Protocol):
    """What generation needs of a backend (`Engine` or `RemoteEngine`)."""

    def generate(self, req: GenerationRequest) -> list[Completion]: ...  # noqa: D102


class SiteError(ValueError):
    """The position does not describe a function to generate."""


@dataclass(frozen=True)
class Site:
    """A function to generate, and where its code goes in the document.

    Args:
        text: the whole document.
        kind: `empty` (an empty `def ... do end`), `head` (a bodiless `def f(a)`), `spec`
            (a `@spec` with no function after it) or `comment` (only prose: the model writes
            the head too).
        name / arity / params: the function (name None for `comment` until generated).
        indent: the indentation of the `def` line.
        start / end: character offsets of the text a generated function replaces.
        module: the enclosing module's name (None outside a module).
        doc: the `@doc`, `@spec` and comment lines describing the function.
        header: `def name(params) do` (empty for `comment`).
    """

    text: str
    kind: str
    name: str | None
    arity: int
    params: tuple[str, ...]
    indent: str
    start: int
    end: int
    module: str | None
    doc: str
    header: str
    line: int = 0

    def prompt(self, extra: str = "") -> tuple[str, str]:
        """(prefix, suffix) for the model; `extra` comment lines go right above the function."""
        before = self.text[:self.start]
        if before and not before.endswith("\n"):
            before += "\n"
        # The prompt ends with the body's indentation: the tokenizer merges a newline with the
        # indentation after it, so a prompt ending in a bare newline looks like a file's end to
        # the model (the shipped model then mostly stops at once).
        head = self.header + "\n" + self.body_indent if self.header else self.indent + "def "
        suffix = "\n" + self.indent + "end\n" + self.text[self.end:].lstrip("\n") if self.header else self.text[self.end:]
        return before + extra + head, suffix

    def function_code(self, body: str) -> str:
        """The whole function for a generated body (for `comment` sites, body holds the head too)."""
        if not self.header:
            return self.indent + "def " + body.rstrip() + "\n"
        return f"{self.header}\n{body.rstrip()}\n{self.indent}end\n"

    def place(self, function_code: str) -> str:
        """The document with `function_code` in place of the site."""
        before, after = self.text[:self.start], self.text[self.end:]
        if before and not before.endswith("\n"):
            before += "\n"
        if after.startswith("\n"):
            after = after[1:]
        if self.kind in ("spec", "comment") and after.strip() and not after.startswith(("\n", self.indent + "end")):
            after = "\n" + after  # keep a blank line before the next definition
        return before + function_code + after

    def line_range(self, function_code: str) -> tuple[int, int]:
        """1-based first and last line the function occupies once placed."""
        first = self.text[:self.start].count("\n") + 1
        return first, first + function_code.rstrip("\n").count("\n")

    @property
    def body_indent(self) -> str:
        """Indentation of the body's first line (the text the prompt ends with)."""
        return self.indent + "  "

    @property
    def request(self) -> str:
        """The request in words: the doc text, else the header."""
        return self.doc.strip() or self.header.strip() or "the function"


def _params_of(header_rest: str) -> tuple[str, ...]:
    """Parameter names of `(a, b \\\\ 1, %{} = c) do` (best effort: unnamed patterns get argN)."""
    if not header_rest.startswith("("):
        return ()
    depth, args, cur = 0, [], ""
    for ch in header_rest[1:]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur)
    names = []
    for i, arg in enumerate(args):
        arg = arg.split("\\\\")[0].strip()
        found = re.findall(r"(?:^|=\s*)([a-z_][a-zA-Z0-9_]*)\s*$", arg) or re.findall(r"^([a-z_][a-zA-Z0-9_]*)", arg)
        names.append(found[0] if found else f"arg{i + 1}")
    return tuple(names)


def split_top_level(args: str) -> list[str]:
    """Split a comma-separated argument list at depth zero (brackets, braces, parentheses)."""
    depth, out, cur = 0, [], ""
    for ch in args:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


_TYPE_NAMES = (("String.t", "string"), ("binary", "string"), ("list", "list"), ("[", "list"), ("map", "map"),
               ("%{", "map"), ("integer", "n"), ("float", "x"), ("number", "x"), ("atom", "atom"),
               ("boolean", "flag"), ("keyword", "opts"), ("pid", "pid"))


def _params_from_spec(args: str) -> tuple[str, ...]:
    names: list[str] = []
    for i, typ in enumerate(split_top_level(args)):
        named = re.match(r"^([a-z_]\w*)\s*::", typ)
        name = named.group(1) if named else next((n for t, n in _TYPE_NAMES if typ.startswith(t)), f"arg{i + 1}")
        names.append(name if name not in names else f"{name}{i + 1}")
    return tuple(names)


def _line_offsets(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:  # str.find runs in C: this is called on every code action request
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def _doc_lines(lines: list[str]) -> list[bool]:
    """Per line: part of a doc block (`@doc`/`@spec`/`@impl`/comment lines and `@doc` heredoc bodies)."""
    out = [False] * len(lines)
    in_heredoc = False
    for i, raw in enumerate(lines):
        stripped = raw.strip()
        if in_heredoc:
            out[i] = True
            in_heredoc = '"""' not in stripped
            continue
        if _DOCISH.match(raw):
            out[i] = True
            in_heredoc = stripped.startswith("@") and stripped.count('"""') == 1
    return out


def find_site(text: str, line: int) -> Site | None:
    """The function to generate for a cursor on `line` (0-based), or None when there is none.

    The cursor may be on a `@doc`, `@spec` or comment that describes a function, on a bodiless
    `def` head, or on an empty `def ... do end` (or on a blank line inside it).
    """
    lines = text.split("\n")
    if not 0 <= line < len(lines):
        return None
    starts = _line_offsets(text)
    # A cursor inside an empty `do ... end` counts as on its def line.
    if not lines[line].strip() and line > 0 and lines[line - 1].rstrip().endswith(" do"):
        line -= 1
    docish = _doc_lines(lines)
    first = line
    if docish[line] or _DEF.match(lines[line]):
        while first > 0 and docish[first - 1]:
            first -= 1
    # Forward over the doc block (blank lines inside it included) to the code that follows it.
    doc_lines: list[str] = []
    spec: re.Match[str] | None = None
    j = first
    while j < len(lines) and (docish[j] or (not lines[j].strip() and doc_lines)):
        doc_lines.append(lines[j])
        spec = _SPEC.match(lines[j]) or spec
        j += 1
    module, mod_indent = None, None
    for k in range(first, -1, -1):
        m = _MODULE.match(lines[k])
        if m:
            module, mod_indent = m.group("name"), m.group("indent")
            break
    doc = "\n".join(d for d in doc_lines if d.strip()).strip("\n")
    default_indent = (mod_indent + "  ") if mod_indent is not None else ""
    if j < len(lines):
        m = _DEF.match(lines[j])
        if m and m.group("rest").startswith(("(", " do", "do")) or (m and not m.group("rest")):
            assert m is not None
            rest = m.group("rest").rstrip()
            indent, name = m.group("indent"), m.group("name")
            params = _params_of(rest)
            head_text = lines[j].rstrip()
            if rest.endswith(" do") or rest == "do":
                k = j + 1
                while k < len(lines) and not lines[k].strip():
                    k += 1
                if k < len(lines) and lines[k].strip() == "end" and lines[k].startswith(indent):
                    end = starts[k] + len(lines[k])
                    return Site(text, "empty", name, len(params), params, indent, starts[j], end, module, doc,
                                head_text, line=j)
                return None  # a function with a body: nothing to generate
            if ", do:" in rest or "do:" in rest:
                return None
            header = f"{head_text} do"
            return Site(text, "head", name, len(params), params, indent, starts[j], starts[j] + len(lines[j]),
                        module, doc, header, line=j)
    if not doc:
        return None
    k = j
    while k > first and not lines[k - 1].strip():
        k -= 1  # right after the doc block, before the blank lines that follow it
    where = starts[k] if k < len(starts) else len(text)
    indent = re.match(r"\s*", doc_lines[0]).group(0) if doc_lines else default_indent  # type: ignore[union-attr]
    if spec is not None:
        name = spec.group("name")
        params = _params_from_spec(spec.group("args"))
        header = f"{indent}def {name}({', '.join(params)}) do"
        return Site(text, "spec", name, len(params), params, indent, where, where, module, doc, header, line=j)
    if module is not None and indent != default_indent:
        return None  # a comment inside a function body describes code, not a function to write
    if any(d.strip().startswith("#") for d in doc_lines) or any("@doc" in d for d in doc_lines):
        return Site(text, "comment", None, 0, (), indent, where, where, module, doc, "", line=j)
    return None


# --- candidates ---------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One generated function and what the checks found.

    Args:
        code: the whole function (`def ... end`), as placed into the document.
        log_prob: the model's log-probability for it (None when the backend gave none).
        problems: one line per finding (empty: clean); filled by `check_candidates`.
        stage: the check that failed (`syntax`, `elixir`, `credo`, `sobelow`) or `clean`.
    """

    code: str
    log_prob: float | None = None
    problems: list[str] = field(default_factory=list)
    stage: str = "unchecked"
    findings: list[tuple[str, str]] = field(default_factory=list)  # (check name, message)

    @property
    def clean(self) -> bool:
        """True when every check passed."""
        return self.stage == "clean"


def extract_body(completion: str, indent: str) -> str | None:
    """The function body in a completion: its lines up to the `end` that closes the `def` (None if empty).

    A local model writes on past the function, so the body ends at the first non-blank line
    indented no deeper than the `def`.
    """
    body: list[str] = []
    for raw in completion.split("\n"):
        if raw.strip() and len(raw) - len(raw.lstrip()) <= len(indent):
            break
        body.append(raw.rstrip())
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    return "\n".join(body) if body else None


def extract_function(completion: str, indent: str) -> str | None:
    """For a `comment` site: `name(args) do ... end` written after `def ` (None if no complete head)."""
    lines = completion.split("\n")
    head = lines[0].rstrip()
    if not re.match(r"^[a-z_][a-zA-Z0-9_]*[?!]?", head):
        return None
    if ", do:" in head:
        return head
    if not head.endswith(" do"):
        return None
    for k, raw in enumerate(lines[1:], start=1):
        if raw.strip() and len(raw) - len(raw.lstrip()) <= len(indent):
            if raw.strip() == "end":
                return "\n".join(x.rstrip() for x in lines[: k + 1])
            return None
    return None


def candidates_from(site: Site, completions: Sequence[Completion], dedupe: bool = True) -> list[Candidate]:
    """Turn completions into candidate functions (empty or headless ones are dropped), best log-prob first.

    With `dedupe` False identical functions are all kept (clarification counts them).
    """
    out: list[Candidate] = []
    seen: set[str] = set()
    for c in completions:
        if site.header:
            body = extract_body(site.body_indent + c.text, site.indent)
            code = site.function_code(body) if body else None
        else:
            fn = extract_function(c.text, site.indent)
            code = site.function_code(fn) if fn else None
        if code is None or (dedupe and code in seen):
            continue
        seen.add(code)
        out.append(Candidate(code, c.log_prob))
    return rank(out)


def rank(candidates: list[Candidate]) -> list[Candidate]:
    """Highest log-probability first; candidates without one keep their order after those with one."""
    return sorted(candidates, key=lambda c: (c.log_prob is None, -(c.log_prob or 0.0)))


def sample(model: Model, site: Site, n: int = DEFAULT_SAMPLES, temperature: float = 0.8, extra: str = "",
           max_tokens: int = DEFAULT_MAX_TOKENS, dedupe: bool = True) -> list[Candidate]:
    """Sample `n` candidates for a site (one batch), parsed into functions and ranked."""
    prefix, suffix = site.prompt(extra)
    stops = ("\n" + site.indent + "end", "\ndefmodule ", "\n```") if site.header else ("\ndefmodule ", "\n```")
    req = GenerationRequest(prefix=prefix, suffix=suffix, max_tokens=max_tokens, temperature=temperature,
                            num_hypotheses=n, stop=stops)
    return candidates_from(site, model.generate(req), dedupe)


# --- checks ---------------------------------------------------------------------------------------


@functools.cache
def what_line(check: str) -> str:
    """The first line under "What it finds" on a check's page (`Readability.LargeNumbers`, `XSS.Raw`)."""
    short = check.removeprefix("Credo.Check.")
    for sub in ("credo", "sobelow"):
        page = check_page_path(sub, short)  # the installed pages, wherever the package lives
        if page is not None:
            lines = page.read_text(encoding="utf-8").splitlines()
            for i, ln in enumerate(lines):
                if ln.startswith("## What"):
                    for nxt in lines[i + 1:]:
                        if nxt.strip():
                            return nxt.strip()
    return ""


def check_candidates(site: Site, candidates: Sequence[Candidate], root: Path | None = None,
                     use_elixir: bool | None = None, stop_at_clean: bool = True) -> Candidate | None:
    """Check candidates in order, filling in `problems` and `stage`; returns the first clean one.

    Args:
        site: where the candidates go.
        candidates: ranked candidates.
        root: project root for the analyzer's configuration (default: a neutral directory).
        use_elixir: run `Code.string_to_quoted` (default: when Elixir is installed).
        stop_at_clean: stop checking after the first clean candidate.
    """
    use_elixir = elixir_available() if use_elixir is None else use_elixir
    placed = [site.place(c.code) for c in candidates]
    # Syntax with tree-sitter first: it costs microseconds and catches most broken samples.
    syntax_ok: list[int] = []
    for i, (cand, text) in enumerate(zip(candidates, placed, strict=True)):
        problems = SourceFile("generated.ex", text).syntax_problems()
        if problems:
            first = site.line_range(cand.code)[0]
            cand.stage = "syntax"
            cand.problems = [f"line {max(1, p.line - first + 1)}: {p.message}" for p in problems]
        else:
            syntax_ok.append(i)
    elixir_errors: dict[int, str] = {}
    if use_elixir and syntax_ok:
        try:
            for i, err in zip(syntax_ok, parse_with_elixir([placed[i] for i in syntax_ok]), strict=True):
                if err is not None:
                    first = site.line_range(candidates[i].code)[0]
                    elixir_errors[i] = f"line {max(1, err.line - first + 1)}: {err.message}"
        except SandboxUnavailable:
            pass
    options = AnalysisOptions()
    for i in syntax_ok:
        cand = candidates[i]
        if i in elixir_errors:
            cand.stage, cand.problems = "elixir", [elixir_errors[i]]
            continue
        first, last = site.line_range(cand.code)
        result = analyze_sources([SourceFile("lib/generated.ex", placed[i])], root or Path("/nonexistent"), options)
        issues = [x for x in result.issues if x.line_no is not None and first <= x.line_no <= last]
        findings = [f for f in result.findings if first <= f.line <= last]
        cand.findings = [(x.short_name, x.message) for x in issues] + [(f.type_name, f.type) for f in findings]
        cand.problems = [f"line {(x.line_no or first) - first + 1}: {x.short_name}: {x.message}" for x in issues]
        cand.problems += [f"line {f.line - first + 1}: {f.type} (Sobelow, {f.confidence} confidence)"
                          for f in findings]
        cand.stage = "credo" if issues else "sobelow" if findings else "clean"
        if cand.clean and stop_at_clean:
            return cand
    return next((c for c in candidates if c.clean), None)


def repair_prompt(site: Site, failed: Candidate) -> str:
    """Comment lines asking for a corrected function: the request, the failed code, each finding explained."""
    ind = site.indent
    lines = [f"{ind}# Request: {ln.strip()}" for ln in site.request.splitlines()[:6]]
    lines.append(f"{ind}# A previous attempt:")
    lines += [f"{ind}#   {ln}" for ln in failed.code.rstrip().splitlines()[:20]]
    lines.append(f"{ind}# had these problems:")
    explained = dict(failed.findings)
    for problem in failed.problems[:8]:
        lines.append(f"{ind}#   - {problem}")
        name = next((n for n in explained if n in problem), None)
        what = what_line(name) if name else ""
        if what:
            lines.append(f"{ind}#     ({what})")
    lines.append(f"{ind}# Corrected version:")
    return "\n".join(lines) + "\n"


@dataclass
class Outcome:
    """What generate-check-repair produced.

    Args:
        candidate: the clean candidate (None when none was clean).
        rounds: generation rounds run (1 + repairs).
        tried: every candidate checked, in order.
        remaining: for a failure, the problems of the best candidate left.
        site: the site generated for.
    """

    site: Site
    candidate: Candidate | None
    rounds: int
    tried: list[Candidate]
    remaining: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when a clean candidate was found."""
        return self.candidate is not None

    @property
    def edited_text(self) -> str | None:
        """The document with the clean function in place."""
        return self.site.place(self.candidate.code) if self.candidate else None

    def summary(self) -> str:
        """One paragraph for a user: what was generated, or why nothing was."""
        if self.candidate is not None:
            return f"generated a clean implementation in {self.rounds} round(s) ({len(self.tried)} candidates checked)"
        if not self.tried:
            return f"the model produced no usable function in {self.rounds} round(s)"
        return (f"no clean implementation after {self.rounds} round(s) ({len(self.tried)} candidates); "
                f"the best one still has: " + "; ".join(self.remaining[:5]))


def _best_failed(candidates: Sequence[Candidate]) -> Candidate | None:
    order = {"sobelow": 0, "credo": 1, "elixir": 2, "syntax": 3, "unchecked": 4}
    failed = [c for c in candidates if not c.clean]
    return min(failed, key=lambda c: (order.get(c.stage, 5), len(c.problems))) if failed else None


def generate_checked(model: Model, site: Site, *, n: int = DEFAULT_SAMPLES, temperature: float = 0.8,
                     max_repairs: int = DEFAULT_MAX_REPAIRS, root: Path | None = None, extra: str = "",
                     first: Sequence[Candidate] = (), fallback: Sequence[Candidate] = (),
                     use_elixir: bool | None = None, cancelled: Callable[[], bool] | None = None) -> Outcome:
    """Generate, check, and repair up to `max_repairs` times; see the module docstring.

    Args:
        model: the backend.
        site: what to generate.
        n / temperature: samples per round.
        max_repairs: repair rounds at most after the first round.
        root: project root for the analyzer.
        extra: comment lines added above the function in every prompt (e.g. a clarification).
        first: candidates already sampled for this prompt (round one checks these instead of sampling).
        fallback: candidates to check after the first round's own (e.g. the chosen cluster's).
        use_elixir: run `Code.string_to_quoted` (default: when Elixir is installed).
        cancelled: checked between rounds.
    """
    tried: list[Candidate] = []
    rounds = 0
    repair = ""
    for attempt in range(max_repairs + 1):
        if cancelled is not None and cancelled():
            break
        rounds += 1
        if attempt == 0 and first:
            batch = [replace(c, problems=[], stage="unchecked", findings=[]) for c in first]
        else:
            batch = sample(model, site, n, temperature, extra + repair)
        if attempt == 0:
            known = {c.code for c in batch}
            batch += [replace(c, problems=[], stage="unchecked", findings=[]) for c in fallback if c.code not in known]
        fresh = [c for c in batch if c.code not in {t.code for t in tried}]
        winner = check_candidates(site, fresh, root, use_elixir)
        tried += [c for c in fresh if c.stage != "unchecked"]
        if winner is not None:
            return Outcome(site, winner, rounds, tried)
        best = _best_failed(tried)
        if best is None:
            continue  # nothing usable to repair from: sample afresh
        repair = repair_prompt(site, best)
    best = _best_failed(tried)
    return Outcome(site, None, rounds, tried, best.problems if best else ["the model produced no complete function"])
