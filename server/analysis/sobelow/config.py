"""Config checks: router pipelines (CSRF, Headers, CSP, CSRFRoute), endpoint sockets (CSWH), config/*.exs."""

from __future__ import annotations

from pathlib import Path

from tree_sitter import Node

from ..ast import call_args, do_block, keyword_pairs, local_call_name
from ..issues import Finding
from ..source import SourceFile
from .base import FileMeta, is_disabled, make_finding
from .skips import is_ignored_file

# Config files Sobelow never reads for secrets or HTTPS settings.
SKIP_CONFIG_FILES = frozenset({"dev.exs", "test.exs", "dev.secret.exs", "test.secret.exs"})
STATE_CHANGING = ("post", "put", "patch", "delete")


def _atom_name(src: SourceFile, node: Node) -> str | None:
    if node.type == "atom":
        return src.node_text(node)[1:]
    return None


def _pipelines(src: SourceFile) -> list[tuple[Node, str, list[Node]]]:
    """(pipeline call, name, top-level `plug` calls) for each `pipeline :name do ... end`."""
    out = []
    for call in src.calls:
        if local_call_name(src, call) != "pipeline":
            continue
        args = call_args(call)
        block = do_block(call)
        if len(args) != 1 or block is None:
            continue
        name = _atom_name(src, args[0]) or src.node_text(args[0])
        plugs = [c for c in block.named_children if c.type == "call" and local_call_name(src, c) == "plug"]
        out.append((call, name, plugs))
    return out


def _plug_name(src: SourceFile, plug: Node) -> str | None:
    args = call_args(plug)
    if 1 <= len(args) <= 2:
        return _atom_name(src, args[0])
    return None


def _accepts(src: SourceFile, plug: Node) -> list[str] | None:
    """The formats of `plug :accepts, [...]` (a list or ~w sigil); None for other plugs."""
    args = call_args(plug)
    if len(args) != 2 or _atom_name(src, args[0]) != "accepts":
        return None
    value = args[1]
    if value.type == "list":
        return ["".join(src.node_text(c) for c in item.named_children) for item in value.named_children
                if item.type == "string"]
    if value.type == "sigil":
        content = "".join(src.node_text(c) for c in value.named_children if c.type == "quoted_content")
        return content.split(" ")
    return []


def csrf_findings(src: SourceFile) -> list[Finding]:
    """Config.CSRF: a pipeline that fetches the session without `:protect_from_forgery`."""
    out = []
    for call, name, plugs in _pipelines(src):
        names = {_plug_name(src, p) for p in plugs}
        if "fetch_session" in names and "protect_from_forgery" not in names:
            out.append(make_finding("Config.CSRF", src.filename, src.line_of(call), "high", {"pipeline": name}))
    return out


def headers_findings(src: SourceFile) -> list[Finding]:
    """Config.Headers: an html pipeline without `:put_secure_browser_headers`.

    Like Sobelow, the accepted formats are read from the pipeline's first plug only.
    """
    out = []
    for call, name, plugs in _pipelines(src):
        if not plugs:
            continue
        names = {_plug_name(src, p) for p in plugs}
        accepts = _accepts(src, plugs[0])
        if "put_secure_browser_headers" not in names and accepts is not None and "html" in accepts:
            out.append(make_finding("Config.Headers", src.filename, src.line_of(call), "high", {"pipeline": name}))
    return out


def _map_has_csp(src: SourceFile, node: Node) -> bool:
    for content in node.named_children:
        for item in content.named_children:
            if item.type == "binary_operator":
                key = item.child_by_field_name("left")
                if key is not None and key.type == "string":
                    text = "".join(src.node_text(c) for c in key.named_children)
                    if text.lower() == "content-security-policy":
                        return True
    return False


def csp_findings(meta: FileMeta) -> list[Finding]:
    """Config.CSP: `put_secure_browser_headers` without a content-security-policy header."""
    src = meta.src
    out = []
    for _call, name, plugs in _pipelines(src):
        plug = next((p for p in plugs if _plug_name(src, p) == "put_secure_browser_headers"), None)
        if plug is None:
            continue
        args = call_args(plug)
        vuln, confidence = False, "high"
        if len(args) == 1:
            vuln = True
        else:
            headers = args[1]
            if headers.type == "map":
                vuln = not _map_has_csp(src, headers)
            elif headers.type == "unary_operator" and src.node_text(headers).startswith("@"):
                attr = src.node_text(headers)[1:].strip()
                value = meta.module_attrs.get(attr)
                vuln = not (value is not None and value.type == "map" and _map_has_csp(src, value))
            else:
                vuln, confidence = True, "low"
        if vuln:
            out.append(make_finding("Config.CSP", src.filename, src.line_of(plug), confidence, {"pipeline": name}))
    return out


