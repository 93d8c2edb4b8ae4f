"""The last published analysis of one document: what diagnostics, hover and explain read back."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types as lsp

from elixir_coder.analysis.runner import AnalysisResult


@dataclass
class Analysed:
    """The last published analysis of one document."""

    version: int | None
    text: str
    result: AnalysisResult | None
    name: str
    diagnostics: list[lsp.Diagnostic] = field(default_factory=list)
