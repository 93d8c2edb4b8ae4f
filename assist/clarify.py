"""Clarification: sample candidates, cluster them by behaviour, and ask when they disagree (ClarifyGPT-style).

`assess` samples N candidates (default 8, temperature 0.8, one batch: independent samples),
keeps those that parse, and clusters them:

* by behaviour: every candidate runs in real Elixir (`sandbox.run_behaviour`, one process for
  all candidates x inputs) on inputs derived from the spec: types from `@spec`, literals and
  `iex>` examples from the `@doc`, and edge cases (empty list, nil, zero, negative);
  candidates with identical outputs on every input share a cluster;
* by normalised-AST similarity when they cannot run (no Elixir, or a candidate that does not
  compile): tree-sitter leaves with variable names replaced by their order of appearance,
  compared with a sequence ratio; similar ones (>= 0.85) share a cluster.

Semantic entropy is the entropy (nats) of the cluster-size distribution, -sum p ln p with
p = size / N (the discrete estimator of Farquhar et al., 2024). We ask when there are at
least two clusters and the entropy reaches `clarifyEntropy` (0.5) or the cluster count
reaches `clarifyClusters` (3); otherwise we proceed with the largest cluster first.

A question is a dimension along which clusters differ (error handling, data structure,
concurrency, external dependency, edge case, return shape; "behaviour" when the clusters
simply compute different values on ordinary input). Each dimension partitions the clusters
by their answer; its expected value of information is how much knowing the answer shrinks the
cluster distribution, H(C) - E_a[H(C | a)], which for a deterministic answer equals the
entropy of the partition. The best question is offered with one option per cluster and a
one-line preview (`f(input) -> output`); the chosen option's text goes into the prompt.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from elixir_coder.analysis.source import SourceFile

from .generate import Candidate, Model, Site, sample, split_top_level
from .sandbox import SandboxLimits, SandboxUnavailable, elixir_available, run_behaviour

DEFAULT_N = 8
DEFAULT_TEMPERATURE = 0.8
AST_SIMILARITY = 0.85
MAX_INPUTS = 16
MAX_OPTIONS = 4
CATEGORIES = ("error handling", "data structure", "concurrency", "external dependency", "edge case",
              "return shape", "behaviour")
# Candidates whose every call fails with one of these are broken, whatever was intended.
_BROKEN = ("UndefinedFunctionError", "BadFunctionError", "BadArityError")
_CONCURRENCY = re.compile(r"\b(Task\.|spawn|GenServer\.|Agent\.|send\(|receive\b|Process\.)")
_EXTERNAL = re.compile(r"\b(File\.|HTTPoison\.|Req\.|:httpc\.|System\.(cmd|get_env)|Repo\.|Application\.get_env|"
                       r"Finch\.|Tesla\.|:ets\.|IO\.(gets|read))")

# --- inputs from the spec -------------------------------------------------------------------------

_POOLS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (type prefix, values: a typical one first, then edge cases)
    ("non_neg_integer", ("3", "0", "nil")),
    ("pos_integer", ("4", "1", "0", "nil")),
    ("integer", ("5", "0", "-3", "nil")),
    ("float", ("2.5", "0.0", "-1.5", "nil")),
    ("number", ("2.5", "0", "-3", "nil")),
    ("String.t", ('"hello world"', '"42"', '""', "nil")),
    ("binary", ('"hello world"', '"42"', '""', "nil")),
    ("boolean", ("true", "false", "nil")),
    ("keyword", ("[a: 1, b: 2]", "[]", "nil")),
    ("map", ("%{a: 1, b: 2}", "%{}", "nil")),
    ("%{", ("%{a: 1, b: 2}", "%{}", "nil")),
    ("tuple", ("{1, 2}", "{}", "nil")),
    ("atom", (":ok", ":other", "nil")),
    ("module", ("Enum", "nil")),
)
_ANY = ("[3, 1, 2]", "nil", "0", "-1", '""', "[]")
_EDGE = re.compile(r'^(nil|0|0\.0|-\d+(\.\d+)?|""|\[\]|%\{\}|\{\}|false)$')


def _list_pool(inner: str) -> tuple[str, ...]:
    inner = inner.strip()
    if inner.startswith(("integer", "number", "non_neg", "pos_integer")):
        return ("[3, 1, 2]", "[]", "[-4, 0, 7]", "[2, 2, 5]", "nil")
    if inner.startswith(("String.t", "binary")):
        return ('["b", "a", "c"]', "[]", '["", "a"]', "nil")
    if inner.startswith(("float",)):
        return ("[1.5, 2.5]", "[]", "[-1.0]", "nil")
    if inner.startswith(("map", "%{")):
        return ("[%{a: 1}, %{a: 2}]", "[]", "nil")
    return ("[3, 1, 2]", "[]", "[nil]", "nil")


def type_pool(typ: str) -> tuple[str, ...]:
    """Argument values for a typespec: a typical value first, then edge cases (empty, nil, zero, negative)."""
    typ = re.sub(r"^[a-z_]\w*\s*::\s*", "", typ.strip())
    if typ.startswith("["):
        return _list_pool(typ[1:-1] if typ.endswith("]") else typ[1:])
    m = re.match(r"^(list|nonempty_list)\((.*)\)$", typ)
    if m:
        return _list_pool(m.group(2))
    if "|" in typ:  # a union: the values of each member, typical ones first
        pools = [type_pool(t) for t in typ.split("|")]
        merged: list[str] = []
        for values in zip(*[p + ("",) * (6 - len(p)) for p in pools], strict=False):
            merged += [v for v in values if v and v not in merged]
        return tuple(merged)
    for prefix, values in _POOLS:
        if typ.startswith(prefix):
            return values
    return _ANY


def _spec_args(site: Site) -> list[str] | None:
    m = re.search(r"@spec\s+" + re.escape(site.name or "") + r"\s*\((.*)\)\s*::", site.doc)
    return split_top_level(m.group(1)) if m else None


def _doc_literals(doc: str) -> list[str]:
    """Backtick-quoted literals in the doc that look like values (`:green`, `[1, 2]`, `"abc"`, `-5`)."""
    out = []
    for lit in re.findall(r"`([^`\n]{1,40})`", doc):
        lit = lit.strip()
        if re.match(r'^(:\w+|-?\d+(\.\d+)?|"[^"]*"|\[.*\]|%\{.*\}|\{.*\}|nil|true|false)$', lit) and "->" not in lit:
            out.append(lit)
    return out


def _doc_examples(doc: str, name: str) -> list[str]:
    """Argument lists of `iex> Mod.name(args)` examples in the doc."""
    out = []
    for args in re.findall(r"iex>\s*(?:[A-Z][\w.]*\.)?" + re.escape(name) + r"\((.*)\)\s*$", doc, re.M):
        out.append(f"[{args}]")
    return out


def derive_inputs(site: Site, limit: int = MAX_INPUTS) -> list[str]:
    """Argument lists (Elixir source, e.g. `[[1, 2], 0]`) to run candidates on.

    Doc examples first, then a typical call, then each parameter varied over its edge cases
    and over the doc's literals, so the set is small but touches what specs leave open.
    """
    arity = site.arity
    if arity == 0:
        return ["[]"]
    types = _spec_args(site)
    pools = [type_pool(t) for t in types] if types and len(types) == arity else [_ANY] * arity
    literals = _doc_literals(site.doc)
    inputs: list[str] = []

    def add(args: Sequence[str]) -> None:
        src = "[" + ", ".join(args) + "]"
        if src not in inputs:
            inputs.append(src)

    for example in _doc_examples(site.doc, site.name or ""):
        if example not in inputs:
            inputs.append(example)
    base = [p[0] for p in pools]
    add(base)
    for pos, pool in enumerate(pools):
        for value in list(pool[1:]) + literals:
            add(base[:pos] + [value] + base[pos + 1:])
    if arity == 2:  # both parameters at their first edge value together
        for a, b in product(pools[0][1:2], pools[1][1:2]):
            add([a, b])
    return inputs[:limit]


def is_edge_input(src: str) -> bool:
    """Whether an argument list holds an edge-case value (empty, nil, zero, negative)."""
    inner = src.strip()[1:-1]
    return any(_EDGE.match(a.strip()) for a in split_top_level(inner))


# --- clustering -------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """Candidates that behave alike (or look alike, for the AST fallback)."""

    members: list[int]
    outputs: list[str] | None  # per input; None for an AST cluster
    method: str  # "behaviour" | "ast"

    @property
    def size(self) -> int:
        """How many samples fell into this cluster."""
        return len(self.members)


@dataclass
class Clustering:
    """Clusters over the parsing candidates, with the inputs they ran on."""

    candidates: list[Candidate]
    clusters: list[Cluster]
    inputs: list[str]
    dropped: int = 0  # samples that did not parse, or broke on every input
    note: str = ""

    @property
    def method(self) -> str:
        """`behaviour`, `ast`, or `mixed`."""
        methods = {c.method for c in self.clusters}
        return methods.pop() if len(methods) == 1 else "mixed" if methods else "none"


def semantic_entropy(sizes: Sequence[int]) -> float:
    """Entropy in nats of the cluster distribution p_k = size_k / sum(sizes) (0 for one cluster)."""
    total = sum(s for s in sizes if s > 0)
    if total <= 0:
        return 0.0
    return max(0.0, -sum((s / total) * math.log(s / total) for s in sizes if s > 0))


def normalised_tokens(code: str) -> list[str]:
    """tree-sitter leaves of a function with variables renamed by first appearance (`v0`, `v1`, ...)."""
    src = SourceFile("candidate.ex", code)
    names: dict[str, str] = {}
    out: list[str] = []
    if src.root is None:
        return code.split()
    stack = [src.root]
    while stack:
        node = stack.pop()
        if node.child_count == 0:
            text = src.node_text(node)
            if node.type == "identifier":
                parent = node.parent
                is_call = parent is not None and parent.type == "call" and parent.child_count > 0 and \
                    parent.children[0].id == node.id
                if not is_call:
                    text = names.setdefault(text, f"v{len(names)}")
            if node.type != "comment":
                out.append(text)
            continue
        stack.extend(reversed(node.children))
    return out


def ast_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two functions' normalised token sequences."""
    return difflib.SequenceMatcher(None, normalised_tokens(a), normalised_tokens(b), autojunk=False).ratio()