def _top_level_scopes(src: SourceFile) -> list[Node]:
    scopes = [c for c in src.calls if local_call_name(src, c) == "scope"]
    return [s for s in scopes if not any(o is not s and o.start_byte <= s.start_byte < o.end_byte for o in scopes
                                         if o.start_byte < s.start_byte)]


def _scope_alias(src: SourceFile, scope: Node) -> str | None:
    args = [a for a in call_args(scope)]
    if len(args) >= 2 and args[1].type == "alias":
        return src.node_text(args[1])
    for arg in args:
        if arg.type == "keywords":
            for key, value in keyword_pairs(src, arg):
                if key == "alias":
                    return src.node_text(value)
    if len(args) >= 2 and args[1].type not in ("keywords", "string"):
        return src.node_text(args[1])
    return None


def csrf_route_findings(src: SourceFile) -> list[Finding]:
    """Config.CSRFRoute: a controller action routed by `get` and also by post/put/patch/delete."""
    groups: dict[str | None, list[Node]] = {}
    for scope in _top_level_scopes(src):
        groups.setdefault(_scope_alias(src, scope), []).append(scope)
    found: list[tuple[int, str]] = []
    for scopes in groups.values():
        routes: dict[tuple[str, str], list[tuple[str, Node]]] = {}
        for scope in scopes:
            for call in src.walk(scope):
                if call.type != "call":
                    continue
                method = local_call_name(src, call)
                if method not in ("get",) + STATE_CHANGING:
                    continue
                args = call_args(call)
                if len(args) < 3:
                    continue
                key = ("".join(src.node_text(args[1]).split()), src.node_text(args[2]))
                routes.setdefault(key, []).append((method, call))
        for (_, action), entries in routes.items():
            methods = {m for m, _ in entries}
            if "get" in methods and methods & set(STATE_CHANGING):
                for method, call in entries:
                    if method == "get":
                        found.append((src.line_of(call), action.lstrip(":")))
    return [make_finding("Config.CSRFRoute", src.filename, line, "high", {"route": action})
            for line, action in sorted(found)]


def cswh_findings(src: SourceFile) -> list[Finding]:
    """Config.CSWH: an endpoint socket whose websocket options turn `check_origin` off (or set it dynamically)."""
    out = []
    for call in src.calls:
        if local_call_name(src, call) != "socket":
            continue
        args = call_args(call)
        if len(args) != 3 or args[2].type != "keywords":
            continue
        for key, value in keyword_pairs(src, args[2]):
            if key != "websocket":
                continue
            if value.type != "list":
                continue
            origin = None
            for item in value.named_children:
                if item.type == "keywords":
                    for k, v in keyword_pairs(src, item):
                        if k == "check_origin":
                            origin = v
            if origin is None or src.node_text(origin) == "true":
                break
            confidence = "high" if src.node_text(origin) == "false" else "low"
            if src.node_text(origin) == "nil":
                break
            out.append(make_finding("Config.CSWH", src.filename, src.line_of(call), confidence))
            break
    return out


# --- config/*.exs -----------------------------------------------------------------------------------


def _config_keywords(src: SourceFile) -> list[tuple[Node, list[tuple[str, Node]]]]:
    """(config call, its trailing keyword pairs) for every `config ...` call with keyword options."""
    out = []
    for call in src.calls:
        if local_call_name(src, call) != "config":
            continue
        args = call_args(call)
        if args and args[-1].type == "keywords":
            out.append((call, list(keyword_pairs(src, args[-1]))))
        elif args and args[-1].type == "list" and all(c.type == "keywords" for c in args[-1].named_children) \
                and args[-1].named_children:
            out.append((call, list(keyword_pairs(src, args[-1].named_children[0]))))
    return out


def _literal_string(src: SourceFile, node: Node) -> str | None:
    if node.type != "string" or any(c.type == "interpolation" for c in node.named_children):
        return None
    return "".join(src.node_text(c) for c in node.named_children)


