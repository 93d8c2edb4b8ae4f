"""What one module offers to callers: its public functions (name, arity, first doc line) and struct fields.

The common currency of the API index (server/api_index.py): project modules, `deps/` sources,
Elixir's standard library and Erlang modules all become `ModuleApi` values, whatever they were
read from. A module is `open` when code we cannot see may add functions to it (`use`,
`@before_compile`, `def unquote(...)`): completion then leaves calls to it unconstrained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .workspace_index import ModuleInfo

# Every module answers these, whatever its source says.
UNIVERSAL_FUNCTIONS = ("module_info", "__info__")
_STRUCT_LIST = re.compile(r"^\s*def(?:struct|exception)\s*(?:\(\s*)?(\[.*?\]|[^\n]+)", re.S | re.M)
_ATOM = re.compile(r":([a-z_]\w*[?!]?)|\b([a-z_]\w*[?!]?):(?!:)")
_SCHEMA = re.compile(r"^\s*(?:embedded_)?schema\b", re.M)
_SCHEMA_FIELD = re.compile(
    r"^\s*(field|belongs_to|has_many|has_one|many_to_many|embeds_one|embeds_many)\s*\(?\s*:([a-z_]\w*)", re.M)
_TIMESTAMPS = re.compile(r"^\s*timestamps\b", re.M)
# Code that defines functions the source does not spell out.
_GENERATED_DEFS = re.compile(r"\bdef(?:macro)?p?\s+unquote\b|@before_compile\b|\bdefoverridable\b")


@dataclass(frozen=True)
class ApiFunction:
    """One arity of a callable function or macro."""

    name: str
    arity: int
    kind: str = "def"  # "def" | "defmacro"
    doc: str | None = None  # the first line of @doc
    hidden: bool = False  # @doc false


@dataclass(frozen=True)
class ModuleApi:
    """A module as callers see it.

    Args:
        name: `Enum`, `MyApp.Accounts`, or an Erlang module as written in Elixir (`:lists`).
        functions: public functions and macros, one entry per arity.
        fields: struct fields (None: not a struct).
        open: functions may exist that the source does not show (calls stay unconstrained).
        origin: "project" | "deps" | "stdlib" | "erlang".
    """

    name: str
    functions: tuple[ApiFunction, ...] = ()
    fields: tuple[str, ...] | None = None
    open: bool = False
    origin: str = "project"

    @cached_property
    def names(self) -> frozenset[str]:
        """Function names callable as `Module.name` (any arity)."""
        return frozenset(f.name for f in self.functions) | frozenset(UNIVERSAL_FUNCTIONS)

    def arities(self, name: str) -> list[int]:
        """The arities `name` is defined with."""
        return sorted({f.arity for f in self.functions if f.name == name})

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the on-disk cache."""
        return {"name": self.name, "open": self.open, "origin": self.origin, "fields": self.fields,
                "functions": [[f.name, f.arity, f.kind, f.doc, f.hidden] for f in self.functions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleApi:
        """The inverse of `to_json`."""
        fields = data.get("fields")
        return cls(data["name"], tuple(ApiFunction(n, a, k, d, h) for n, a, k, d, h in data["functions"]),
                   tuple(fields) if fields is not None else None, bool(data.get("open")), data.get("origin", "project"))


def struct_fields(body: str) -> tuple[str, ...] | None:
    """Fields of the struct a module body defines (`defstruct` or an Ecto `schema`), None if none.

    Args:
        body: the module's source text.
    """
    match = _STRUCT_LIST.search(body)
    if match:
        fields = [a or k for a, k in _ATOM.findall(match.group(1))]
        return tuple(dict.fromkeys(fields))
    if not _SCHEMA.search(body):
        return None
    fields = ["__meta__", "id"]
    for macro, name in _SCHEMA_FIELD.findall(body):
        fields.append(name)
        if macro == "belongs_to":
            fields.append(f"{name}_id")
    if _TIMESTAMPS.search(body):
        fields += ["inserted_at", "updated_at"]
    return tuple(dict.fromkeys(fields))


def module_api(info: ModuleInfo, body: str, origin: str = "project") -> ModuleApi:
    """The callable surface of an indexed module.

    Args:
        info: the index's facts about the module.
        body: the module's own source lines (for struct fields and generated definitions).
        origin: where the module comes from.
    """
    functions = tuple(ApiFunction(f.name, f.arity, f.kind, f.doc, f.hidden) for f in info.functions if f.public)
    if "defexception" in body:
        functions += (ApiFunction("exception", 1), ApiFunction("message", 1))
    fields = struct_fields(body)
    if fields is not None:
        functions += (ApiFunction("__struct__", 0), ApiFunction("__struct__", 1))
    is_open = bool(info.uses) or bool(_GENERATED_DEFS.search(body)) or "before_compile" in info.attributes
    return ModuleApi(info.name, functions, fields, is_open, origin)


def module_body(text: str, info: ModuleInfo) -> str:
    """The lines of `text` that belong to `info` (1-based, inclusive)."""
    lines = text.split("\n")
    return "\n".join(lines[max(0, info.line - 1): info.end_line])
