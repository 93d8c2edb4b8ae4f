"""Vuln.Redirect: Phoenix versions with the arbitrary URL redirect."""

from __future__ import annotations

from ..advisory import Advisory

_AFFECTED = "1.0.0 1.0.1 1.0.2 1.0.3 1.0.4 1.1.0 1.1.1 1.1.2 1.1.3 1.1.4 1.1.5 1.1.6 1.2.0 1.2.1 1.3.0-rc.0".split()

ADVISORY = Advisory("Vuln.Redirect", "phoenix", "Phoenix", "Arbitrary URL Redirect", "TBA", exact=tuple(_AFFECTED))
