"""The seeded fuzz campaign of `benchmarks/robustness.py` in its short mode (the long one: ELIXIR_CODER_FUZZ=long).

Properties: the server stays alive, every request is answered exactly once within 5 s, and no
traceback reaches the log.
"""

from __future__ import annotations

import os
from pathlib import Path

from elixir_coder.benchmarks.robustness import run_documents, run_protocol

LONG = os.environ.get("ELIXIR_CODER_FUZZ") == "long"


def test_protocol_and_framing_fuzz(tmp_path: Path) -> None:
    tally = run_protocol(10_000 if LONG else 300, seed=18, home=tmp_path)
    assert tally.ok, tally
    assert tally.requests >= (6000 if LONG else 150)


def test_hostile_document_fuzz(tmp_path: Path) -> None:
    tally = run_documents(400 if LONG else 15, seed=18, home=tmp_path)
    assert tally.ok, tally
    assert tally.cases == (400 if LONG else 15)
