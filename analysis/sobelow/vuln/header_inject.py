"""Vuln.HeaderInject: Plug versions with header injection."""

from __future__ import annotations

from ..advisory import Advisory

ADVISORY = Advisory("Vuln.HeaderInject", "plug", "Plug", "Header Injection", "TBA",
                    ranges=(("1.3.0", "1.3.4"), ("1.2.0", "1.2.4"), ("1.1.0", "1.1.8"), (None, "1.0.5")))
