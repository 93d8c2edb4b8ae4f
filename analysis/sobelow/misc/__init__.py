"""Sobelow Misc.* finding types, one per module."""
