"""The planted secrets live with the robustness benchmark; the fuzz tests import them from here."""

from elixir_coder.benchmarks.planted_secrets import MODULE_HEAD, MODULE_TAIL, SECRETS, cursors, leaked

__all__ = ["MODULE_HEAD", "MODULE_TAIL", "SECRETS", "cursors", "leaked"]
