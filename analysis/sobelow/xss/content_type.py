"""XSS.ContentType: a value reaching `put_resp_content_type`."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [
    Rule("XSS.ContentType", "Conn", "put_resp_content_type", 1, "last"),
    Rule("XSS.ContentType", "", "put_resp_content_type", 1, "local"),
]
