"""Design.AliasUsage: Calls through nested module names (`Foo.Bar.baz()`) that an `alias Foo.Bar`
would shorten."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from tree_sitter import Node

from ...ast import call_args, call_names, calls_named
from ...checks import CheckContext, CredoCheck, register
from ...issues import Issue
from ...source import SourceFile
from ...terms import Regex

_EXCLUDED_NAMESPACES = ["File", "IO", "Inspect", "Kernel", "Macro", "Supervisor", "Task", "Version"]


_EXCLUDED_LASTNAMES = (
    "Access Agent Application Atom Base Behaviour Bitwise Code Date DateTime Dict Enum Exception File Float "
    "GenEvent GenServer HashDict HashSet Integer IO Kernel Keyword List Macro Map MapSet Module NaiveDateTime "
    "Node OptionParser Path Port Process Protocol Range Record Regex Registry Set Stream String StringIO "
    "Supervisor System Task Time Tuple URI Version"
).split()


def _only_matches(name: str, pattern: object) -> bool:
    """The `only:` param: a regex searched in the module name, or a module (itself or a namespace)."""
    if isinstance(pattern, Regex):
        return pattern.compile().search(name) is not None
    module = str(pattern).removeprefix("Elixir.").removeprefix(":")
    return name == module or name.startswith(module + ".")


def _in_attribute(src: SourceFile, node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "unary_operator" and src.data[parent.start_byte : parent.start_byte + 1] == b"@":
            return True
        parent = parent.parent
    return False


def _module_aliases(src: SourceFile, module: Node) -> list[str]:
    """Full names from `alias A.B` and `alias A.{B, C}` inside a module (`as:` forms are not counted)."""
    out: list[str] = []
    for call in calls_named(src, "alias"):
        if not (module.start_byte <= call.start_byte < module.end_byte):
            continue
        args = call_args(call)
        if len(args) != 1:
            continue
        arg = args[0]
        if arg.type == "alias":
            out.append(src.node_text(arg))
        elif arg.type == "dot":
            left, right = arg.child_by_field_name("left"), arg.child_by_field_name("right")
            if left is not None and right is not None and left.type == "alias" and right.type == "tuple":
                base = src.node_text(left)
                out.extend(f"{base}.{src.node_text(c)}" for c in right.named_children if c.type == "alias")
    return out


def _module_dependencies(src: SourceFile, module: Node) -> set[str]:
    """Module names referenced inside a module, minus its own (and nested modules') names and aliased ones."""
    counts: Counter[str] = Counter()
    for node in src.by_type("alias"):
        if module.start_byte <= node.start_byte < module.end_byte:
            counts[src.node_text(node)] += 1
    for kind in ("defmodule", "alias"):
        for call in calls_named(src, kind):
            if not (module.start_byte <= call.start_byte < module.end_byte):
                continue
            args = call_args(call)
            if args and args[0].type == "alias" and (kind == "defmodule" or len(args) == 1):
                counts[src.node_text(args[0])] -= 1
            elif kind == "alias" and len(args) == 1 and args[0].type == "dot":
                # `alias A.{B.C, D}`: Credo takes out the base once per member and each member once
                left, right = args[0].child_by_field_name("left"), args[0].child_by_field_name("right")
                if left is not None and right is not None and left.type == "alias" and right.type == "tuple":
                    members = [c for c in right.named_children if c.type == "alias"]
                    counts[src.node_text(left)] -= len(members)
                    for member in members:
                        counts[src.node_text(member)] -= 1
    return {name for name, n in counts.items() if n > 0}


@register
class AliasUsage(CredoCheck):
    """Calls through nested module names (`Foo.Bar.baz()`) that an `alias Foo.Bar` would shorten.

    Like Credo, names whose first part is an excluded namespace or whose last part is an
    excluded last name (Elixir's standard modules) are left alone, as are names that would
    clash with an existing alias or another referenced module of the same last name, and calls
    inside module attributes. `if_nested_deeper_than` and `if_called_more_often_than` filter
    the result; `if_referenced: true` also reports bare references such as `Foo.Bar` as a value.
    """

    name = "Credo.Check.Design.AliasUsage"
    category = "design"
    base_priority = "normal"
    default_params = {
        "excluded_namespaces": _EXCLUDED_NAMESPACES,
        "excluded_lastnames": _EXCLUDED_LASTNAMES,
        "if_nested_deeper_than": 0,
        "if_called_more_often_than": 0,
        "if_referenced": False,
        "only": None,
    }
    summary = "Alias nested modules at the top of the module that calls them."

    def run(self, ctx: CheckContext) -> Iterator[Issue]:
        src = ctx.src
        params = ctx.params
        excluded_ns = {str(n) for n in (params.get("excluded_namespaces") or [])}
        excluded_last = {str(n) for n in (params.get("excluded_lastnames") or [])}
        deeper = int(params.get("if_nested_deeper_than") or 0)
        more_often = int(params.get("if_called_more_often_than") or 0)
        only = params.get("only")
        only_list = list(only) if isinstance(only, list) else ([only] if only else None)
        candidates = []
        for node, name in self._references(src, bool(params.get("if_referenced"))):
            parts = name.split(".")
            if len(parts) <= 1 or parts[0] in excluded_ns or parts[-1] in excluded_last:
                continue
            if only_list is not None and not any(_only_matches(name, o) for o in only_list):
                continue
            if _in_attribute(src, node):
                continue
            candidates.append((node, name))
        if not candidates:
            return
        found: list[tuple[int, str]] = []
        # Credo looks at every module, the nested ones again on their own: a call inside a nested
        # module is seen once per enclosing module.
        for module in calls_named(src, "defmodule"):
            inside = [(n, name) for n, name in candidates if module.start_byte <= n.start_byte < module.end_byte]
            if not inside:
                continue
            aliases = _module_aliases(src, module)
            deps = _module_dependencies(src, module)
            for node, name in inside:
                last = name.rsplit(".", 1)[-1]
                if any(a != name and a.rsplit(".", 1)[-1] == last for a in aliases):
                    continue
                if any(d != name and "." in d and d.rsplit(".", 1)[-1] == last for d in deps):
                    continue
                found.append((src.line_of(node), name))
        per_name = Counter(name for _, name in found)
        for line_no, name in found:
            if per_name[name] <= more_often or len(name.split(".")) <= deeper:
                continue
            yield ctx.issue("Nested modules could be aliased at the top of the invoking module.", line_no,
                            trigger=name)

    @staticmethod
    def _references(src: SourceFile, if_referenced: bool) -> list[tuple[Node, str]]:
        """(alias node, module name) for remote calls `A.B.f` (and, if asked, bare `A.B` values)."""
        out: list[tuple[Node, str]] = []
        names = call_names(src)  # one lookup per call: this runs over every call of every file
        for call in src.calls:
            rc = names[call.id][1]
            if rc is None or "." not in rc[0] or not rc[0][:1].isupper():
                continue
            target = call.child_by_field_name("target")
            left = target.child_by_field_name("left") if target is not None else None
            if left is not None and left.type == "alias":
                out.append((left, rc[0]))
        if if_referenced:
            seen = {n.id for n, _ in out}
            for node in src.by_type("alias"):
                parent = node.parent
                if node.id in seen or parent is None or "." not in src.node_text(node):
                    continue
                if parent.type in ("dot", "struct") or (parent.type == "arguments" and parent.parent is not None
                                                         and parent.parent.type == "call"
                                                         and src.node_text(parent.parent).startswith(
                                                             ("alias", "defmodule", "import", "require", "use"))):
                    continue
                out.append((node, src.node_text(node)))
        out.sort(key=lambda r: r[0].start_byte)
        return out
