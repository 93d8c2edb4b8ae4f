"""Constrained decoding: the lark lexical grammar, the delimiter / block stack, and decoding with real tiny models."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from elixir_coder.model.constraints import CodeState, Verdict, lex

REPO = Path(__file__).resolve().parents[2]


def end_frames(text: str) -> list[str]:
    """What is open at the end of `text` read whole (literals by mode name)."""
    state = CodeState.from_text("")
    assert state.advance(text) != Verdict.REJECT
    state.finish()
    return [f if isinstance(f, str) else f.name for f in state._end_stack]


def feed(prefix: str, completion: str, step: int = 1) -> tuple[CodeState, list[Verdict]]:
    """A state after the prefix, fed the completion `step` characters at a time, then finished."""
    state = CodeState.from_text(prefix)
    verdicts = []
    for i in range(0, len(completion), step):
        verdicts.append(state.advance(completion[i:i + step]))
        if verdicts[-1] == Verdict.REJECT:
            return state, verdicts
    verdicts.append(state.finish())
    return state, verdicts


def kinds(text: str) -> list[tuple[str, str]]:
    return [(k, v) for _, k, v in lex(text) if k != "WS"]


# --- the lexical grammar -----------------------------------------------------------------------


def test_heredocs_close_only_at_line_start() -> None:
    doc = '@doc """\n  Has """ inside and ends with a continuation \\\n  """\nx = 1\n'
    assert end_frames(doc) == []
    assert end_frames('@doc """\n  text """ more\n') == ['literal"""']
    assert end_frames("x = '''\n  charlist heredoc\n  '''\n") == []
    assert end_frames('~S"""\n  raw \\#{not interp}\n  """ <> x\n') == []
    # Text after a heredoc opener on its line is malformed: rejected, not silently accepted.
    state, verdicts = feed("x = ", '"""oops\n')
    assert verdicts[-1] == Verdict.REJECT and state.reject_at == 3


@pytest.mark.parametrize("opener,closer", [("/", "/"), ("|", "|"), ('"', '"'), ("'", "'"), ("(", ")"),
                                           ("[", "]"), ("{", "}"), ("<", ">")])
def test_sigils_with_every_delimiter(opener: str, closer: str) -> None:
    body = f"a \\{closer} b"  # an escaped closer does not close
    assert end_frames(f"~r{opener}{body}{closer}iu") == []
    assert end_frames(f"~S{opener}{body}{closer}") == []
    assert end_frames(f"~w{opener}a b") == [f"sigil{closer}"]
    # Lower-case sigils interpolate, and interpolation nests strings that interpolate again.
    nested = f'~s{opener}x #{{"y#{{[?{closer}, "#{{1}}"]}}"}} z{closer}'
    assert end_frames(nested) == []
    # Upper-case sigils do not: `#{` is text and the closer inside it closes the sigil.
    assert [k for k, _ in kinds(f"~S{opener}#{{{closer}")] == ["SIGIL_OPEN", "TEXT", "CLOSE"]


def test_sigil_delimiters_do_not_nest_and_multi_letter_sigils() -> None:
    # As in Elixir: ~s(a(b)c) ends at the first `)`, `c` is its modifier and the last `)` is code.
    assert kinds("~s(a(b)c)")[-2:] == [("CLOSE", ")c"), ("RPAR", ")")]
    assert end_frames("~HTML[<p>x</p>]") == []
    assert end_frames('~D[2020-01-01] ~T"""\n"""') == []


def test_strings_charlists_atoms_and_interpolation() -> None:
    assert end_frames('"a#{"b#{c}"}d"') == []
    assert end_frames('"open #{') == ['literal"', "#{"]
    assert end_frames("'charlist #{x}'") == []
    assert end_frames(':"quoted atom" :\'single\' :ok :<<>> :{} :"a#{1}"') == []
    assert kinds(':end :do "end" :fn')[0] == ("ATOM", ":end")
    assert end_frames('"escaped \\" quote"') == []
    assert end_frames('x = "unfinished') == ['literal"']


