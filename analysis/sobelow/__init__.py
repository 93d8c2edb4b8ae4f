"""Sobelow-compatible security checks: one finding type per module in a package per group (`xss/raw.py`
is XSS.Raw), with the call-site, config and dependency machinery they share beside the groups."""
