"""Benchmark data sets, runners, statistics and reports."""