def test_comments_chars_keywords_and_calls() -> None:
    # `end` and `)` in comments, strings, char literals, atoms and keywords close nothing.
    assert end_frames("# end ) ]\nfoo(?), ?], ?\\), \"end)\", end: 1, do: 2)") == []
    assert end_frames("if x, do: y, else: z") == []
    assert end_frames("if x do\n  y\nelse\n  z\nend") == []
    assert end_frames("x.end") == []  # a call named end, not the keyword
    assert end_frames("valid?(x) && ending(y) && done(z) && fns") == []
    assert end_frames("<<a::binary, b <<< 2, c >>> 1>>") == []
    assert end_frames("%{a: [1, {2, 3}], b: <<1>>}") == []


def test_nested_fn_do_end() -> None:
    code = "defmodule A do\n  def f(xs) do\n    Enum.map(xs, fn x ->\n      case x do\n        1 -> fn -> :one end\n        _ -> x\n      end\n    end)\n  end\nend\n"
    assert end_frames(code) == []
    assert end_frames(code[: code.index("case")]) == ["do", "do", "(", "fn"]


def test_pieces_give_the_same_state_as_whole_text() -> None:
    # Random cuts (through `end`, heredoc closers, `<<<`, sigil openers) never change the result.
    sources = [REPO / "docs" / "examples" / "shopping_cart.ex"]
    sources += sorted((REPO / "training" / "data").rglob("*.ex"))[:25]
    rng = random.Random(7)
    for path in sources:
        src = path.read_text(encoding="utf-8")
        assert end_frames(src) == [], path
        for _ in range(3):
            state, verdicts = feed("", src, step=rng.randint(1, 7))
            assert Verdict.REJECT not in verdicts, (path, src[max(0, (state.reject_at or 0) - 30):][:60])
            assert state._end_stack == () and not state.degraded


