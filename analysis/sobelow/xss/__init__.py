"""Sobelow Cross-site scripting (XSS.*) finding types, one per module."""
