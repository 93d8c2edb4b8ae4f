"""The raw LSP client lives with the robustness benchmark; the fuzz tests import it from here."""

from elixir_coder.benchmarks.raw_lsp import RawServer, frame

__all__ = ["RawServer", "frame"]