def test_real_elixir_agrees_on_lexical_errors() -> None:
    if shutil.which("elixir") is None:
        pytest.skip("elixir is not installed")
    prefix = "defmodule A do\n  def f(x) do\n    "
    completions = [
        "g(x)\n  end\nend\n", "g(x))\n  end\nend\n", "[x]]\n  end\nend\n", 'IO.puts("a)")\n  end\nend\n',
        "fn y -> y end\n  end\nend\n", "fn y -> y end)\n  end\nend\n", "x\n  end\nend\nend\n",
        "~r/a)/\n  end\nend\n", "~r(a))\n  end\nend\n", "?)\n  end\nend\n", "%{a: 1}}\n  end\nend\n",
        "<<1>>\n  end\nend\n", "<<1>>>>\n  end\nend\n", "x # )\n  end\nend\n", "'a' ++ ')'\n  end\nend\n",
        '"""\n  a\n  """\n  end\nend\n', '"""x\n  a\n  """\n  end\nend\n', "[do: 1, end: 2]\n  end\nend\n",
    ]
    script = (
        "IO.read(:stdio, :eof) |> String.split(<<0>>) |> Enum.each(fn s -> "
        "IO.puts(match?({:ok, _}, Code.string_to_quoted(s))) end)"
    )
    out = subprocess.run(["elixir", "-e", script], input="\0".join(prefix + c for c in completions),
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    elixir_ok = [line == "true" for line in out]
    ours = []
    for c in completions:
        state, verdicts = feed(prefix, c, step=3)
        ours.append(Verdict.REJECT not in verdicts and not state.in_literal)
    assert ours == elixir_ok, json.dumps(list(zip(completions, ours, elixir_ok, strict=True)), indent=1)


# --- verdicts against the cursor ------------------------------------------------------------------


def test_closer_never_opened_is_rejected_at_its_lexeme() -> None:
    state, verdicts = feed("def f(x) do\n  ", "x)")
    assert verdicts[-1] == Verdict.REJECT and state.reject_at == 1
    # `end` waits for the next character (it might become `ending`), then is rejected where it starts.
    state = CodeState.from_text("x = 1\n")
    assert state.advance("end") == Verdict.OK
    assert state.advance("\n") == Verdict.REJECT and state.reject_at == 0
    assert CodeState.from_text("x = 1\n").advance("ending = 2\n") == Verdict.OK
    # A word the prefix began: `en` + `d` is the completion's `end`, rejected from offset 0.
    state = CodeState.from_text("x = 1\nen")
    assert state.advance("d") == Verdict.OK and state.finish() == Verdict.REJECT and state.reject_at == 0
    # On REJECT the state is unchanged, so another piece can be tried from it.
    state = CodeState.from_text("foo(")
    snapshot = state.copy()
    assert state.advance("]") == Verdict.REJECT
    assert state.advance(")") == Verdict.CLOSED_ENCLOSING and snapshot.advance("1)") == Verdict.CLOSED_ENCLOSING


def test_closing_what_was_open_at_the_cursor() -> None:
    state, verdicts = feed("def f(x) do\n  ", "x + 1\nend\n")
    assert Verdict.CLOSED_ENCLOSING in verdicts
    assert state.closed_kind == "do" and state.closed_at == len("x + 1\nend")
    # A block the completion opens and closes itself is not the enclosing one.
    state, verdicts = feed("def f(x) do\n  ", "if x do\n    1\n  end\n")
    assert Verdict.CLOSED_ENCLOSING not in verdicts and state.complete and state.closed_at is None
    state, _ = feed("Enum.map(xs, fn x -> ", "x * 2 end)")
    assert state.closed_kind == "fn" and state.closed_at == len("x * 2 end")
    state, _ = feed("foo(a, ", "b)")
    assert state.closed_kind == "(" and state.closed_at == 2
    # The prefix's own final `end` is not the completion's doing.
    state, verdicts = feed("def f do\n  1\nend", "\n")
    assert verdicts == [Verdict.OK, Verdict.OK] and state.closed_at is None


def test_complete_points_and_literals() -> None:
    state = CodeState.from_text("x = ")
    state.advance('"abc')
    assert state.in_literal and not state.complete
    state.advance('" <> foo(')
    assert not state.in_literal and not state.complete
    state.advance("1)")
    assert state.complete and state.depth == 0
    # The cursor inside a string: text that stays in it is complete; closing it closes the enclosing.
    state = CodeState.from_text('IO.puts("hel')
    assert state.advance("lo") == Verdict.OK and state.complete and not state.in_literal
    assert state.advance('")') == Verdict.CLOSED_ENCLOSING and state.closed_kind == "literal"
    state = CodeState.from_text("x = ")
    state.advance('"a#{b')
    assert state.in_literal and not state.complete


def test_broken_prefix_degrades_to_unconstrained() -> None:
    truncated = CodeState.from_text("    :ok\n  end\nend\n")
    assert truncated.degraded and truncated.advance(")") == Verdict.OK and truncated.advance("\nend\n") == Verdict.OK
    mismatched = CodeState.from_text("foo([1, 2)")
    assert mismatched.degraded and mismatched.advance("]]]") == Verdict.OK
    rng = random.Random(3)
    alphabet = "()[]{}<>\"'`~#?:\\ \n\tdoendfn%sSr/|x1"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        state = CodeState.from_text(text[: len(text) // 2])
        for ch in text[len(text) // 2:]:
            state.advance(ch)  # never raises, whatever the verdict
        state.finish()
    assert CodeState.from_text("").advance("\ufffd\x00") == Verdict.OK


def test_step_cost_is_small() -> None:
    src = (REPO / "docs" / "examples" / "shopping_cart.ex").read_text(encoding="utf-8")
    state = CodeState.from_text(src[:200])
    rest = src[200:]
    started = time.perf_counter()
    steps = 0
    for i in range(0, len(rest), 4):
        state.advance(rest[i:i + 4])
        steps += 1
    per_step_ms = (time.perf_counter() - started) * 1000 / steps
    assert per_step_ms < 0.5, per_step_ms  # ~0.01 ms here; generous for a loaded machine


# --- decoding with real tiny CTranslate2 models ---------------------------------------------------


def build_bigram_model(out_dir: Path, table: dict[str | None, list[tuple[str, float]]]) -> Path:
    """A real Llama checkpoint whose next token depends only on the current one, exported to CTranslate2.

    Attention and MLP outputs are zero, so the residual stream is the token's embedding; each
    token in `table` gets its own embedding direction and the LM head scores the listed next
    tokens for that direction (None: every other token). Greedy decoding then follows the
    table, and a suppressed first choice falls to the second: a model whose mistakes are known.
    """
    torch = pytest.importorskip("torch")
    from tiny_models import tiny_manifest, train_tiny_tokenizer
    from tokenizers import Tokenizer
    from transformers import LlamaConfig, LlamaForCausalLM

    from elixir_coder.training.export import export_model

    hf = out_dir / "hf"
    train_tiny_tokenizer(hf)
    vocab = Tokenizer.from_file(str(hf / "tokenizer.json")).get_vocab()
    hidden = 32
    config = LlamaConfig(vocab_size=300, hidden_size=hidden, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         bos_token_id=0, eos_token_id=0, pad_token_id=1, tie_word_embeddings=False)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.norm.weight.fill_(1.0)
        emb = model.model.embed_tokens.weight
        head = model.lm_head.weight
        emb.zero_()
        head.zero_()
        emb[:, 0] = 1.0
        for k, (current, nexts) in enumerate(table.items()):
            direction = 0 if current is None else k + 1
            if current is not None:
                emb[vocab[current]] = 0.0
                emb[vocab[current], direction] = 1.0
            for token, logit in nexts:
                # RMSNorm turns a unit one-hot into sqrt(hidden) along it.
                head[vocab[token], direction] = logit / hidden**0.5
    model.save_pretrained(hf)
    return export_model(hf, out_dir / "ct2", manifest=tiny_manifest())


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from elixir_coder.model.engine import Engine

    tables: dict[str, dict[str | None, list[tuple[str, float]]]] = {
        # `)` first and `x` second, but after `x` more `x`.
        "paren": {None: [(")", 10.0), ("x", 6.0)], "x": [("x", 10.0), (")", 6.0)]},
        # Always `)` first, `x` second: every position needs a retry.
        "stubborn": {None: [(")", 10.0), ("x", 6.0)]},
        # ` end` first, a newline second.
        "end": {None: [("Ġend", 10.0), ("Ċ", 6.0)]},
        # Opens a string and never closes it.
        "string": {None: [('"', 10.0), ("x", 6.0)], '"': [("a", 10.0)], "a": [("a", 10.0)]},
    }
    return {name: Engine(build_bigram_model(tmp_path_factory.mktemp(name), table))
            for name, table in tables.items()}


def assert_valid(prefix: str, text: str) -> None:
    state = CodeState.from_text(prefix)
    assert state.advance(text) != Verdict.REJECT and state.finish() != Verdict.REJECT, (prefix, text)
    assert not state.in_literal, (prefix, text)


def test_rejected_tokens_are_retried(models: dict) -> None:
    from elixir_coder.model.constrained import MAX_RETRIES, ConstrainedCompletion
    from elixir_coder.model.engine import GenerationRequest

    engine = models["paren"]
    plain = engine.generate(GenerationRequest(prefix="x = ", max_tokens=6))[0]
    assert plain.text.startswith(")")  # what the model wants: closes something never opened
    assert CodeState.from_text("x = ").advance(plain.text) == Verdict.REJECT
    # The first token is rejected: a one-token pass with `)` banned, then decoding goes on.
    out = engine.generate(GenerationRequest(prefix="x = ", max_tokens=6, constrained=True))
    assert len(out) == 1 and isinstance(out[0], ConstrainedCompletion)
    c = out[0]
    assert c.text == "xxxxxx" and c.retries == 1 and c.rejected == (")",)
    assert c.token_ids == [engine.tokenizer.token_id("x")] * 6 and c.finish_reason == "length"
    assert_valid("x = ", c.text)
    # With a paren open at the cursor the first `)` is fine (it closes it), the second is not: the
    # pass restarts one token earlier with the pair [`)`, `)`] banned.
    plain = engine.generate(GenerationRequest(prefix="foo(", max_tokens=5, stop_at_newline=True))[0]
    assert plain.text == ")))))"
    c = engine.generate(GenerationRequest(prefix="foo(", max_tokens=5, stop_at_newline=True, constrained=True))[0]
    assert c.text == ")xxxx" and c.rejected == (")",) and c.retries == 1
    assert_valid("foo(", c.text)
    # A model that errs at every position runs out of retries and keeps what was valid.
    c = models["stubborn"].generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True))[0]
    assert c.retries == MAX_RETRIES and c.finish_reason == "stop"
    assert c.text and set(c.text) == {"x"} and len(c.token_ids) == len(c.text)


def test_a_spent_retry_budget_cuts_before_the_rejected_text_instead_of_decoding_again(models: dict) -> None:
    from elixir_coder.model.constrained import MAX_RETRIES, PASSES_BEFORE_BUDGET
    from elixir_coder.model.engine import GenerationRequest

    # A model that errs at every position: without a budget it retries until MAX_RETRIES.
    engine = models["stubborn"]
    unbounded = engine.generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True))[0]
    assert unbounded.retries == MAX_RETRIES and unbounded.passes > PASSES_BEFORE_BUDGET
    # A spent budget: the first passes run (two retries always do), then the rejected `)` is cut.
    spent = engine.generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True, retry_budget_ms=0.0))[0]
    assert spent.passes == PASSES_BEFORE_BUDGET and spent.retries < unbounded.retries
    assert spent.text and set(spent.text) == {"x"} and spent.finish_reason == "stop"
    assert_valid("x = ", spent.text)
    # A retry within what always runs: a spent budget changes nothing there.
    paren = models["paren"]
    once = paren.generate(GenerationRequest(prefix="foo(", max_tokens=5, stop_at_newline=True, constrained=True,
                                            retry_budget_ms=0.0))[0]
    assert once.text == ")xxxx" and once.retries == 1
    # A spent deadline stops even the floor: the first pass's text, cut before the rejected `)`.
    late = engine.generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True, retry_deadline_ms=0.0))[0]
    assert late.passes == 1 and late.text == "" and late.finish_reason == "stop"
    # A budget that is not spent changes nothing.
    roomy = engine.generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True,
                                              retry_budget_ms=60_000.0))[0]
    assert roomy.text == unbounded.text and roomy.passes == unbounded.passes