def cluster_by_ast(codes: Sequence[str], members: Sequence[int], threshold: float = AST_SIMILARITY) -> list[Cluster]:
    """Greedy clustering: a candidate joins the first cluster whose first member is similar enough."""
    clusters: list[Cluster] = []
    tokens = {i: normalised_tokens(codes[i]) for i in members}
    for i in members:
        for cl in clusters:
            first = cl.members[0]
            if difflib.SequenceMatcher(None, tokens[first], tokens[i], autojunk=False).ratio() >= threshold:
                cl.members.append(i)
                break
        else:
            clusters.append(Cluster([i], None, "ast"))
    return clusters


def _broken(outputs: Sequence[str]) -> bool:
    calls = [o for o in outputs if o != "bad_input"]
    return bool(calls) and all(o.startswith("{:raise,") and any(b in o for b in _BROKEN) for o in calls)


def cluster_candidates(site: Site, candidates: Sequence[Candidate], run: bool | None = None,
                       limits: SandboxLimits | None = None) -> Clustering:
    """Cluster parsing candidates by behaviour (real Elixir) or, where they cannot run, by AST similarity.

    Args:
        site: the function (name, arity, doc and spec for the inputs).
        candidates: sampled candidates; those that do not parse are dropped.
        run: run them in Elixir (default: when Elixir is installed and the name is known).
        limits: sandbox limits.
    """
    cands = list(candidates)
    parsing = [i for i, c in enumerate(cands) if not SourceFile("c.ex", site.place(c.code)).syntax_problems()]
    dropped = len(cands) - len(parsing)
    name, arity = site.name, site.arity
    if name is None:  # a comment site: the function is whatever most candidates wrote
        heads = [re.match(r"\s*def\s+([a-z_]\w*[?!]?)\s*(\((.*?)\))?", cands[i].code) for i in parsing]
        found = [(h.group(1), len(split_top_level(h.group(3) or ""))) for h in heads if h]
        if found:
            name, arity = max(set(found), key=found.count)
    run = (elixir_available() and name is not None) if run is None else run
    inputs: list[str] = []
    clusters: list[Cluster] = []
    not_run = list(parsing)
    note = ""
    if run and name is not None and parsing:
        target = Site(site.text, site.kind, name, arity, site.params or tuple(f"arg{i}" for i in range(arity)),
                      site.indent, site.start, site.end, site.module, site.doc, site.header, site.line)
        inputs = derive_inputs(target)
        try:
            result = run_behaviour(site.module or "Generated", name, arity, [site.place(cands[i].code)
                                   if site.module else f"defmodule Generated do\n{cands[i].code}end\n"
                                   for i in parsing], inputs, limits)
        except SandboxUnavailable as exc:
            note = str(exc)
        else:
            not_run = []
            groups: dict[tuple[str, ...], Cluster] = {}
            for k, i in enumerate(parsing):
                outputs = result.outputs[k]
                if outputs is None:
                    not_run.append(i)
                elif _broken(outputs):
                    dropped += 1
                else:
                    groups.setdefault(tuple(outputs), Cluster([], list(outputs), "behaviour")).members.append(i)
            clusters = list(groups.values())
            if result.timed_out:
                note = "the sandbox hit its time limit"
    clusters += cluster_by_ast([c.code for c in cands], not_run)
    clusters.sort(key=lambda c: (-c.size, c.members[0]))
    return Clustering(cands, clusters, inputs, dropped, note)


