"""Vuln.PlugNull: Plug versions with the null byte injection in Plug.Static."""

from __future__ import annotations

from ..advisory import Advisory
from ._plug import PLUG_OLD

ADVISORY = Advisory("Vuln.PlugNull", "plug", "Plug", "Null Byte Injection in Plug.Static", "CVE-2017-1000052",
                    exact=PLUG_OLD)