def test_block_completion_stops_at_the_enclosing_end(models: dict) -> None:
    from elixir_coder.model.engine import GenerationRequest

    engine = models["end"]
    prefix = "def f(x) do\n  x"
    c = engine.generate(GenerationRequest(prefix=prefix, max_tokens=10, constrained=True))[0]
    assert c.text == " end" and c.closed_enclosing and c.finish_reason == "stop"
    # Nothing open: each `end` is rejected once the next token shows it is the keyword; the pair
    # [newline, ` end`] banned, only newlines remain.
    c = engine.generate(GenerationRequest(prefix="x = 1", max_tokens=6, constrained=True))[0]
    assert "end" not in c.text and c.retries >= 1 and "Ġend" in c.rejected
    assert_valid("x = 1", c.text)


def test_open_string_is_trimmed(models: dict) -> None:
    from elixir_coder.model.engine import GenerationRequest

    engine = models["string"]
    plain = engine.generate(GenerationRequest(prefix="x = ", max_tokens=8))[0]
    assert plain.text.startswith('"a')  # left open
    c = engine.generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True))[0]
    assert c.text == "" and c.trimmed == len(plain.text)
    # Inside a string at the cursor, staying inside it is fine.
    c = engine.generate(GenerationRequest(prefix='x = "', max_tokens=4, constrained=True))[0]
    assert c.text == '"' or c.trimmed == 0


