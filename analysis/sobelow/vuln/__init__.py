"""Sobelow Known vulnerable dependencies (Vuln.*) finding types, one per module."""
