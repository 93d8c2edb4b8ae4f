"""The last published analysis of one document: what diagnostics, hover and explain read back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from elixir_coder.analysis.runner import AnalysisResult

if TYPE_CHECKING:
    from .features.code_actions import FixCache


@dataclass
class Analysed:
    """The last published analysis of one document."""

    version: int | None
    text: str
    result: AnalysisResult | None
    name: str
    diagnostics: list[lsp.Diagnostic] = field(default_factory=list)
    fixes: FixCache | None = None  # quick fixes computed so far for this analysis
