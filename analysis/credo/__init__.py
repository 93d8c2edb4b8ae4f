"""Credo-compatible checks, one module per Credo category."""
