"""Detection benchmarks: how well our analyzer finds what Credo 1.7 and Sobelow 0.13 report.

Each suite (`benchmarks/data/credo/`, `benchmarks/data/sobelow/`) holds one JSON file per
sample: an Elixir source with the path it pretends to have, optional extra project files
(a router, `config/*.exs`, `mix.lock`, templates), and the ground truth: every finding the
real tool reports on it as `{check, line}` (Sobelow: `{type, line, confidence}`; `file`
when the finding is in an extra file). Labels were written from the tools' rules, not from
our analyzer's output.

The runner analyses every sample in process, matches findings to labels by (check, file,
line) as multisets, and computes precision, recall and F1 per check, per category (Credo's
five categories; Sobelow's groups and CWE weaknesses), with micro and macro averages.

Run: `elixir-coder bench credo` / `elixir-coder bench sobelow`, or
`python -m elixir_coder.benchmarks.detection [credo|sobelow|all]`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .schema import SuiteError

DATA = Path(__file__).resolve().parent / "data"
REPORTS = Path(__file__).resolve().parent.parent / "docs" / "reports"
SUITES = ("credo", "sobelow")
KINDS = ("positive", "negative", "near_miss")
CONFIDENCES = ("high", "medium", "low")
CREDO_CATEGORIES = ("consistency", "design", "readability", "refactor", "warning")

# Our mapping of Sobelow finding types to the MITRE CWE weakness each one is an instance of.
# Sobelow itself names no CWEs; these are our reading of what each check guards against.
SOBELOW_CWE: dict[str, tuple[str, str]] = {
    "CI.OS": ("CWE-78", "OS command injection"),
    "CI.System": ("CWE-78", "OS command injection"),
    "Config.CSP": ("CWE-1021", "Missing protection against framing and injected content (CSP)"),
    "Config.CSRF": ("CWE-352", "Cross-site request forgery"),
    "Config.CSRFRoute": ("CWE-352", "Cross-site request forgery"),
    "Config.CSWH": ("CWE-1385", "Missing origin validation in WebSockets"),
    "Config.Headers": ("CWE-693", "Protection mechanism failure (secure browser headers)"),
    "Config.HSTS": ("CWE-319", "Cleartext transmission of sensitive information"),
    "Config.HTTPS": ("CWE-319", "Cleartext transmission of sensitive information"),
    "Config.Secrets": ("CWE-798", "Use of hard-coded credentials"),
    "DOS.BinToAtom": ("CWE-400", "Uncontrolled resource consumption (atom table)"),
    "DOS.ListToAtom": ("CWE-400", "Uncontrolled resource consumption (atom table)"),
    "DOS.StringToAtom": ("CWE-400", "Uncontrolled resource consumption (atom table)"),
    "Misc.BinToTerm": ("CWE-502", "Deserialization of untrusted data"),
    "RCE.CodeModule": ("CWE-94", "Code injection"),
    "RCE.EEx": ("CWE-94", "Code injection"),
    "SQL.Query": ("CWE-89", "SQL injection"),
    "SQL.Stream": ("CWE-89", "SQL injection"),
    "Traversal.FileModule": ("CWE-22", "Path traversal"),
    "Traversal.SendDownload": ("CWE-22", "Path traversal"),
    "Traversal.SendFile": ("CWE-22", "Path traversal"),
    "Vuln.Coherence": ("CWE-1395", "Dependency on a vulnerable third-party component"),
    "Vuln.CookieRCE": ("CWE-1395", "Dependency on a vulnerable third-party component"),
    "Vuln.Ecto": ("CWE-1395", "Dependency on a vulnerable third-party component"),
    "Vuln.HeaderInject": ("CWE-1395", "Dependency on a vulnerable third-party component"),
    "Vuln.PlugNull": ("CWE-1395", "Dependency on a vulnerable third-party component"),
    "Vuln.Redirect": ("CWE-1395", "Dependency on a vulnerable third-party component"),
    "XSS.ContentType": ("CWE-79", "Cross-site scripting"),
    "XSS.HTML": ("CWE-79", "Cross-site scripting"),
    "XSS.Raw": ("CWE-79", "Cross-site scripting"),
    "XSS.SendResp": ("CWE-79", "Cross-site scripting"),
}


# --- samples ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """One ground-truth finding: the check (Credo module or Sobelow type), file and line."""

    check: str
    file: str
    line: int
    confidence: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """What a finding must share with the label to match it."""
        return (self.check, self.file, self.line)


@dataclass(frozen=True)
class SourceEntry:
    """A file of a sample: its path in the pretend project and its text."""

    path: str
    source: str


@dataclass(frozen=True)
class Sample:
    """One benchmark sample: files, opt-in checks and the labels."""

    id: str
    suite: str
    kind: str
    description: str
    files: tuple[SourceEntry, ...]
    labels: tuple[Label, ...]
    enable: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        """The primary file's path."""
        return self.files[0].path


