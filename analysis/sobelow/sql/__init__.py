"""Sobelow SQL injection (SQL.*) finding types, one per module."""
