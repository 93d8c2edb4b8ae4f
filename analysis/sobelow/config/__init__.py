"""Sobelow Configuration (Config.*) finding types, one per module."""
