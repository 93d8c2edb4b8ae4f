"""DOS.StringToAtom: `String.to_atom` on a value (atoms are never garbage collected)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [Rule("DOS.StringToAtom", "String", "to_atom", 0, "strict")]