def test_sampled_and_beam_hypotheses_are_all_valid(models: dict) -> None:
    from elixir_coder.model.engine import GenerationRequest

    for name, prefix in (("paren", "x = "), ("end", "y = 2\n"), ("string", "z = "), ("paren", "[1, (")):
        engine = models[name]
        sampled = engine.generate(GenerationRequest(prefix=prefix, max_tokens=8, temperature=1.5,
                                                    num_hypotheses=4, constrained=True))
        assert len(sampled) == 4
        beams = engine.generate(GenerationRequest(prefix=prefix, max_tokens=8, num_hypotheses=2, constrained=True))
        assert 1 <= len(beams) <= 2
        for c in sampled + beams:
            assert_valid(prefix, c.text)


def test_cancelled_constrained_generation(models: dict) -> None:
    from elixir_coder.model.engine import GenerationRequest

    c = models["paren"].generate(GenerationRequest(prefix="x = ", max_tokens=8, constrained=True,
                                                   cancelled=lambda: True))[0]
    assert c.finish_reason == "cancelled" and c.text == ""


def test_constraint_reads_healed_spaces_as_typed(tmp_path: Path) -> None:
    # The prompt `x = ` is healed to `x =` for the model. `>` `>` after `x =` lexes as `=>` `>`,
    # but the user gets `x = >>`: a `>>` that closes nothing, which the constraint must refuse.
    from elixir_coder.model.engine import Engine, GenerationRequest

    engine = Engine(build_bigram_model(tmp_path, {None: [(">", 10.0), ("x", 6.0)], ">": [(">", 10.0), ("x", 6.0)],
                                                  "x": [("x", 10.0)]}))
    assert engine.generate(GenerationRequest(prefix="x = ", max_tokens=2))[0].text == ">>"
    c = engine.generate(GenerationRequest(prefix="x = ", max_tokens=2, constrained=True))[0]
    assert c.text != ">>"  # here trimmed away: `>>` at the end is held back and never settled
    assert_valid("x = ", c.text)
    beams = engine.generate(GenerationRequest(prefix="x = ", max_tokens=2, num_hypotheses=2, constrained=True))
    for b in beams:
        assert_valid("x = ", b.text)