def _is_env_placeholder(value: str) -> bool:
    return value.startswith("${") and value.endswith("}")


def _secret_line(src: SourceFile, value: str, fallback: int) -> int:
    """The line of the last occurrence of the quoted secret in the file, as Sobelow reports it."""
    needle = f'"{value}"'
    idx = src.text.rfind(needle)
    return src.text.count("\n", 0, idx) + 1 if idx >= 0 else fallback


def secrets_findings(src: SourceFile, name: str) -> list[Finding]:
    """Config.Secrets: literal `secret_key_base` (outside config.exs) and keys naming a password or secret."""
    out = []
    configs = _config_keywords(src)
    if name != "config.exs":
        for call, pairs in configs:
            for key, value in pairs:
                if key == "secret_key_base":
                    text = _literal_string(src, value)
                    if text and not _is_env_placeholder(text):
                        out.append(make_finding("Config.Secrets", src.filename,
                                                _secret_line(src, text, src.line_of(call)), "high", {"key": key}))
                    break
    for word in ("password", "secret"):
        for call, pairs in configs:
            for key, value in pairs:
                if key == "secret_key_base" or word not in key.lower():
                    continue
                text = _literal_string(src, value)
                if text and not _is_env_placeholder(text):
                    out.append(make_finding("Config.Secrets", src.filename,
                                            _secret_line(src, text, src.line_of(call)), "high", {"key": key}))
    return out


def _has_config_key(src: SourceFile, key: str) -> bool:
    return any(k == key and src.node_text(v) != "nil" for _, pairs in _config_keywords(src) for k, v in pairs)


def config_dir_files(root: Path, ignored_files: set[Path]) -> list[tuple[str, SourceFile]]:
    """The `config/*.exs` files Sobelow reads (not dev/test ones, not ignored), parsed."""
    cdir = root / "config"
    out: list = []
    if not cdir.is_dir():
        return out
    for path in sorted(cdir.iterdir()):
        if path.suffix != ".exs" or path.name in SKIP_CONFIG_FILES or not path.is_file():
            continue
        if is_ignored_file(path, ignored_files):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        out.append((path.name, SourceFile(f"config/{path.name}", text)))
    return out


def run_config(
    root: Path,
    metas: list[FileMeta],
    disabled: set[str] | frozenset[str],
    ignored_files: set[Path],
    router: Path | None = None,
) -> list[Finding]:
    """All Config.* findings for a project, in Sobelow's check order."""
    routers = [m for m in metas if m.is_router]
    if router is not None:
        path = router if router.is_absolute() else root / router
        if path.is_file() and not any(Path(m.filename).name == path.name and m.is_router for m in routers):
            try:
                src = SourceFile(str(path.relative_to(root)) if path.is_relative_to(root) else str(path),
                                 path.read_text(encoding="utf-8"))
                from .base import file_meta

                routers.append(file_meta(src))
            except (OSError, UnicodeDecodeError):
                pass
    endpoints = [m for m in metas if m.is_endpoint and not m.is_router]
    configs = config_dir_files(root, ignored_files)
    out: list[Finding] = []
    if not is_disabled("Config.CSRF", disabled):
        for m in routers:
            out.extend(csrf_findings(m.src))
    if not is_disabled("Config.CSRFRoute", disabled):
        for m in routers:
            out.extend(csrf_route_findings(m.src))
    if not is_disabled("Config.Headers", disabled):
        for m in routers:
            out.extend(headers_findings(m.src))
    if not is_disabled("Config.CSP", disabled):
        for m in routers:
            out.extend(csp_findings(m))
    if not is_disabled("Config.Secrets", disabled):
        for name, src in configs:
            out.extend(secrets_findings(src, name))
    if not is_disabled("Config.HTTPS", disabled):
        prod = next((src for name, src in configs if name == "prod.exs"), None)
        if prod is not None and not (_has_config_key(prod, "force_ssl") or _has_config_key(prod, "https")):
            out.append(make_finding("Config.HTTPS", prod.filename, 0, "high"))
    if not is_disabled("Config.HSTS", disabled):
        for _name, src in configs:
            if _has_config_key(src, "https") and not _has_config_key(src, "force_ssl"):
                out.append(make_finding("Config.HSTS", src.filename, 0, "medium"))
    if not is_disabled("Config.CSWH", disabled):
        for m in endpoints:
            out.extend(cswh_findings(m.src))
    return out

