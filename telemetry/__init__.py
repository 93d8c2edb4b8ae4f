"""Feedback store (SQLite), events, privacy, metrics and exporters."""
