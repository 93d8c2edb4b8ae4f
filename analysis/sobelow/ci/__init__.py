"""Sobelow Command injection (CI.*) finding types, one per module."""
