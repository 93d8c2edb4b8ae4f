"""Plug versions before the 1.3.2 / 1.2.3 / 1.1.7 / 1.0.4 security releases (two advisories share them)."""

from __future__ import annotations

PLUG_OLD = tuple("1.3.1 1.3.0 1.2.2 1.2.1 1.2.0 1.1.6 1.1.5 1.1.4 1.1.3 1.1.2 1.1.1 1.1.0 1.0.3 1.0.2 1.0.1 1.0.0".split())
