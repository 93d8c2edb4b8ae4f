"""The end-to-end suite's pieces: every ElixirEval prompt becomes a generation site; the summary's rates."""

from __future__ import annotations

from elixir_coder.assist.generate import find_site
from elixir_coder.benchmarks.elixir_eval import load_suite
from elixir_coder.benchmarks.end_to_end import FlowResult, problem_document, summarise


def test_every_elixir_eval_prompt_is_a_generation_site():
    for problem in load_suite():
        text, line = problem_document(problem)
        site = find_site(text, line)
        if "defmacro " in text.split("\n")[line]:
            continue  # macros are not generation sites; the runner reports them as such
        assert site is not None, problem.id
        function = problem.entry_point.rsplit(".", 1)[-1].split("/")[0]
        assert site.name in (None, function), (problem.id, site.name)


def test_summary_rates_and_percentiles():
    rows = [FlowResult(f"P{i}", "function", i % 2 == 0, 0.5, 2, i < 3, 1 + (i == 0), i == 0, "passed" if i == 0
                       else "assertion_failure", 100.0 * (i + 1), 200.0, 80.0) for i in range(4)]
    s = summarise(rows)
    assert (s["asked_rate"], s["delivered_clean_rate"], s["success_rate"]) == (0.5, 0.75, 0.25)
    assert s["mean_rounds"] == 1.25 and s["outcomes"] == {"assertion_failure": 3, "passed": 1}
    assert s["total_ms_p50"] == 500.0 and s["rss_mb_max"] == 80.0
