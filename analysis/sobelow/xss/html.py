"""XSS.HTML: a value reaching `Controller.html`."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [
    Rule("XSS.HTML", "Controller", "html", 1, "last"),
    Rule("XSS.HTML", "", "html", 1, "local"),
]
