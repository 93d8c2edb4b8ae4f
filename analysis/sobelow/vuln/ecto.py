"""Vuln.Ecto: the Ecto version missing the `is_nil` requirement."""

from __future__ import annotations

from ..advisory import Advisory

ADVISORY = Advisory("Vuln.Ecto", "ecto", "Ecto", "Missing `is_nil` requirement",
                    "TBA - https://groups.google.com/forum/#!topic/elixir-ecto/0m4NPfg_MMU", ranges=(("2.2.0", "2.2.0"),))
