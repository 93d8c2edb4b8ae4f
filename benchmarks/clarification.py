"""The clarification benchmark: does the server ask when (and only when) a request is ambiguous, and does
the answer help?

50 prompts written for this project (`data/clarification/CL*.json`), half ambiguous, each a
module with a `@doc`, a `@spec` and an empty `def`. Ambiguous ones carry the ideal question,
the ideal answers and the intended one; the ExUnit tests check the intended behaviour. For
each prompt the runner samples candidates and lets `server.clarify` decide (ask or proceed),
then generates with `server.generate.generate_checked` twice: without any answer, and with
the intended answer in the prompt (as the clarification flow would put it). It reports
detection precision and recall, pass@1 of the delivered function without and with the
answer, and McNemar's exact test on the paired outcomes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from elixir_coder.assist.clarify import assess, clarification_comment
from elixir_coder.assist.generate import Model, Site, find_site, generate_checked

from .execution import ExecutionLimits, run_solution
from .schema import SuiteError
from .stats import mcnemar_from_outcomes

DATA_DIR = Path(__file__).resolve().parent / "data" / "clarification"
REPORT = Path(__file__).resolve().parent.parent / "docs" / "reports" / "clarification.md"
_FIELDS = {"id", "needs_clarification", "category", "entry_point", "prompt", "ideal_question", "ideal_answers",
           "intended_answer", "reference", "tests"}


@dataclass(frozen=True)
class Item:
    """One benchmark prompt (see `data/clarification/README.md` for the fields)."""

    id: str
    needs_clarification: bool
    category: str | None
    entry_point: str
    prompt: str
    ideal_question: str | None
    ideal_answers: list[str]
    intended_answer: str | None
    reference: str
    tests: str

    def site(self) -> Site:
        """The empty `def` of the prompt as a generation site."""
        line = next(i for i, ln in enumerate(self.prompt.split("\n")) if ln.lstrip().startswith("def "))
        site = find_site(self.prompt, line)
        if site is None:
            raise SuiteError(f"{self.id}: the prompt has no empty def to generate")
        return site


def load_suite(path: Path | None = None) -> list[Item]:
    """Load and validate every `CL*.json` file; all errors are reported at once.

    Raises:
        SuiteError: a file is missing fields, has unknown ones, or is inconsistent.
    """
    root = path or DATA_DIR
    files = sorted(root.glob("CL*.json"))
    if not files:
        raise SuiteError(f"no CL*.json files in {root}")
    items, errors = [], []
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            errors.append(f"{f.name}: {exc}")
            continue
        if not isinstance(doc, dict) or set(doc) != _FIELDS:
            errors.append(f"{f.name}: fields must be exactly {sorted(_FIELDS)}")
            continue
        if doc["needs_clarification"] and (not doc["ideal_question"] or doc["intended_answer"] not in doc["ideal_answers"]):
            errors.append(f"{f.name}: an ambiguous item needs ideal_question and an intended_answer among ideal_answers")
            continue
        items.append(Item(**doc))
    if errors:
        raise SuiteError("; ".join(errors))
    return items


def run_reference(items: list[Item], limits: ExecutionLimits | None = None) -> dict[str, str]:
    """Run each reference solution against its tests; returns {id: outcome} (all must be `passed`)."""
    return {it.id: run_solution(it.reference, it.tests, limits).outcome for it in items}


@dataclass
class ItemResult:
    """What happened on one prompt."""

    id: str
    needs_clarification: bool
    asked: bool
    entropy: float
    clusters: list[int]
    category: str | None
    question: str | None
    passed_without: bool
    passed_with: bool
    generated_without: bool
    generated_with: bool


@dataclass
class Result:
    """Figures over the suite."""

    model: str
    items: list[ItemResult] = field(default_factory=list)
    duration_s: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        """Detection precision/recall and pass@1 without/with the intended answer."""
        tp = sum(1 for r in self.items if r.asked and r.needs_clarification)
        fp = sum(1 for r in self.items if r.asked and not r.needs_clarification)
        fn = sum(1 for r in self.items if not r.asked and r.needs_clarification)
        amb = [r for r in self.items if r.needs_clarification]

        def rate(values: list[bool]) -> float:
            return sum(values) / len(values) if values else 0.0

        test = mcnemar_from_outcomes([r.passed_without for r in amb], [r.passed_with for r in amb]) if amb else None
        return {
            "items": len(self.items), "ambiguous": len(amb),
            "asked": tp + fp, "true_positives": tp, "false_positives": fp, "false_negatives": fn,
            "precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / (tp + fn) if tp + fn else 0.0,
            "pass1_without_answer": rate([r.passed_without for r in amb]),
            "pass1_with_answer": rate([r.passed_with for r in amb]),
            "pass1_all_without_answer": rate([r.passed_without for r in self.items]),
            "generated_clean_without": rate([r.generated_without for r in amb]),
            "generated_clean_with": rate([r.generated_with for r in amb]),
            "mcnemar_p": getattr(test, "p_value", None),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable result."""
        return {"suite": "clarification", "model": self.model, "duration_s": round(self.duration_s, 1),
                "settings": self.settings, "figures": self.figures(), "items": [asdict(r) for r in self.items]}


