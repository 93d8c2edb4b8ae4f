"""DOS.BinToAtom: `:erlang.binary_to_atom` on a value, and atoms built by interpolation (`:"a#{b}"`)."""

from __future__ import annotations

from ..call_rule import Rule

RULES = [Rule("DOS.BinToAtom", ":erlang", "binary_to_atom", 0, "erlang")]

# An interpolated quoted atom or keyword is a `binary_to_atom` call after compilation.
INTERPOLATED_ATOM_TYPES = ("quoted_atom", "quoted_keyword")
