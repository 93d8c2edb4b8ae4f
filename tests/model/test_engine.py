"""The CTranslate2 engine: greedy, sampled, beams, streaming, stops, cancellation, corrupt directories."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elixir_coder.model.engine import Engine, GenerationRequest, line_end
from elixir_coder.model.manifest import ModelDirectoryError

pytest.importorskip("torch")

PREFIX = "defmodule Greeter do\n  def hello(name) do\n    "
SUFFIX = "\n  end\nend\n"


@pytest.fixture(scope="module")
def engine(tiny_model: Path) -> Engine:
    return Engine(tiny_model)


def test_greedy_is_deterministic_with_summed_log_prob(engine: Engine) -> None:
    req = GenerationRequest(prefix=PREFIX, suffix=SUFFIX, max_tokens=16)
    a, b = engine.generate(req)[0], engine.generate(req)[0]
    assert a.token_ids == b.token_ids and len(a.token_ids) >= 1 and a.finish_reason in {"length", "eos"}
    assert a.tokens == [engine.tokenizer.id_to_token(i) for i in a.token_ids]
    assert a.text == engine.tokenizer.decode(a.token_ids)
    # The reported log-probability is the sum over the generated tokens.
    scored = engine.score(engine.prompt_tokens(req) + a.tokens)
    assert a.log_prob == pytest.approx(sum(scored[-len(a.tokens):]), abs=0.05)


def test_sampled_hypotheses_and_beams(engine: Engine) -> None:
    sampled = engine.generate(GenerationRequest(prefix="x = ", max_tokens=16, temperature=1.0, num_hypotheses=4))
    assert len(sampled) == 4
    # CTranslate2 samples in its own worker threads, so samples are independent, not seed-repeatable.
    assert len({tuple(c.token_ids) for c in sampled}) >= 2
    beams = engine.generate(GenerationRequest(prefix=PREFIX, suffix=SUFFIX, max_tokens=8, num_hypotheses=3))
    assert 1 <= len(beams) <= 3 and len({c.text for c in beams}) == len(beams)
    scores = [c.log_prob for c in beams]
    assert scores == sorted(scores, reverse=True)


def test_stop_at_end_of_line_and_stop_strings(engine: Engine) -> None:
    for temperature, n in ((0.0, 1), (1.0, 6), (0.0, 3)):
        outs = engine.generate(GenerationRequest(prefix="x = ", max_tokens=40, temperature=temperature,
                                                 num_hypotheses=n, stop_at_newline=True))
        for c in outs:
            assert line_end(c.text) == len(c.text)  # no newline after the line's content
            if c.finish_reason == "stop" and temperature > 0:
                # The callback ended generation at the newline token: nothing was generated past it.
                assert "\n" in engine.tokenizer.decode(c.token_ids[-1:])
    outs = engine.generate(GenerationRequest(prefix="x = ", max_tokens=40, temperature=1.0, num_hypotheses=6,
                                             stop=(" ",)))
    for c in outs:
        assert " " not in c.text
        if c.finish_reason == "stop":
            assert " " in engine.tokenizer.decode(c.token_ids)


def test_warm_up_leaves_generation_unchanged(engine: Engine) -> None:
    req = GenerationRequest(prefix="defmodule A do\n  def f(x) do\n    ", max_tokens=12)
    before = engine.generate(req)[0].text
    assert engine.warm_up() > 0
    assert engine.generate(req)[0].text == before


def test_line_end_skips_leading_blank_lines() -> None:
    assert line_end("foo\nbar") == 3
    assert line_end("\n    foo(x)\n  end") == len("\n    foo(x)")
    assert line_end("\n\n  ") == 4 and line_end("") == 0


def test_stream_matches_generate_and_stops(engine: Engine) -> None:
    req = GenerationRequest(prefix="defmodule ", max_tokens=10)
    pieces = list(engine.stream(req))
    assert "".join(pieces) == engine.generate(req)[0].text and len(pieces) >= 1
    line = GenerationRequest(prefix=PREFIX, suffix=SUFFIX, max_tokens=30, stop_at_newline=True)
    assert "".join(engine.stream(line)) == engine.generate(line)[0].text
    sampled = "".join(engine.stream(GenerationRequest(prefix="x", max_tokens=20, temperature=1.0, stop=("e",))))
    assert "e" not in sampled
    # Closing the iterator early stops decoding and frees the engine for the next request.
    it = engine.stream(GenerationRequest(prefix="x", max_tokens=50))
    next(it, None)
    it.close()
    assert engine.generate(GenerationRequest(prefix="x", max_tokens=2))[0].token_ids


def test_cancellation_between_steps(engine: Engine) -> None:
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    out = engine.generate(GenerationRequest(prefix="x", max_tokens=50, cancelled=cancelled))[0]
    assert out.finish_reason == "cancelled" and len(out.token_ids) <= 4
    assert list(engine.stream(GenerationRequest(prefix="x", max_tokens=50, cancelled=lambda: True))) == []


def test_prompt_fits_the_context(engine: Engine) -> None:
    huge = "".join(f"  def f{i}(a), do: a + {i}\n" for i in range(2000))
    req = GenerationRequest(prefix=huge, suffix=huge, max_tokens=32)
    assert len(engine.prompt_tokens(req)) <= engine.context_length - 32
    assert len(engine.prompt_tokens(GenerationRequest(prefix=huge, max_tokens=32, prompt_budget=50))) <= 50
    assert engine.generate(req)[0].token_ids


def test_corrupt_model_dirs_are_refused_clearly(tiny_model: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(tiny_model, bad)
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(ModelDirectoryError, match="unreadable manifest.json"):
        Engine(bad)
    (bad / "manifest.json").write_text('{"name": "x"}')
    with pytest.raises(ModelDirectoryError, match="manifest lacks"):
        Engine(bad)
    (bad / "manifest.json").unlink()
    with pytest.raises(ModelDirectoryError, match="manifest.json missing"):
        Engine(bad)
    shutil.copy(tiny_model / "manifest.json", bad / "manifest.json")
    (bad / "model.bin").write_bytes(b"")
    with pytest.raises(ModelDirectoryError, match="model.bin missing or empty"):
        Engine(bad)
    (bad / "model.bin").write_bytes((tiny_model / "model.bin").read_bytes()[:1000])
    with pytest.raises(ModelDirectoryError, match="CTranslate2 cannot load"):
        Engine(bad)
    shutil.copy(tiny_model / "model.bin", bad / "model.bin")
    (bad / "tokenizer.json").write_text('{"half": ')
    with pytest.raises(ModelDirectoryError, match="tokenizer.json is not valid JSON"):
        Engine(bad)
    with pytest.raises(ModelDirectoryError, match="no such model directory"):
        Engine(tmp_path / "absent")


def test_spaces_ending_a_started_line_are_healed():
    from elixir_coder.model.engine import Completion, GenerationRequest, heal_trailing_spaces, unheal

    healed, removed = heal_trailing_spaces(GenerationRequest(prefix="defmodule A do\n  x = "))
    assert healed.prefix == "defmodule A do\n  x =" and removed == " "
    assert heal_trailing_spaces(GenerationRequest(prefix="do\n    "))[1] == ""  # indentation only: no healing
    assert heal_trailing_spaces(GenerationRequest(prefix="x ="))[1] == ""
    assert unheal(Completion(" 1 + 2"), " ").text == "1 + 2"
    assert unheal(Completion("\n  y"), " ").text == "\n  y"


def test_shipped_model_completes_after_a_typed_space():
    from elixir_coder.model.engine import Engine, GenerationRequest
    from elixir_coder.model.registry import SHIPPED_DEFAULT

    engine = Engine(SHIPPED_DEFAULT / "base")
    try:
        (completion,) = engine.generate(GenerationRequest(
            prefix="defmodule Shop.Worker do\n  use GenServer\n\n  @impl ", max_tokens=8, stop_at_newline=True))
        assert completion.text.strip() and not completion.text.startswith(" ")
    finally:
        engine.close()