def _passes(item: Item, text: str | None, limits: ExecutionLimits | None) -> bool:
    return text is not None and run_solution(text, item.tests, limits).passed


def evaluate(model: Model, items: list[Item], model_id: str, *, n: int = 8, temperature: float = 0.8,
             entropy_threshold: float = 0.5, clusters_threshold: int = 3, max_repairs: int = 1,
             limits: ExecutionLimits | None = None,
             progress: Callable[[int, int], None] | None = None) -> Result:
    """Run the benchmark with a model (see the module docstring).

    Args:
        model: the backend (`Engine` or `RemoteEngine`).
        items: the suite.
        model_id: recorded in the result.
        n / temperature: samples per assessment and per generation round.
        entropy_threshold / clusters_threshold: the server's `clarifyEntropy` / `clarifyClusters`.
        max_repairs: repair rounds per generation.
        limits: sandbox limits for the tests.
        progress: called with (done, total).
    """
    started = time.perf_counter()
    result = Result(model_id, settings={"samples": n, "temperature": temperature, "clarifyEntropy": entropy_threshold,
                                        "clarifyClusters": clusters_threshold, "maxRepairs": max_repairs})
    for k, item in enumerate(items, start=1):
        site = item.site()
        a = assess(model, site, n, temperature, entropy_threshold, clusters_threshold)
        without = generate_checked(model, site, n=n, temperature=temperature, max_repairs=max_repairs,
                                   first=a.ordered_candidates())
        if item.needs_clarification and item.intended_answer:
            extra = clarification_comment(site, f"{item.ideal_question} {item.intended_answer}.")
            with_answer = generate_checked(model, site, n=n, temperature=temperature, max_repairs=max_repairs,
                                           extra=extra)
        else:
            with_answer = without
        passed_without = _passes(item, without.edited_text, limits)
        passed_with = passed_without if with_answer is without else _passes(item, with_answer.edited_text, limits)
        result.items.append(ItemResult(
            item.id, item.needs_clarification, a.ask, round(a.entropy, 4), [c.size for c in a.clustering.clusters],
            a.question.category if a.question else None, a.question.text if a.question else None,
            passed_without, passed_with, without.ok, with_answer.ok))
        if progress is not None:
            progress(k, len(items))
    result.duration_s = time.perf_counter() - started
    return result


def render_report(result: Result) -> str:
    """The markdown report's measured section."""
    f = result.figures()
    lines = [
        f"Model `{result.model}`, {f['items']} prompts ({f['ambiguous']} ambiguous), settings "
        + ", ".join(f"{k} {v}" for k, v in result.settings.items()) + f"; {result.duration_s:.0f} s.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| asked | {f['asked']} of {f['items']} |",
        f"| detection precision | {f['precision']:.2f} ({f['true_positives']} TP, {f['false_positives']} FP) |",
        f"| detection recall | {f['recall']:.2f} ({f['false_negatives']} FN) |",
        f"| pass@1 on ambiguous prompts, no answer | {f['pass1_without_answer']:.2f} |",
        f"| pass@1 on ambiguous prompts, intended answer given | {f['pass1_with_answer']:.2f} |",
        f"| McNemar exact p (paired, ambiguous prompts) | "
        f"{'n/a' if f['mcnemar_p'] is None else format(f['mcnemar_p'], '.3f')} |",
        f"| pass@1 on all prompts, no answer | {f['pass1_all_without_answer']:.2f} |",
        f"| clean function delivered (ambiguous, without / with answer) | {f['generated_clean_without']:.2f} / "
        f"{f['generated_clean_with']:.2f} |",
        "",
        "| id | ambiguous | asked | entropy | clusters | question category |",
        "|---|---|---|---|---|---|",
    ]
    for r in result.items:
        lines.append(f"| {r.id} | {'yes' if r.needs_clarification else 'no'} | {'yes' if r.asked else 'no'} | "
                     f"{r.entropy:.2f} | {r.clusters} | {r.category or ''} |")
    return "\n".join(lines) + "\n"


def write_report(result: Result, path: Path = REPORT) -> None:
    """Replace the measured section (between the markers) of the report, keeping its prose."""
    start, end = "<!-- measured:start -->", "<!-- measured:end -->"
    text = path.read_text(encoding="utf-8") if path.is_file() else f"# Clarification benchmark\n\n{start}\n{end}\n"
    if start not in text or end not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{render_report(result)}{end}{tail}", encoding="utf-8")
