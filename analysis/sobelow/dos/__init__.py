"""Sobelow Atom exhaustion (DOS.*) finding types, one per module."""