# --- questions --------------------------------------------------------------------------------------


@dataclass
class Option:
    """One answer: a label, a preview line, the text that goes into the prompt, and its cluster's code."""

    label: str
    preview: str
    answer: str
    codes: list[str]
    share: float

    def to_json(self) -> dict[str, Any]:
        """Plain data for command arguments."""
        return {"label": self.label, "preview": self.preview, "answer": self.answer, "codes": self.codes,
                "share": round(self.share, 3)}


@dataclass
class Question:
    """The question to ask, with its category and expected value of information (nats)."""

    category: str
    text: str
    value: float
    options: list[Option]

    def to_json(self) -> dict[str, Any]:
        """Plain data for command results and arguments."""
        return {"category": self.category, "text": self.text, "value": round(self.value, 4),
                "options": [o.to_json() for o in self.options]}


def _value(output: str) -> str:
    return output[len("{:ok, "):-1] if output.startswith("{:ok, ") and output.endswith("}") else output


def outcome_label(output: str) -> str:
    """A short phrase for what a call did: `raise ArgumentError`, `return {:error, reason}`, `return nil`, ..."""
    if output.startswith("{:raise, "):
        return "raise " + output[len("{:raise, "):-1].removeprefix("Elixir.")
    if output.startswith("{:throw"):
        return "throw"
    if output == "{:exit}":
        return "exit"
    if output == ":timeout":
        return "never return (time out)"
    value = _value(output)
    if value.startswith("{:error,"):
        return "return {:error, reason}"
    if value == "nil":
        return "return nil"
    if value.startswith("{:ok,"):
        return "return {:ok, value}"
    return "return " + (value if len(value) <= 40 else value[:37] + "...")


