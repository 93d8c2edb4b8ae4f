"""What constrained decoding costs: per-token state time and per-completion overhead with the shipped model.

Run: `python -m elixir_coder.benchmarks.constraints_cost [--prompts 50] [--model model/default/base]`.
Cursors are taken at line starts and mid-line points of Elixir files in docs/examples and
training/data; each cursor is completed unconstrained and constrained (greedy, one line and a
block), and the figures are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from elixir_coder.model.constraints import CodeState, Verdict
from elixir_coder.model.engine import Engine, GenerationRequest

REPO = Path(__file__).resolve().parents[1]


def cursors(n: int, seed: int = 0) -> list[str]:
    """`n` prefixes (text before a cursor) from the repository's Elixir files."""
    files = sorted((REPO / "docs" / "examples").glob("*.ex")) + sorted((REPO / "training" / "data").rglob("*.ex"))
    rng = random.Random(seed)
    out = []
    while files and len(out) < n:
        src = rng.choice(files).read_text(encoding="utf-8")
        lines = src.splitlines(keepends=True)
        if len(lines) < 4:
            continue
        i = rng.randrange(2, len(lines))
        head = "".join(lines[:i])
        line = lines[i]
        # Half at the indentation of a line, half in the middle of it.
        cut = len(line) - len(line.lstrip()) if rng.random() < 0.5 else rng.randrange(len(line))
        out.append(head + line[:cut])
    return out


def state_cost(prefixes: list[str]) -> tuple[float, float, float]:
    """(from_text ms per KB of prefix, µs per advance of one ~4-character piece, pieces per second)."""
    init_ms, init_kb, steps, step_s = 0.0, 0.0, 0, 0.0
    for prefix in prefixes:
        started = time.perf_counter()
        state = CodeState.from_text(prefix)
        init_ms += (time.perf_counter() - started) * 1000
        init_kb += len(prefix) / 1000
        rest = prefix[-400:]  # feed back real code piece by piece
        started = time.perf_counter()
        for i in range(0, len(rest), 4):
            state.advance(rest[i:i + 4])
            steps += 1
        step_s += time.perf_counter() - started
    return init_ms / max(init_kb, 1e-9), step_s / max(steps, 1) * 1e6, steps / max(step_s, 1e-9)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--model", type=Path, default=REPO / "model" / "default" / "base")
    args = parser.parse_args()
    prefixes = cursors(args.prompts)
    CodeState.from_text('~s(x) ~S"y" """\n"""')  # build the lark lexers once, outside the timings
    per_kb, per_step_us, rate = state_cost(prefixes)
    print(f"state: from_text {per_kb:.2f} ms per KB of prefix; advance {per_step_us:.1f} µs per piece "
          f"(~4 chars), {rate:,.0f} pieces/s")
    engine = Engine(args.model)
    for multiline, max_tokens in ((False, 32), (True, 64)):
        plain_ms, cons_ms, state_ms, tokens = [], [], [], 0
        retries = rejected_plain = closed = trimmed = changed = 0
        for prefix in prefixes:
            base = GenerationRequest(prefix=prefix, max_tokens=max_tokens, stop_at_newline=not multiline)
            engine.generate(base)  # warm the prompt path for this prefix
            started = time.perf_counter()
            plain = engine.generate(base)[0]
            plain_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            cons = engine.generate(GenerationRequest(prefix=prefix, max_tokens=max_tokens,
                                                     stop_at_newline=not multiline, constrained=True))[0]
            cons_ms.append((time.perf_counter() - started) * 1000)
            state_ms.append(getattr(cons, "constraint_ms", 0.0))
            tokens += len(cons.token_ids)
            retries += getattr(cons, "retries", 0)
            closed += bool(getattr(cons, "closed_enclosing", False))
            trimmed += bool(getattr(cons, "trimmed", 0))
            changed += cons.text != plain.text
            check = CodeState.from_text(prefix)
            if check.advance(plain.text) == Verdict.REJECT or check.finish() == Verdict.REJECT:
                rejected_plain += 1
        n = len(prefixes)
        kind = "block (64 tokens)" if multiline else "line (32 tokens, stop at newline)"
        print(f"\n{kind}, {n} cursors, greedy:")
        print(f"  latency ms: unconstrained median {statistics.median(plain_ms):.1f} mean {statistics.fmean(plain_ms):.1f}"
              f" | constrained median {statistics.median(cons_ms):.1f} mean {statistics.fmean(cons_ms):.1f}")
        print(f"  state time per completion: median {statistics.median(state_ms):.2f} ms, mean "
              f"{statistics.fmean(state_ms):.2f} ms, reading the prefix included ({sum(state_ms) / max(tokens, 1) * 1000:.1f} µs per token)")
        print(f"  unconstrained outputs the state rejects: {rejected_plain}/{n}; constrained retries: {retries}; "
              f"stopped at an enclosing close: {closed}; trimmed: {trimmed}; text differs: {changed}/{n}")


if __name__ == "__main__":
    main()
