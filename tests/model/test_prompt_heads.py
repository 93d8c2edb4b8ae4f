"""Prompt heads served from CTranslate2's static-prompt cache: where a head ends, the bound on
their number, and the same completions as without the cache (real CTranslate2 models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from elixir_coder.model.prompt_heads import MIN_HEAD_TOKENS, PromptHeads

REPO = Path(__file__).resolve().parents[2]
NL = "ĊĠĠ"  # a newline token (byte-level BPE spelling, with the next line's indentation)


def test_the_head_ends_at_the_last_newline_before_the_cursor_line() -> None:
    heads = PromptHeads(frozenset({NL}), limit=4)
    body = [f"t{i}" for i in range(MIN_HEAD_TOKENS)]
    prompt = body + [NL, "x", "Ġ=", NL, "y", "Ġ="]
    assert heads.head_length([prompt]) == len(prompt) - 2  # up to the newline before `y =`
    assert heads.head_length([prompt], within=len(prompt) - 3) == MIN_HEAD_TOKENS + 1
    assert heads.head_length([[NL, "x"] * 10]) == 0  # too short to be worth an entry
    # A batch shares the head only when every prompt starts with it.
    assert heads.head_length([prompt, prompt + ["z"]]) == len(prompt) - 2
    assert heads.head_length([prompt, ["other"] + prompt]) == 0
    # PSM fill-in-the-middle: the text after the cursor (after <fim_suffix>) holds newlines too.
    psm = PromptHeads(frozenset({NL}), limit=4, fim_suffix="<fim_suffix>")
    fim = ["<fim_prefix>", *prompt, "<fim_suffix>", NL, "end", NL, "<fim_middle>"]
    assert psm.head_length([fim]) == len(prompt) - 1
    assert PromptHeads(frozenset({NL}), limit=0).head_length([prompt]) == 0  # off


def test_heads_are_bounded_by_reloading() -> None:
    heads = PromptHeads(frozenset({NL}), limit=2)
    assert not heads.admit(("a",)) and not heads.admit(("b",)) and not heads.admit(("a",))
    assert heads.admit(("c",)) and heads.reloads == 1  # a third head: reload, then count from it
    assert not heads.admit(("c",)) and not heads.admit(("d",)) and heads.admit(("e",))


@pytest.fixture(scope="module")
def engines():
    from elixir_coder.model.engine import Engine

    plain = Engine(REPO / "model" / "default" / "base")
    cached = Engine(REPO / "model" / "default" / "base", prompt_heads=2)
    yield plain, cached
    plain.close()
    cached.close()


def test_cached_heads_give_the_same_completions_as_without(engines) -> None:
    from elixir_coder.model.engine import GenerationRequest

    plain, cached = engines
    source = (REPO / "docs" / "examples" / "shopping_cart.ex").read_text()
    lines = source.split("\n")
    typed = 0
    for row in range(8, min(len(lines), 30), 3):  # several lines: more heads than the bound
        line = lines[row]
        for k in range(len(line) - len(line.lstrip()), len(line) + 1, 4):  # typing the line
            prefix = "\n".join(lines[:row] + [line[:k]])
            suffix = line[k:] + "\n" + "\n".join(lines[row + 1:])
            for constrained in (False, True):
                req = GenerationRequest(prefix=prefix, suffix=suffix, max_tokens=12, stop_at_newline=True,
                                        prompt_budget=192, constrained=constrained)
                assert [c.text for c in cached.generate(req)] == [c.text for c in plain.generate(req)]
                typed += 1
    assert typed > 20 and cached.heads.reloads >= 1  # reloaded on the way, and still the same


def test_a_failed_background_reload_keeps_the_generator_and_allows_the_next_one(engines, monkeypatch) -> None:
    from elixir_coder.model.manifest import ModelDirectoryError

    _, cached = engines
    before = cached._gen

    def broken() -> None:
        raise ModelDirectoryError("model directory went away")

    monkeypatch.setattr(cached, "_load_generator", broken)
    cached._reloading.set()  # as `_reload_in_background` leaves it for its thread
    cached._reload_generator()
    assert cached._gen is before and not cached._reloading.is_set()