def _failure(output: str) -> str | None:
    """How a call signalled failure (raise/error tuple/nil/throw/exit), or None for an ordinary value."""
    label = outcome_label(output)
    if label.startswith(("raise", "throw", "exit", "never")) or label in ("return {:error, reason}", "return nil"):
        return label
    return None


def _shape(output: str) -> str:
    value = _value(output)
    if value.startswith("{:ok,"):
        return "{:ok, value}"
    for prefix, shape in (("[", "a list"), ("%{", "a map"), ("%", "a struct"), ("{", "a tuple"), ('"', "a string"),
                          (":", "an atom"), ("true", "a boolean"), ("false", "a boolean")):
        if value.startswith(prefix):
            return shape
    return "a float" if re.match(r"^-?\d+\.\d+", value) else "an integer" if re.match(r"^-?\d", value) else "a value"


def _error_style(code: str) -> str:
    if re.search(r"\braise\b", code):
        return "raise an exception"
    if "{:error" in code:
        return "return {:error, reason}"
    if re.search(r"->\s*nil\b|else:\s*nil\b|\bnil\s*$", code, re.M):
        return "return nil"
    return "return a value"


def _partition_value(sizes: dict[str, int]) -> float:
    return semantic_entropy(list(sizes.values()))


def _call(site: Site, name: str, args_src: str) -> str:
    return f"{name}({args_src.strip()[1:-1]})"


