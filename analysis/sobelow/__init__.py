"""Sobelow-compatible security checks."""
