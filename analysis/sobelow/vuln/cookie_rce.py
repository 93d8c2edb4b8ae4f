"""Vuln.CookieRCE (Sobelow's rule Vuln.Plug): Plug versions with code execution in cookie serialization."""

from __future__ import annotations

from ..advisory import Advisory
from ._plug import PLUG_OLD

ADVISORY = Advisory("Vuln.CookieRCE", "plug", "Plug", "Arbitrary Code Execution in Cookie Serialization",
                    "CVE-2017-1000053", exact=PLUG_OLD)
