"""Sobelow Remote code execution (RCE.*) finding types, one per module."""