def _dimensions(clustering: Clustering, site: Site, top: list[Cluster]) -> list[tuple[str, int | None, list[str]]]:
    """Candidate questions: (category, distinguishing input index or None, one answer label per cluster)."""
    dims: list[tuple[str, int | None, list[str]]] = []
    codes = [[clustering.candidates[i].code for i in cl.members] for cl in top]
    for category, pattern in (("concurrency", _CONCURRENCY), ("external dependency", _EXTERNAL)):
        uses = [any(pattern.search(c) for c in cs) for cs in codes]
        if any(uses) and not all(uses):
            verb = "run work concurrently" if category == "concurrency" else "use an external resource"
            dims.append((category, None, [verb if u else "stay pure and sequential" if category == "concurrency"
                                          else "work on its arguments only" for u in uses]))
    if any(cl.outputs is None for cl in top):
        # Not run: read the error handling off the code, else offer the implementations themselves.
        styles = [_error_style(cs[0]) for cs in codes]
        if len(set(styles)) > 1:
            dims.append(("error handling", None, styles))
        dims.append(("behaviour", None, [f"implementation {k + 1}" for k in range(len(top))]))
        return dims
    outs = [cl.outputs or [] for cl in top]
    n_inputs = len(clustering.inputs)

    def best_input(labeller: Any, wanted: Any = lambda j: True) -> tuple[int, list[str]] | None:
        found: tuple[int, list[str]] | None = None
        for j in range(n_inputs):
            if not wanted(j):
                continue
            labels = [labeller(o[j]) for o in outs]
            if any(lbl is None for lbl in labels) or len(set(labels)) < 2:
                continue
            if found is None or len(set(labels)) > len(set(found[1])):
                found = (j, labels)
        return found

    # error handling: inputs where some cluster fails and the clusters fail differently
    err = best_input(lambda o: _failure(o) or outcome_label(o),
                     lambda j: any(_failure(o[j]) for o in outs))
    if err:
        dims.append(("error handling", err[0], err[1]))
    ordinary = [j for j in range(n_inputs) if not any(_failure(o[j]) for o in outs)]
    shape = best_input(_shape, lambda j: j in ordinary)
    if shape:
        wrapped = any(lbl == "{:ok, value}" for lbl in shape[1])
        dims.append(("return shape" if wrapped else "data structure", shape[0],
                     [f"return {lbl}" for lbl in shape[1]]))
    typical = [j for j in ordinary if not is_edge_input(clustering.inputs[j])]
    differs_typical = any(len({o[j] for o in outs}) > 1 for j in typical)
    edge = best_input(outcome_label, lambda j: is_edge_input(clustering.inputs[j]))
    if edge and not differs_typical:
        # The clusters agree on ordinary input: however they fail, the open point is the edge case.
        dims = [d for d in dims if d[0] != "error handling"]
        dims.append(("edge case", edge[0], edge[1]))
    plain = best_input(outcome_label, lambda j: j in typical)
    if plain:
        dims.append(("behaviour", plain[0], plain[1]))
    return dims


_QUESTION = {
    "error handling": "What should {call} do with this input?",
    "data structure": "What should {call} return?",
    "return shape": "Should {call} wrap its result?",
    "edge case": "What should {call} return for this edge case?",
    "behaviour": "Which result is intended for {call}?",
    "concurrency": "Should {name} run work concurrently?",
    "external dependency": "May {name} use an external resource (files, network, database, environment)?",
}
_PRIORITY = {c: i for i, c in enumerate(CATEGORIES)}


def best_question(clustering: Clustering, site: Site, name: str | None = None) -> Question | None:
    """The question with the highest expected value of information, options one per cluster (None: no split)."""
    top = clustering.clusters[:MAX_OPTIONS]
    if len(top) < 2:
        return None
    name = name or site.name or "the function"
    total = sum(cl.size for cl in clustering.clusters)
    ranked = []
    for category, j, labels in _dimensions(clustering, site, top):
        sizes: dict[str, int] = {}
        for cl, lbl in zip(top, labels, strict=True):
            sizes[lbl] = sizes.get(lbl, 0) + cl.size
        ranked.append((_partition_value(sizes), -_PRIORITY[category], category, j, labels))
    if not ranked:
        return None
    ranked.sort(reverse=True)
    value, _, category, j, labels = ranked[0]
    call = _call(site, name, clustering.inputs[j]) if j is not None else name
    options = []
    seen: dict[str, int] = {}
    for cl, lbl in zip(top, labels, strict=True):
        codes = list(dict.fromkeys(clustering.candidates[i].code for i in cl.members))
        if cl.outputs is not None and clustering.inputs:
            shown = j if j is not None else 0
            preview = f"{_call(site, name, clustering.inputs[shown])} -> {outcome_label(cl.outputs[shown])}"
        else:
            body = [ln.strip() for ln in codes[0].splitlines()[1:] if ln.strip() and ln.strip() != "end"]
            preview = body[0][:80] if body else codes[0].splitlines()[0].strip()
        label = lbl[0].upper() + lbl[1:]
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:  # two clusters answer alike on this input: tell them apart by their preview
            label = f"{label} ({preview})"
        answer = f"{_QUESTION[category].format(call=call, name=name)} {label}."
        options.append(Option(label, preview, answer, codes, cl.size / total if total else 0.0))
    return Question(category, _QUESTION[category].format(call=call, name=name), value, options)


