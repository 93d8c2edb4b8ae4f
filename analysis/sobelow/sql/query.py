"""SQL.Query: a value reaching `SQL.query` / `Repo.query` (SQL injection)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [
    Rule("SQL.Query", "SQL", "query", 1, "last"),
    Rule("SQL.Query", "", "query", 1, "local"),
    Rule("SQL.Query", "Repo", "query", 0, "last"),
    Rule("SQL.Query", "", "query", 0, "local"),
]