def _known_credo_checks() -> dict[str, str]:
    """Every Credo check our registry knows (all 69 enabled by default plus opt-ins), with its category."""
    from elixir_coder.analysis.checks import load_checks

    return {name: cls.category for name, cls in load_checks().items()}


def known_checks(suite: str) -> dict[str, str]:
    """Check names a label may use in `suite`, each with its category (Sobelow: its group)."""
    if suite == "credo":
        return _known_credo_checks()
    if suite == "sobelow":
        return {name: name.split(".")[0] for name in SOBELOW_CWE}
    raise SuiteError(f"unknown suite {suite!r} (known: {', '.join(SUITES)})")


def _require(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in doc:
        raise SuiteError(f"{where}: missing field {key!r}")
    if not isinstance(doc[key], kind):
        raise SuiteError(f"{where}: field {key!r} has the wrong type")
    return doc[key]


def parse_sample(doc: Any, suite: str, where: str = "sample") -> Sample:
    """Validate one sample document and build a Sample.

    Args:
        doc: the decoded JSON object.
        suite: `credo` or `sobelow`; decides label fields and known check names.
        where: a name for error messages (the file name).

    Raises SuiteError on a schema violation: a missing field, an unknown check, a label
    whose line lies outside its file, a duplicate extra file, a kind that contradicts the labels.
    """
    if not isinstance(doc, dict):
        raise SuiteError(f"{where}: a sample must be a JSON object")
    sid = _require(doc, "id", str, where)
    if doc.get("suite") != suite:
        raise SuiteError(f"{where}: suite is {doc.get('suite')!r}, expected {suite!r}")
    kind = _require(doc, "kind", str, where)
    if kind not in KINDS:
        raise SuiteError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    files = [SourceEntry(_require(doc, "path", str, where), _require(doc, "source", str, where))]
    for extra in doc.get("extra_files", []):
        if not isinstance(extra, dict):
            raise SuiteError(f"{where}: extra_files entries must be objects")
        files.append(SourceEntry(_require(extra, "path", str, where), _require(extra, "source", str, where)))
    paths = [f.path for f in files]
    if len(set(paths)) != len(paths):
        raise SuiteError(f"{where}: a file path appears twice")
    for p in paths:
        if p.startswith("/") or ".." in Path(p).parts or not p:
            raise SuiteError(f"{where}: file path {p!r} must be relative and stay inside the project")
    line_counts = {f.path: len(f.source.splitlines()) for f in files}
    known = known_checks(suite)
    name_field = "check" if suite == "credo" else "type"
    labels = []
    for i, entry in enumerate(_require(doc, "expected", list, where)):
        at = f"{where}: expected[{i}]"
        if not isinstance(entry, dict):
            raise SuiteError(f"{at} must be an object")
        name = _require(entry, name_field, str, at)
        if name not in known:
            raise SuiteError(f"{at}: unknown {name_field} {name!r}")
        line = _require(entry, "line", int, at)
        file = entry.get("file", files[0].path)
        if file not in line_counts:
            raise SuiteError(f"{at}: file {file!r} is not part of the sample")
        # Sobelow reports whole-configuration findings (HTTPS, HSTS, Vuln.*) at line 0.
        low = 0 if suite == "sobelow" else 1
        if not low <= line <= max(line_counts[file], 1):
            raise SuiteError(f"{at}: line {line} is outside {file} (1-{line_counts[file]})")
        confidence = entry.get("confidence")
        if suite == "sobelow" and confidence not in CONFIDENCES:
            raise SuiteError(f"{at}: confidence must be one of {', '.join(CONFIDENCES)}")
        labels.append(Label(name, file, line, confidence))
    # a near miss may sit beside a real finding; a negative has none, a positive at least one
    if (kind == "positive" and not labels) or (kind == "negative" and labels):
        raise SuiteError(f"{where}: kind {kind!r} but {len(labels)} expected findings")
    enable = tuple(doc.get("enable", ()))
    for name in enable:
        if suite != "credo" or name not in known:
            raise SuiteError(f"{where}: cannot enable {name!r}")
    return Sample(sid, suite, kind, str(doc.get("description", "")), tuple(files), tuple(labels), enable)


def load_suite(suite: str, directory: Path | None = None) -> list[Sample]:
    """All samples of a suite, sorted by id.

    Args:
        suite: `credo` or `sobelow`.
        directory: where the sample JSON files are (default: `benchmarks/data/<suite>/`).
    """
    folder = directory or DATA / suite
    if not folder.is_dir():
        raise SuiteError(f"no sample directory {folder}")
    samples = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SuiteError(f"{path.name}: cannot read: {exc}") from exc
        sample = parse_sample(doc, suite, path.name)
        if sample.id != path.stem:
            raise SuiteError(f"{path.name}: id {sample.id!r} does not match the file name")
        samples.append(sample)
    if not samples:
        raise SuiteError(f"no samples in {folder}")
    return samples


# --- running the analyzer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """One finding of our analyzer, reduced to what the labels hold."""

    check: str
    file: str
    line: int
    confidence: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """What a label must share with the finding to match it."""
        return (self.check, self.file, self.line)


def _write_project(sample: Sample, root: Path) -> None:
    for f in sample.files:
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        # newline="" keeps Windows line endings of a sample as they are
        with target.open("w", encoding="utf-8", newline="") as fh:
            fh.write(f.source)


def run_credo_sample(sample: Sample) -> list[Found]:
    """Our Credo-compatible analyzer on a sample, run like `mix credo --strict` in its project.

    Only files Credo includes by default (`lib/`, `test/`, ...) are analysed; the rest (for
    example `config/config.exs`, which MissedMetadataKeyInLoggerConfig reads) is context.
    """
    from elixir_coder.analysis.credo_config import CredoConfig
    from elixir_coder.analysis.runner import AnalysisOptions, analyze_sources
    from elixir_coder.analysis.source import SourceFile

    config = CredoConfig()
    with tempfile.TemporaryDirectory(prefix="detect-credo-") as tmp:
        root = Path(tmp)
        _write_project(sample, root)
        if not (root / "mix.exs").exists():
            # a Credo run happens in a Mix project; some checks look for its root
            (root / "mix.exs").write_text(_MIX_EXS, encoding="utf-8")
        # absolute names, so that checks which find the project root from a file name find this one
        sources = [SourceFile(str(root / f.path), f.source) for f in sample.files
                   if f.path.endswith((".ex", ".exs")) and config.includes_file(f.path)]
        options = AnalysisOptions(strict=True, enable=sample.enable, sobelow=False)
        result = analyze_sources(sources, root, options, config)
    prefix = str(root) + "/"
    return [Found(i.check, i.filename.removeprefix(prefix), i.line_no or 0) for i in result.issues]


_MIX_EXS = """defmodule Sample.MixProject do
  use Mix.Project

  def project, do: [app: :sample, version: "0.1.0", deps: []]
end
"""


def run_sobelow_sample(sample: Sample) -> list[Found]:
    """Our Sobelow-compatible analyzer on a sample's project (`.ex` files under `lib/` and `web/`)."""
    from elixir_coder.analysis.runner import AnalysisOptions, analyze_sources
    from elixir_coder.analysis.source import SourceFile

    with tempfile.TemporaryDirectory(prefix="detect-sobelow-") as tmp:
        root = Path(tmp)
        _write_project(sample, root)
        sources = [SourceFile(f.path, f.source) for f in sample.files
                   if f.path.endswith(".ex") and f.path.startswith(("lib/", "web/"))]
        result = analyze_sources(sources, root, AnalysisOptions(credo=False, sobelow=True))
    # Vuln.CookieRCE is reported under its rule name Vuln.Plug; labels use the module name
    return [Found(f.type_name if f.type_name != "Vuln.Plug" else "Vuln.CookieRCE", f.file, f.line, f.confidence)
            for f in result.findings]


# --- scoring --------------------------------------------------------------------------------------


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the derived figures."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        """Accumulate another tally into this one."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was reported."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall: 2TP / (2TP + FP + FN); None when all counts are 0."""
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else None

    def to_dict(self) -> dict[str, Any]:
        """Counts and figures, rounded for reports."""
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": r(self.precision), "recall": r(self.recall), "f1": r(self.f1)}


@dataclass
class SampleOutcome:
    """What matched and what did not on one sample."""

    sample_id: str
    matched: list[tuple[str, str, int]] = field(default_factory=list)
    false_positives: list[tuple[str, str, int]] = field(default_factory=list)
    false_negatives: list[tuple[str, str, int]] = field(default_factory=list)
    confidence_mismatches: list[tuple[str, int, str, str | None]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """True when the analyzer reported exactly the labels."""
        return not self.false_positives and not self.false_negatives


def match(labels: Iterable[Label], found: Iterable[Found], sample_id: str = "") -> SampleOutcome:
    """Match findings to labels by (check, file, line), each label at most once.

    Args:
        labels: the ground truth of one sample.
        found: the analyzer's findings on it.
        sample_id: carried into the outcome for reports.
    """
    outcome = SampleOutcome(sample_id)
    want = Counter(label.key for label in labels)
    got = Counter(f.key for f in found)
    for key in sorted(set(want) | set(got)):
        hit = min(want[key], got[key])
        outcome.matched.extend([key] * hit)
        outcome.false_negatives.extend([key] * (want[key] - hit))
        outcome.false_positives.extend([key] * (got[key] - hit))
    conf_found: dict[tuple[str, str, int], list[str | None]] = {}
    for f in found:
        conf_found.setdefault(f.key, []).append(f.confidence)
    for label in labels:
        if label.confidence is None:
            continue
        options = conf_found.get(label.key, [])
        if options and label.confidence not in options:
            outcome.confidence_mismatches.append((label.check, label.line, label.confidence, options[0]))
    return outcome


def tally(outcomes: Iterable[SampleOutcome]) -> dict[str, Counts]:
    """Per-check counts over many samples."""
    per: dict[str, Counts] = {}
    for o in outcomes:
        for attr, kind in (("matched", "tp"), ("false_positives", "fp"), ("false_negatives", "fn")):
            for check, _file, _line in getattr(o, attr):
                counts = per.setdefault(check, Counts())
                setattr(counts, kind, getattr(counts, kind) + 1)
    return per


def group_counts(per_check: dict[str, Counts], group_of: dict[str, str]) -> dict[str, Counts]:
    """Counts summed by group (category, Sobelow group or CWE); unknown checks go to `other`."""
    out: dict[str, Counts] = {}
    for check, counts in per_check.items():
        out.setdefault(group_of.get(check, "other"), Counts()).add(counts)
    return out


def averages(per_key: dict[str, Counts]) -> dict[str, float | None]:
    """Micro (pooled counts) and macro (mean over keys with a defined figure) precision, recall, F1."""
    pooled = Counts()
    for c in per_key.values():
        pooled.add(c)
    out: dict[str, float | None] = {
        "micro_precision": pooled.precision, "micro_recall": pooled.recall, "micro_f1": pooled.f1,
    }
    for name in ("precision", "recall", "f1"):
        values = [v for v in (getattr(c, name) for c in per_key.values()) if v is not None]
        out[f"macro_{name}"] = sum(values) / len(values) if values else None
    return {k: None if v is None else round(v, 4) for k, v in out.items()}


@dataclass
class SuiteResult:
    """Everything a suite run measured."""

    suite: str
    samples: list[Sample]
    outcomes: list[SampleOutcome]
    per_check: dict[str, Counts]
    per_group: dict[str, Counts]
    per_cwe: dict[str, Counts]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def check_averages(self) -> dict[str, float | None]:
        """Micro and macro figures over checks."""
        return averages(self.per_check)

    @property
    def group_averages(self) -> dict[str, float | None]:
        """Macro figures over categories (micro equals the check-level micro)."""
        return averages(self.per_group)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable result."""
        kinds = Counter(s.kind for s in self.samples)
        doc: dict[str, Any] = {
            "suite": self.suite,
            "samples": len(self.samples),
            "kinds": dict(sorted(kinds.items())),
            "labels": sum(len(s.labels) for s in self.samples),
            "exact_samples": sum(o.exact for o in self.outcomes),
            "by_check": {k: v.to_dict() for k, v in sorted(self.per_check.items())},
            "check_averages": self.check_averages,
            "by_category": {k: v.to_dict() for k, v in sorted(self.per_group.items())},
            "category_averages": self.group_averages,
            "disagreements": [
                {"sample": o.sample_id, "missed": [list(k) for k in o.false_negatives],
                 "extra": [list(k) for k in o.false_positives],
                 "confidence": [list(c) for c in o.confidence_mismatches]}
                for o in self.outcomes if not o.exact or o.confidence_mismatches
            ],
            "errors": self.errors,
        }
        if self.per_cwe:
            doc["by_cwe"] = {k: v.to_dict() for k, v in sorted(self.per_cwe.items())}
            doc["cwe_averages"] = averages(self.per_cwe)
            mismatches = sum(len(o.confidence_mismatches) for o in self.outcomes)
            matched = sum(len(o.matched) for o in self.outcomes)
            doc["confidence_agreement"] = round(1 - mismatches / matched, 4) if matched else None
        return doc


def run_suite(suite: str, samples: list[Sample] | None = None) -> SuiteResult:
    """Analyse every sample of a suite and score the findings.

    Args:
        suite: `credo` or `sobelow`.
        samples: the samples to run (default: the shipped suite).
    """
    samples = samples if samples is not None else load_suite(suite)
    runner = run_credo_sample if suite == "credo" else run_sobelow_sample
    outcomes, errors = [], {}
    for sample in samples:
        try:
            found = runner(sample)
        except Exception as exc:  # noqa: BLE001 - a crash on one sample is a result, not the end of the run
            errors[sample.id] = f"{type(exc).__name__}: {exc}"
            found = []
        outcomes.append(match(sample.labels, found, sample.id))
    per_check = tally(outcomes)
    groups = known_checks(suite)
    per_cwe: dict[str, Counts] = {}
    if suite == "sobelow":
        per_cwe = group_counts(per_check, {k: v[0] for k, v in SOBELOW_CWE.items()})
    return SuiteResult(suite, samples, outcomes, per_check, group_counts(per_check, groups), per_cwe, errors)


# --- reports --------------------------------------------------------------------------------------


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _table(title: str, rows: dict[str, Counts], label: str = "check") -> list[str]:
    out = [f"#### {title}", "", f"| {label} | TP | FP | FN | precision | recall | F1 |", "|---|---|---|---|---|---|---|"]
    for key, c in sorted(rows.items()):
        out.append(f"| {key} | {c.tp} | {c.fp} | {c.fn} | {_fmt(c.precision)} | {_fmt(c.recall)} | {_fmt(c.f1)} |")
    return out + [""]


def worst_checks(result: SuiteResult, n: int = 5) -> list[tuple[str, Counts]]:
    """The checks with the lowest F1 (ties: most errors first)."""
    rows = [(k, c) for k, c in result.per_check.items() if c.f1 is not None and c.f1 < 1]
    rows.sort(key=lambda kc: (kc[1].f1 or 0.0, -(kc[1].fp + kc[1].fn), kc[0]))
    return rows[:n]


def suite_markdown(result: SuiteResult) -> list[str]:
    """The report section for one suite."""
    doc = result.to_dict()
    avg, cat = doc["check_averages"], doc["category_averages"]
    name = {"credo": "Credo 1.7 (`--strict`)", "sobelow": "Sobelow 0.13"}[result.suite]
    out = [
        f"## {name}", "",
        f"{doc['samples']} samples ({', '.join(f'{k} {v}' for k, v in doc['kinds'].items())}), "
        f"{doc['labels']} labelled findings; {doc['exact_samples']} samples reproduced exactly.", "",
        "| average | precision | recall | F1 |", "|---|---|---|---|",
        f"| micro (all findings) | {_fmt(avg['micro_precision'])} | {_fmt(avg['micro_recall'])} | {_fmt(avg['micro_f1'])} |",
        f"| macro over checks | {_fmt(avg['macro_precision'])} | {_fmt(avg['macro_recall'])} | {_fmt(avg['macro_f1'])} |",
        f"| macro over categories | {_fmt(cat['macro_precision'])} | {_fmt(cat['macro_recall'])} | {_fmt(cat['macro_f1'])} |",
    ]
    if "cwe_averages" in doc:
        cwe = doc["cwe_averages"]
        out.append(f"| macro over CWEs | {_fmt(cwe['macro_precision'])} | {_fmt(cwe['macro_recall'])} | {_fmt(cwe['macro_f1'])} |")
        out += ["", f"Confidence agrees on {_fmt(doc['confidence_agreement'])} of matched findings."]
    out.append("")
    label = "category" if result.suite == "credo" else "group"
    out += _table(f"By {label}", result.per_group, label)
    if result.per_cwe:
        named = {f"{cwe} {SOBELOW_CWE_NAMES.get(cwe, '')}".strip(): c for cwe, c in result.per_cwe.items()}
        out += _table("By CWE", named, "CWE")
    out += _table("By check", result.per_check)
    if doc["disagreements"]:
        out += ["#### Disagreements (label versus our analyzer)", ""]
        for d in doc["disagreements"]:
            parts = []
            if d["missed"]:
                parts.append("missed " + ", ".join(f"{c} line {ln}" for c, _f, ln in d["missed"]))
            if d["extra"]:
                parts.append("extra " + ", ".join(f"{c} {f}:{ln}" for c, f, ln in d["extra"]))
            if d["confidence"]:
                parts.append("confidence " + ", ".join(f"{c} line {ln}: {want} vs {got}" for c, ln, want, got in d["confidence"]))
            out.append(f"- `{d['sample']}`: " + "; ".join(parts))
        out.append("")
    if result.errors:
        out += ["#### Errors", ""] + [f"- `{k}`: {v}" for k, v in sorted(result.errors.items())] + [""]
    return out


SOBELOW_CWE_NAMES = {cwe: name for cwe, name in SOBELOW_CWE.values()}

# Where a first label and our analyzer disagreed while the suites were written, and what the
# real tools' rules (their source) said. Every disagreement so far was a labelling error.
LABELLING_NOTES = [
    "Credo AliasOrder reports the first alias of an out-of-order pair, not the second (credo_020).",
    "Credo ModuleAttributeNames reports every `@camelCase` use, not only the definition (credo_024, credo_093).",
    "Credo SpaceAfterCommas reports each comma, so two on one line are two issues (credo_034).",
    "Credo WrongTestFilename reports the line of `use ...Case`, not the `defmodule` (credo_092).",
    "A `with` whose last clause is returned unchanged also triggers RedundantWithClauseResult (credo_064).",
    "Sobelow SQL.Query matches `query` only: `Repo.query!` and `SQL.query!` are not reported (sobelow_052, sobelow_020).",
    "Sobelow skips dev.exs, test.exs and their .secret variants for config checks (sobelow_066).",
    "Sobelow Traversal.FileModule does not list `File.rm_rf!` (sobelow_069).",
    "Sobelow treats a `~c` sigil argument as a variable (only `~s` and `~e` are literals) (sobelow_106).",
    "Sobelow Config.CSWH reports a `check_origin` list of hosts at low confidence (sobelow_111).",
]


def write_report(results: list[SuiteResult], directory: Path = REPORTS) -> tuple[Path, Path]:
    """Write `detection.md` and `detection.json` for the given suite results."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "detection.json"
    doc = {"suites": {r.suite: r.to_dict() for r in results}, "cwe_mapping": {k: v[0] for k, v in SOBELOW_CWE.items()}}
    json_path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Detection benchmarks: Credo and Sobelow",
        "",
        "How closely our analyzer reproduces the real tools on hand-written samples "
        "(`benchmarks/data/credo/`, `benchmarks/data/sobelow/`). Labels come from the tools' rules; a finding "
        "matches a label when check (or Sobelow type), file and line agree. Micro figures pool all findings; "
        "macro figures average per check, per category, or per CWE. Regenerate with `elixir-coder bench credo` "
        "and `elixir-coder bench sobelow`; the machine-readable figures are in `detection.json`.",
        "",
    ]
    for r in results:
        lines += suite_markdown(r)
        uncovered = sorted(set(known_checks(r.suite)) - {lb.check for s in r.samples for lb in s.labels})
        if uncovered:
            lines += [f"Checks without a labelled finding in this suite: {', '.join(uncovered)}.", ""]
    lines += ["## Labelling notes", "",
              "Disagreements met while labelling, settled by reading the tools' rules:", ""]
    lines += [f"- {note}" for note in LABELLING_NOTES] + [""]
    md_path = directory / "detection.md"
    md_path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return md_path, json_path


def summary(result: SuiteResult) -> str:
    """A few lines for the terminal."""
    avg, cat = result.check_averages, result.group_averages
    lines = [
        f"{result.suite}: {len(result.samples)} samples, {sum(len(s.labels) for s in result.samples)} labels, "
        f"{sum(o.exact for o in result.outcomes)} reproduced exactly",
        f"  micro P/R/F1 {_fmt(avg['micro_precision'])}/{_fmt(avg['micro_recall'])}/{_fmt(avg['micro_f1'])}; "
        f"macro F1 over checks {_fmt(avg['macro_f1'])}, over categories {_fmt(cat['macro_f1'])}",
    ]
    if result.per_cwe:
        lines.append(f"  macro F1 over CWEs {_fmt(averages(result.per_cwe)['macro_f1'])}")
    worst = worst_checks(result)
    if worst:
        lines.append("  worst: " + ", ".join(f"{k} F1 {_fmt(c.f1)}" for k, c in worst))
    if result.errors:
        lines.append(f"  {len(result.errors)} samples crashed the analyzer")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: run suites, print summaries, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", default="all", choices=(*SUITES, "all"))
    parser.add_argument("--no-report", action="store_true", help="print figures only")
    args = parser.parse_args(argv)
    return run_and_report(SUITES if args.suite == "all" else (args.suite,), write=not args.no_report)


def run_and_report(suites: Iterable[str], write: bool = True, output: str | None = None) -> int:
    """Run suites, print a summary of each and write the reports; 1 when a sample file is invalid.

    Args:
        suites: suite names to run.
        write: write `docs/reports/detection.md` and `.json`.
        output: also write this run's JSON here.
    """
    try:
        results = [run_suite(s) for s in suites]
    except SuiteError as exc:
        print(f"elixir-coder: {exc}")
        return 1
    for r in results:
        print(summary(r))
    if write:
        # the report covers every suite; the others are rerun (in process, about a second each)
        ran = {r.suite for r in results}
        try:
            everything = results + [run_suite(s) for s in SUITES if s not in ran]
        except SuiteError as exc:
            print(f"elixir-coder: {exc}")
            return 1
        md, js = write_report(sorted(everything, key=lambda r: SUITES.index(r.suite)))
        print(f"wrote {md} and {js}")
    if output:
        Path(output).write_text(json.dumps({r.suite: r.to_dict() for r in results}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