def test_trimming_checks_the_cut_text(models: dict) -> None:
    # A token that is half a UTF-8 character is held back, and a word held back at a token's end
    # (` end`) may grow into another (` endum`): neither may leave a cut where the text read
    # alone is invalid. Here a roll-back happens after a half character, then a string is opened
    # and never closed; trimming must not end inside it.
    from elixir_coder.model.constrained import _Runner
    from elixir_coder.model.engine import GenerationRequest

    engine = models["paren"]
    tok = engine.tokenizer
    runner = _Runner(engine, GenerationRequest(prefix="x = ", max_tokens=8))
    hyp = runner.new_hyp()
    lead_byte = tok.token_id("Ã")  # byte 0xC3 alone: the first half of a two-byte character
    ids = [lead_byte, tok.token_id("x"), tok.token_id("x"), tok.token_id(")")]
    assert [runner._on_piece(hyp, i, None) for i in ids] == [False, False, False, True]
    assert len(hyp.ends) == len(hyp.ids) and hyp.reject_at is not None
    assert runner.roll_back(hyp)  # the `)` goes, and the `x` before it (it is generated again)
    assert len(hyp.ends) == len(hyp.ids) == 2
    for i in (tok.token_id('"'), tok.token_id("a")):  # a string opened and never closed
        runner._on_piece(hyp, i, None)
    c = runner.finish(hyp, 0.0)
    assert c.text == "\ufffdx" and c.trimmed == 2
    assert_valid("x = ", c.text)
    # A block completion `x( endum`: `(` stays open, so it is trimmed; cutting after ` end`
    # would leave an `end` that closes the `do` while `(` is open.
    runner = _Runner(engine, GenerationRequest(prefix="if a do\n  ", max_tokens=8))
    hyp = runner.new_hyp()
    for piece in ("x", "(", "Ġend", "um"):
        assert not runner._on_piece(hyp, tok.token_id(piece), None)
    c = runner.finish(hyp, 0.0)
    assert c.text == "x"
    assert_valid("if a do\n  ", c.text)
