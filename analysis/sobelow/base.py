"""Sobelow finding types, the per-file context the checks share, and ignore/skip name matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from ..ast import call_args, local_call_name
from ..issues import Finding
from ..source import SourceFile


@dataclass(frozen=True)
class FindingType:
    """One Sobelow finding module.

    Args:
        name: the name Sobelow's rule list uses (`XSS.Raw`; `Vuln.Plug` for CookieRCE).
        module: the module short name that `--ignore` and `# sobelow_skip` accept (`Vuln.CookieRCE`).
        type_id: `SBLW030`.
        title: the generic description after the colon in Sobelow's finding type.
    """

    name: str
    module: str
    type_id: str
    title: str

    @property
    def group(self) -> str:
        """`XSS` for `XSS.Raw`."""
        return self.module.split(".")[0]


FINDING_TYPES: list[FindingType] = [
    FindingType("CI.OS", "CI.OS", "SBLW001", "Command Injection in `:os.cmd`"),
    FindingType("CI.System", "CI.System", "SBLW002", "Command Injection in `System.cmd`"),
    FindingType("Config.CSP", "Config.CSP", "SBLW003", "Missing Content-Security-Policy"),
    FindingType("Config.CSRFRoute", "Config.CSRFRoute", "SBLW004", "CSRF via Action Reuse"),
    FindingType("Config.CSRF", "Config.CSRF", "SBLW005", "Missing CSRF Protections"),
    FindingType("Config.CSWH", "Config.CSWH", "SBLW006", "Cross-Site Websocket Hijacking"),
    FindingType("Config.Headers", "Config.Headers", "SBLW007", "Missing Secure Browser Headers"),
    FindingType("Config.HSTS", "Config.HSTS", "SBLW008", "HSTS Not Enabled"),
    FindingType("Config.HTTPS", "Config.HTTPS", "SBLW009", "HTTPS Not Enabled"),
    FindingType("Config.Secrets", "Config.Secrets", "SBLW010", "Hardcoded Secret"),
    FindingType("DOS.BinToAtom", "DOS.BinToAtom", "SBLW011", "Unsafe atom interpolation"),
    FindingType("DOS.ListToAtom", "DOS.ListToAtom", "SBLW012", "Unsafe `List.to_atom`"),
    FindingType("DOS.StringToAtom", "DOS.StringToAtom", "SBLW013", "Unsafe `String.to_atom`"),
    FindingType("Misc.BinToTerm", "Misc.BinToTerm", "SBLW014", "Unsafe `binary_to_term`"),
    FindingType("RCE.CodeModule", "RCE.CodeModule", "SBLW015", "Code execution in eval function"),
    FindingType("RCE.EEx", "RCE.EEx", "SBLW016", "Code Execution in EEx template eval"),
    FindingType("SQL.Query", "SQL.Query", "SBLW017", "SQL injection"),
    FindingType("SQL.Stream", "SQL.Stream", "SBLW018", "SQL injection"),
    FindingType("Traversal.FileModule", "Traversal.FileModule", "SBLW019", "Directory Traversal in `File` function"),
    FindingType("Traversal.SendDownload", "Traversal.SendDownload", "SBLW020", "Directory Traversal in `send_download`"),
    FindingType("Traversal.SendFile", "Traversal.SendFile", "SBLW021", "Directory Traversal in `send_file`"),
    FindingType("Vuln.Coherence", "Vuln.Coherence", "SBLW022", "Known Vulnerable Dependency - Update Coherence"),
    FindingType("Vuln.Plug", "Vuln.CookieRCE", "SBLW023", "Known Vulnerable Dependency - Update Plug"),
    FindingType("Vuln.Ecto", "Vuln.Ecto", "SBLW024", "Known Vulnerable Dependency - Update Ecto"),
    FindingType("Vuln.HeaderInject", "Vuln.HeaderInject", "SBLW025", "Known Vulnerable Dependency - Update Plug"),
    FindingType("Vuln.PlugNull", "Vuln.PlugNull", "SBLW026", "Known Vulnerable Dependency - Update Plug"),
    FindingType("Vuln.Redirect", "Vuln.Redirect", "SBLW027", "Known Vulnerable Dependency - Update Phoenix"),
    FindingType("XSS.ContentType", "XSS.ContentType", "SBLW028", "XSS in `put_resp_content_type`"),
    FindingType("XSS.HTML", "XSS.HTML", "SBLW029", "XSS in `html`"),
    FindingType("XSS.Raw", "XSS.Raw", "SBLW030", "XSS"),
    FindingType("XSS.SendResp", "XSS.SendResp", "SBLW031", "XSS in `send_resp`"),
]

BY_MODULE: dict[str, FindingType] = {t.module: t for t in FINDING_TYPES}
GROUPS: frozenset[str] = frozenset(t.group for t in FINDING_TYPES)

CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}


def is_disabled(module: str, names: set[str] | frozenset[str]) -> bool:
    """True when `module` (`XSS.Raw`) is switched off by a name in `names` (`XSS.Raw` or the group `XSS`)."""
    if not names:
        return False
    return module in names or module.split(".")[0] in names or BY_MODULE[module].name in names


def make_finding(
    module: str,
    file: str,
    line: int,
    confidence: str,
    details: dict[str, Any] | None = None,
    title: str | None = None,
    type_name: str | None = None,
) -> Finding:
    """Build a Finding for a type given by module name; `title` overrides the generic description."""
    spec = BY_MODULE[module]
    return Finding(
        type_name=type_name or spec.module,
        title=title or spec.title,
        type_id=spec.type_id,
        confidence=confidence,
        file=file,
        line=line,
        details=dict(details or {}),
    )


@dataclass
class FileMeta:
    """What Sobelow records per scanned file: the kinds of `use` it holds."""

    src: SourceFile
    is_controller: bool = False
    is_router: bool = False
    is_endpoint: bool = False
    module_attrs: dict[str, Node] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        """The file name as reported."""
        return self.src.filename


def file_meta(src: SourceFile) -> FileMeta:
    """Classify a file by its `use` calls like Sobelow: `use X, :controller` / `:router`, `use Phoenix.Endpoint, ...`."""
    meta = FileMeta(src)
    for call in src.calls:
        name = local_call_name(src, call)
        if name == "use":
            args = call_args(call)
            if len(args) != 2:
                continue
            second = args[1]
            if second.type == "atom":
                kind = src.node_text(second)
                if kind == ":controller":
                    meta.is_controller = True
                elif kind == ":router":
                    meta.is_router = True
            if args[0].type == "alias" and src.node_text(args[0]) == "Phoenix.Endpoint":
                meta.is_endpoint = True
    for op_node in src.by_type("unary_operator"):
        operator = op_node.child_by_field_name("operator")
        if operator is None or src.node_text(operator) != "@":
            continue
        operand = op_node.child_by_field_name("operand")
        if operand is None or operand.type != "call":
            continue
        attr = local_call_name(src, operand)
        args = call_args(operand)
        if attr and len(args) == 1 and attr not in meta.module_attrs:
            meta.module_attrs[attr] = args[0]
    return meta
