"""Vuln.Coherence: Coherence versions with permissive parameters (privilege escalation)."""

from __future__ import annotations

from ..advisory import Advisory

ADVISORY = Advisory("Vuln.Coherence", "coherence", "Coherence", "Permissive parameters and privilege escalation",
                    "TBA - https://github.com/smpallen99/coherence/issues/270", ranges=((None, "0.5.1"),))
