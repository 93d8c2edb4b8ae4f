"""A call-site rule: one dangerous function and the argument Sobelow follows into it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One dangerous call: which module/function, which argument, and how the module is matched.

    `match` is "strict" (the alias must be exactly `module`), "last" (the alias's last
    segment), "erlang" (an Erlang module atom) or "local" (an unqualified call).
    """

    check: str
    module: str
    function: str
    index: int
    match: str
    title: str | None = None