@dataclass
class Assessment:
    """Whether to ask, and what.

    Args:
        ask: True when the clusters disagree enough to ask.
        entropy: semantic entropy (nats) over clusters.
        clustering: the clusters and candidates.
        question: the best question when asking.
    """

    ask: bool
    entropy: float
    clustering: Clustering
    question: Question | None = None
    reasons: list[str] = field(default_factory=list)

    def ordered_candidates(self) -> list[Candidate]:
        """Candidates of the largest cluster first (each cluster by log-probability), for proceeding."""
        out: list[Candidate] = []
        for cl in self.clustering.clusters:
            members = [self.clustering.candidates[i] for i in cl.members]
            out += sorted(members, key=lambda c: (c.log_prob is None, -(c.log_prob or 0.0)))
        return out


def decide(entropy: float, clusters: int, entropy_threshold: float, clusters_threshold: int) -> bool:
    """Ask when at least two clusters exist and the entropy or the cluster count reaches its threshold."""
    return clusters >= 2 and (entropy >= entropy_threshold or clusters >= clusters_threshold)


def assess_candidates(site: Site, candidates: Sequence[Candidate], entropy_threshold: float = 0.5,
                      clusters_threshold: int = 3, run: bool | None = None,
                      limits: SandboxLimits | None = None) -> Assessment:
    """Cluster given candidates and decide whether to ask (see the module docstring)."""
    clustering = cluster_candidates(site, candidates, run, limits)
    sizes = [c.size for c in clustering.clusters]
    entropy = semantic_entropy(sizes)
    ask = decide(entropy, len(sizes), entropy_threshold, clusters_threshold)
    reasons = [f"{len(sizes)} cluster(s) of sizes {sizes} by {clustering.method}, entropy {entropy:.3f} nats"]
    if clustering.dropped:
        reasons.append(f"{clustering.dropped} sample(s) dropped (did not parse, or broke on every input)")
    if clustering.note:
        reasons.append(clustering.note)
    question = None
    if ask:
        name = None
        if site.name is None and clustering.clusters:
            head = re.match(r"\s*def\s+([a-z_]\w*[?!]?)", clustering.candidates[clustering.clusters[0].members[0]].code)
            name = head.group(1) if head else None
        question = best_question(clustering, site, name)
        if question is None:
            ask = False
            reasons.append("the clusters differ in no way a question can settle; proceeding")
    return Assessment(ask, entropy, clustering, question, reasons)


def assess(model: Model, site: Site, n: int = DEFAULT_N, temperature: float = DEFAULT_TEMPERATURE,
           entropy_threshold: float = 0.5, clusters_threshold: int = 3, run: bool | None = None) -> Assessment:
    """Sample `n` candidates at `temperature` (one batch) and assess them (see `assess_candidates`).

    Args:
        model: the backend.
        site: the function to generate.
        n / temperature: samples and sampling temperature.
        entropy_threshold / clusters_threshold: the settings `clarifyEntropy` / `clarifyClusters`.
        run: run candidates in Elixir (default: when installed).
    """
    candidates = sample(model, site, n, temperature, dedupe=False)
    return assess_candidates(site, candidates, entropy_threshold, clusters_threshold, run)


def clarification_comment(site: Site, answer: str) -> str:
    """The answer as a comment line placed above the function in the prompt."""
    return f"{site.indent}# Clarification: {' '.join(answer.split())}\n"
