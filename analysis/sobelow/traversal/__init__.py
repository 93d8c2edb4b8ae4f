"""Sobelow Directory traversal (Traversal.*) finding types, one per module."""
