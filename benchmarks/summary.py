"""The summary plot of docs/reports/benchmarks.md, drawn from the suites' JSON reports.

Run: `python -m elixir_coder.benchmarks.summary` after the suites (it reads `docs/reports/*.json`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).resolve().parent.parent / "docs" / "reports"


def _load(name: str) -> dict[str, Any]:
    return json.loads((REPORTS / name).read_text())


def figures() -> list[tuple[str, float | None, float]]:
    """(suite label, reference or ground-truth score, shipped model's score) per suite."""
    ee = _load("elixir_eval_model.json")["pass_at_k"]
    e2e = _load("end_to_end.json")["summary"]
    tg = _load("test_gen_model.json")["summary"]
    comp = _load("completion.json")["server"]["int8-constrained"]["quality"]["single"]
    return [
        ("ElixirEval\npass@1", 1.0, float(ee["1"]["estimate"])),
        ("ElixirEval\npass@10", 1.0, float(ee["10"]["estimate"])),
        ("End-to-end\nsuccess", None, float(e2e["success_rate"])),
        ("Test-gen\nmutation score", float(tg["ground_truth"]["mean_mutation_score"]),
         float(tg["generated"]["mean_mutation_score"])),
        ("Completion\nnext-line EM", None, float(comp["exact_match"])),
        ("Completion\nedit similarity", None, float(comp["edit_similarity"])),
    ]


def main() -> int:
    """Draw docs/reports/benchmarks.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = figures()
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    xs = list(range(len(rows)))
    ax.bar([x - 0.2 for x in xs], [r[1] or 0.0 for r in rows], width=0.4, label="reference / ground truth")
    ax.bar([x + 0.2 for x in xs], [r[2] for r in rows], width=0.4, label="shipped model 0.1.0 (5.8M parameters)")
    ax.set_xticks(xs, [r[0] for r in rows], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.legend(fontsize=8)
    ax.set_title("Benchmark suites: references against the shipped default model")
    fig.tight_layout()
    fig.savefig(REPORTS / "benchmarks.png", dpi=110)
    for label, ref, got in rows:
        print(f"{label.replace(chr(10), ' ')}: reference {ref}, model {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
