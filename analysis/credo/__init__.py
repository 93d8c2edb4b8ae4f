"""Credo-compatible checks: a package per Credo category, one module per check (`readability/large_numbers.py`)."""
