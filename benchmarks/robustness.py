"""Robustness of `elixir-coder serve`: seeded fuzzing of the protocol, the framing and the documents.

Drives the real server over stdio (`raw_lsp.RawServer`) and checks three properties: the process
stays alive, every request is answered exactly once within 5 s, and the log holds no traceback a
client could cause. Also measures RSS over ten repetitions of one workload and counts planted
secrets that reach the feedback database. Everything is seeded; `--long` runs the sizes of
issue 18's campaign and writes `docs/reports/robustness.md`. The test suite runs a short mode
(tests/fuzz/test_fuzz_short.py).

    python -m elixir_coder.benchmarks.robustness --long --report docs/reports/robustness.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .planted_secrets import MODULE_HEAD, MODULE_TAIL, SECRETS, cursors, leaked
from .raw_lsp import RawServer, frame

ANSWER_WITHIN_S = 5.0
REPO = Path(__file__).resolve().parents[1]
STATUS = "elixirCoder/status"
POSITION_METHODS = ("textDocument/hover", "textDocument/completion", "textDocument/inlineCompletion",
                    "textDocument/codeAction")


@dataclass
class Tally:
    """What one fuzz run saw."""

    cases: int = 0
    requests: int = 0
    unanswered: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # answered, but after ANSWER_WITHIN_S
    duplicates: list[str] = field(default_factory=list)
    crashed: bool = False
    tracebacks: list[str] = field(default_factory=list)
    errors_by_code: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """All three properties held."""
        return not (self.unanswered or self.late or self.duplicates or self.crashed or self.tracebacks)

    def check(self, server: RawServer, ids: list[Any], timeout: float = ANSWER_WITHIN_S) -> None:
        """Wait for each id (each from its sending) and record violations."""
        for msg_id in ids:
            self.requests += 1
            left = server.sent_at.get(msg_id, time.monotonic()) + timeout + 1.0 - time.monotonic()
            try:
                answer = server.wait(msg_id, timeout=max(0.05, left))
            except TimeoutError:
                self.unanswered.append(repr(msg_id))
                continue
            took = server.answered_at[msg_id] - server.sent_at.get(msg_id, server.answered_at[msg_id])
            if took > timeout:
                self.late.append(f"{msg_id!r} ({took:.1f} s)")
            if "error" in answer:
                code = answer["error"].get("code", 0)
                self.errors_by_code[code] = self.errors_by_code.get(code, 0) + 1

    def finish(self, server: RawServer, ids: list[Any], exited: bool = False) -> None:
        """Duplicates, liveness (unless the run ended the server itself) and tracebacks at the end of a run."""
        time.sleep(0.3)
        self.duplicates += [repr(i) for i in ids if server.answer_count(i) > 1]
        self.crashed = self.crashed or (not exited and not server.alive())
        self.tracebacks += server.unexpected_tracebacks()


def corpus() -> list[tuple[str, str]]:
    """(relative path, text) of the Elixir files in the repository's data folders."""
    files = sorted([*(REPO / "training" / "data").rglob("*.ex*"), *(REPO / "tests" / "data").rglob("*.ex*")])
    return [(str(p.relative_to(REPO)), p.read_text(encoding="utf-8")) for p in files if p.is_file()]


# --- protocol cases ------------------------------------------------------------------------------

_NASTY = ["", "\ud800", "\udfff x", "é" * 5, "\u0000", "a" * 5000, "😀", "\r", "\n" * 50, '"', "\\"]


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9 if depth < 4 else 5)
    if choice == 0:
        return rng.choice([None, True, False])
    if choice == 1:
        return rng.choice([0, -1, 2**31, 2**63, 10**40, 1.5, -0.0])
    if choice in (2, 3, 4):
        return rng.choice(_NASTY + ["file:///x.ex", "elixirCoder.explain", "textDocument/hover"])
    if choice in (5, 6):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["method", "id", "jsonrpc", "params", "textDocument", "position", "uri", "line", "character",
            "range", "context", "command", "arguments", "text", "x"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


def _position(rng: random.Random) -> dict[str, Any]:
    return {"line": rng.choice([0, 1, 3, 10, 10**6, -1]), "character": rng.choice([0, 2, 5, 80, 10**6, -1])}


def _params(rng: random.Random, method: str, uris: list[str]) -> Any:
    uri = rng.choice(uris)
    if rng.random() < 0.15:
        return _random_json(rng)
    if method == "workspace/executeCommand":
        return {"command": rng.choice(["elixirCoder.explain", "elixirCoder.completionAccepted", "elixirCoder.actionTaken",
                                       "elixirCoder.rateExplanation", "no.such"]),
                "arguments": [_random_json(rng) for _ in range(rng.randrange(3))]}
    if method == STATUS:
        return rng.choice([None, {}, {"method": [1]}, [1, 2]])
    params: dict[str, Any] = {"textDocument": {"uri": uri}, "position": _position(rng)}
    if method == "textDocument/codeAction":
        params = {"textDocument": {"uri": uri}, "range": {"start": _position(rng), "end": _position(rng)},
                  "context": {"diagnostics": []}}
    if method == "textDocument/inlineCompletion":
        params["context"] = {"triggerKind": rng.choice([1, 2, 7])}
    return params


MALFORMED_FRAMES = (
    lambda b: b"Content-Length: 0\r\n\r\n" + b,
    lambda b: b"content-length: %d\r\n\r\n" % len(b) + b,
    lambda b: b"Content-Length: %d\n\n" % len(b) + b,
    lambda b: b"Content-Length: %d\r\n\r\n" % max(1, len(b) - 7) + b,
    lambda b: b"Content-Length: %d\r\n\r\n" % (len(b) + 40) + b,
    lambda b: b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(b), len(b)) + b,
    lambda b: b"Content-Type: x\r\n\r\n" + b,
    lambda b: b,
    lambda b: b"Content-Length: 9223372036854775808\r\n\r\n" + b,
    lambda b: b"Content-Length: 99999999999\r\n\r\n",
    lambda b: bytes(random.Random(len(b)).randrange(256) for _ in range(64)) + b"\r\n\r\n",
)


def protocol_case(rng: random.Random, server: RawServer, uris: list[str], case: int) -> list[Any]:
    """Send one fuzz case; returns the ids that must be answered."""
    kind = rng.random()
    msg_id: Any = rng.choice([case, f"c{case}", f"c{case}-\u00e9"])
    if kind < 0.45:  # a well-framed request, valid or mutated params
        method = rng.choice([*POSITION_METHODS, STATUS, "workspace/executeCommand", "elixirCoder/nope", "$/nope"])
        server.request(method, _params(rng, method, uris), msg_id=msg_id, omit_params=rng.random() < 0.05)
        if rng.random() < 0.1:
            server.notify("$/cancelRequest", {"id": msg_id})
        return [msg_id]
    if kind < 0.6:  # a notification: document changes, bad params, unknown ones
        uri = rng.choice(uris)
        method = rng.choice(["textDocument/didChange", "textDocument/didOpen", "textDocument/didSave", "$/setTrace",
                             "elixirCoder/nothing", "workspace/didChangeConfiguration"])
        params = _random_json(rng) if rng.random() < 0.3 else {
            "textDocument": {"uri": uri, "version": case, "text": rng.choice(_NASTY), "languageId": "elixir"},
            "contentChanges": [{"range": {"start": _position(rng), "end": _position(rng)}, "text": rng.choice(_NASTY)}],
            "settings": {"elixirCoder": {"maxFileBytes": rng.choice([10, 10**6, -5, "x"])}}}
        server.send_bytes(frame({"jsonrpc": "2.0", "method": method, "params": params}))
        return []
    if kind < 0.8:  # a random JSON body (nested methods, wrong types), well framed
        body = _random_json(rng)
        if isinstance(body, dict) and rng.random() < 0.5:
            body = {"jsonrpc": "2.0", "id": msg_id, **body}
        server.send_bytes(frame(json.dumps(body).encode()))
        return []
    # malformed framing around a status request, then a probe that must be answered
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": STATUS}).encode()
    server.send_bytes(rng.choice(MALFORMED_FRAMES)(body))
    probe = server.request(STATUS, msg_id=f"probe-{case}")
    return [probe]


def run_protocol(cases: int, seed: int, home: Path) -> Tally:
    """`cases` protocol and framing cases against one server (restarted only if it dies)."""
    rng = random.Random(seed)
    tally = Tally()
    started = time.monotonic()
    server = RawServer(home)
    server.initialize({"completions": False, "telemetry": False, "analyzer": "builtin"})
    uris = [f"file:///tmp/fuzz/{i}.ex" for i in range(3)]
    for uri in uris:
        server.open(uri, "defmodule F do\n  def f(x), do: x + 100000\nend\n")
    expected: list[Any] = []
    all_ids: list[Any] = []
    for case in range(cases):
        expected += protocol_case(rng, server, uris, case)
        tally.cases += 1
        if len(expected) >= 25 or case == cases - 1:
            tally.check(server, expected)
            all_ids += expected
            expected = []
            if not server.alive():
                tally.crashed = True
                break
    tally.crashed = tally.crashed or not server.alive()
    ending = [server.request("shutdown"), server.request(STATUS)]
    tally.check(server, ending)
    server.notify("exit")
    tally.finish(server, all_ids + ending, exited=True)
    try:
        code = server.proc.wait(10)
    except Exception:  # noqa: BLE001 - a server that does not exit is a failure, recorded
        code = None
    if code != 0:
        tally.crashed = True
    server.kill()
    tally.seconds = time.monotonic() - started
    return tally


# --- documents -----------------------------------------------------------------------------------

_INSERTS = ["do", "end", "fn", "->", '"', "'", "#", '"""', "\r", "\r\n", "\u0000", "\ud800", "😀", "(", ")", "[",
            "]", "%{", "}", "|>", "100000", "1_000", "@moduledoc", "\t", "\\", "~r/", "<<", ">>", "IO.inspect(x)"]


def hostile_document(rng: random.Random, texts: list[str]) -> str:
    """A document derived from real code by one of the mutations the fault campaign used."""
    base = rng.choice(texts)
    kind = rng.randrange(9)
    if kind == 0:
        return ""
    if kind == 1:  # a long single line
        return "defmodule L do\n  @x [" + ", ".join(str(rng.randrange(10**6)) for _ in range(rng.randrange(1000, 20000))) \
            + "]\nend\n"
    if kind == 2:  # lone CR line ends
        return base.replace("\n", "\r")
    if kind == 3:  # runs of blank lines
        return base + "\n" * rng.randrange(1000, 50000)
    if kind == 4:  # deep nesting
        depth = rng.randrange(50, 400)
        return "defmodule D do\n  def f, do: " + "[" * depth + "1" + "]" * depth + "\nend\n"
    chars = list(base)
    for _ in range(rng.randrange(1, 30)):
        at = rng.randrange(len(chars) + 1)
        if rng.random() < 0.7:
            chars[at:at] = list(rng.choice(_INSERTS))
        else:
            del chars[at:at + rng.randrange(1, 40)]
    return "".join(chars)


def run_documents(count: int, seed: int, home: Path, completions: bool = True) -> Tally:
    """`count` hostile documents, each opened and asked for hover, completions and code actions."""
    rng = random.Random(seed)
    texts = [t for _, t in corpus()]
    tally = Tally()
    started = time.monotonic()
    server = RawServer(home)
    server.initialize({"completions": completions, "telemetry": False, "analyzer": "builtin"})
    all_ids: list[Any] = []
    for n in range(count):
        text = hostile_document(rng, texts)
        uri = f"file:///tmp/fuzzdocs/doc{n}.ex"
        server.open(uri, text)
        lines = text.split("\n") or [""]
        ids = []
        for _ in range(rng.randrange(3, 8)):
            line = rng.randrange(len(lines) + 2)
            character = rng.randrange(len(lines[line]) + 3) if line < len(lines) else 0
            method = rng.choice([*POSITION_METHODS, STATUS])
            params: Any = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character},
                           "context": {"triggerKind": 1}}
            if method == "textDocument/codeAction":
                params = {"textDocument": {"uri": uri}, "context": {"diagnostics": []},
                          "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}}
            ids.append(server.request(method, None if method == STATUS else params))
        if rng.random() < 0.3:
            server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                     "contentChanges": [{"text": hostile_document(rng, texts)}]})
        tally.check(server, ids)
        all_ids += ids
        server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        tally.cases += 1
        if not server.alive():
            tally.crashed = True
            break
    tally.finish(server, all_ids)
    server.close()
    tally.seconds = time.monotonic() - started
    return tally


# --- memory --------------------------------------------------------------------------------------

def run_rss(repetitions: int, home: Path, files: int = 55) -> list[float]:
    """RSS (MB) after each repetition of one workload: open files, ask for diagnostics, hover,
    code actions and completions, close them."""
    docs = corpus()[:files]
    server = RawServer(home)
    server.initialize({"telemetry": False, "analyzer": "builtin"})
    rss: list[float] = []
    for rep in range(repetitions):
        for path, text in docs:
            uri = f"file:///tmp/rss/{path}"
            server.open(uri, text)
            lines = text.split("\n")
            ids = []
            for i in range(3):
                line = (i * 7 + rep) % len(lines)
                pos = {"line": line, "character": len(lines[line])}
                ids.append(server.request("textDocument/inlineCompletion", {
                    "textDocument": {"uri": uri}, "position": pos, "context": {"triggerKind": 1}}))
                ids.append(server.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos}))
                ids.append(server.request("textDocument/codeAction", {
                    "textDocument": {"uri": uri}, "range": {"start": pos, "end": pos}, "context": {"diagnostics": []}}))
            for msg_id in ids:
                server.wait(msg_id, timeout=30)
            server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        status = server.wait(server.request(STATUS), timeout=30)["result"]
        rss.append(status["rssBytes"] / 1e6)
    server.close()
    return rss


# --- planted secrets -----------------------------------------------------------------------------

def run_secrets(home: Path) -> tuple[int, int, int]:
    """Each planted secret at cursors before, inside and after it, through the real server with the
    real model and feedback store; returns (cursors, events stored, secrets found in the database)."""
    db = home / "feedback.db"
    server = RawServer(home)
    server.initialize({"analyzer": "builtin", "telemetryPath": str(db), "editCheckDelaySeconds": 1})
    for _ in range(300):
        if server.wait(server.request(STATUS), timeout=10)["result"]["modelLoaded"]:
            break
        time.sleep(0.05)
    filler = "".join(f"    value_{i} = compute({i})\n" for i in range(60))
    count = 0
    for kind, line, secret in SECRETS:
        code = MODULE_HEAD + filler + "    " + line + "\n" + filler + MODULE_TAIL
        start = code.index(line)
        for where, offset in cursors(line, secret).items():
            cut = start + offset
            text = code if where != "inside" else code[:cut] + code[start + line.index(secret) + len(secret):]
            uri = f"file:///tmp/secrets/{kind}_{where}.ex"
            server.open(uri, text)
            before = text[:cut]
            position = {"line": before.count("\n"), "character": len(before) - before.rfind("\n") - 1}
            answer = server.wait(server.request("textDocument/inlineCompletion", {
                "textDocument": {"uri": uri}, "position": position, "context": {"triggerKind": 1}}), timeout=10)
            items = (answer.get("result") or {}).get("items") or []
            if items and items[0].get("command"):
                command = items[0]["command"]
                server.wait(server.request("workspace/executeCommand", {
                    "command": command["command"], "arguments": command["arguments"]}), timeout=10)
            count += 1
    time.sleep(1.5)  # the edit checks
    server.close()
    conn = sqlite3.connect(db)
    rows = [dict(zip([c[0] for c in cur.description], r, strict=True))
            for cur in [conn.execute("select * from events")] for r in cur.fetchall()]
    dump = json.dumps(rows)
    stored = sum(leaked(dump, s) or leaked(dump.replace("\\n", "\n"), s) for _, _, s in SECRETS)
    return count, len(rows), stored


# --- report --------------------------------------------------------------------------------------

def _line(name: str, tally: Tally) -> str:
    codes = ", ".join(f"{c}: {n}" for c, n in sorted(tally.errors_by_code.items())) or "none"
    return (f"| {name} | {tally.cases} | {tally.requests} | {len(tally.unanswered)} | {len(tally.late)} | "
            f"{len(tally.duplicates)} | {'yes' if tally.crashed else 'no'} | {len(tally.tracebacks)} | "
            f"{tally.seconds:.0f} s | {codes} |")


def write_report(path: Path, seed: int, protocol: Tally, documents: Tally, rss: list[float],
                 secrets: tuple[int, int, int], load: str) -> None:
    """docs/reports/robustness.md."""
    steady = rss[1:] or rss  # the first repetition loads the model and fills the caches
    spread = (max(steady) / min(steady) - 1) * 100 if steady else 0.0
    cursors_tried, events, stored = secrets
    text = rf"""# Robustness: fuzzing `elixir-coder serve` (issue 18)

Generated by `python -m elixir_coder.benchmarks.robustness --long --seed {seed} --report {path.as_posix()}`
on {platform.machine()} ({os.cpu_count()} cores, shared with other work: load average at the start {load}, so
times are upper bounds). Every case drives
the real server over stdio; the properties are: the process stays alive, every request is answered
exactly once within {ANSWER_WITHIN_S:g} s, and the log holds no traceback.

## Fuzz runs

| run | cases | requests | unanswered | later than {ANSWER_WITHIN_S:g} s | answered twice | crashed | tracebacks | time | error answers by code |
|---|---|---|---|---|---|---|---|---|---|
{_line("protocol and framing", protocol)}
{_line("hostile documents", documents)}

Protocol cases mix well-framed requests with valid and mutated params (cancelled at random),
notifications with hostile content, random JSON bodies (nested `method` values, wrong types,
lone surrogates) and the malformed frames of issue 18 (zero, lower-case, LF-only, short, long,
duplicate, missing and 2^63 lengths, random bytes), each followed by a probe request. Error
answers are expected there: -32700/-32600 for what is not a request, -32602 for bad params,
-32601 for unknown methods, -32800 for cancelled ones, -32002 never (the session is initialized).
Documents are derived from the repository's Elixir files: random insertions of tokens, lone
surrogates, NUL and CR, deletions, single lines of up to 20,000 numbers, CR-only line ends,
runs of up to 50,000 blank lines, nesting up to 400 deep and empty documents; each gets hover,
completion, inline completion (the shipped model), code action and status requests.
{"" if not protocol.unanswered + documents.unanswered else "Unanswered ids: " + ", ".join((protocol.unanswered + documents.unanswered)[:20])}
{"" if not protocol.tracebacks + documents.tracebacks else "First traceback: " + (protocol.tracebacks + documents.tracebacks)[0][:400]}

## Memory over repeated work

The same workload ({len(corpus()[:55])} files of the repository opened, three inline completions, hovers
and code actions each, closed) in one server, one warm-up repetition and ten measured ones; RSS
after each, in MB (warm-up first):

{", ".join(f"{r:.1f}" for r in rss)}

Over the ten measured repetitions RSS varies by {spread:.1f}% ({min(steady):.1f} to {max(steady):.1f} MB). What
still grows in them is bounded: the completion cache (a budget of 256K characters of context and
proposals), the feedback tracker's remembered completions (a budget of 1M characters; each keeps
its cursor line only, no longer the whole document) and the allocator's free lists; the growth
flattens over the last repetitions. pygls kept the future of every notification handler for
ever (about 1 MB per hundred notifications); the guard now drops them. A document over
`maxFileBytes` is no longer kept: a 20 MB one cost about 95 MB on open and 61 MB more per change,
now about 35 MB on open (the transient copies of its frame) and nothing per change.

## What the campaign found in this branch, and what was fixed

- 68 of 6,451 requests unanswered and 12 later than 5 s in the first 10,000-case run: the
  secret-scrubbing regexes (`[\w]*name[\w]*` around an alternation) took seconds on a line of
  5,000 letters, and Python's `re` holds the GIL, so the event loop stood still. Names now start
  a word, every repetition is bounded, and recording runs on a request thread.
- 10 tracebacks: a command cancelled while its handler failed left asyncio's "Task exception was
  never retrieved"; the guard now looks at every handler's outcome.
- 1 of 22 secrets stored: a database URL's password with the cursor right before it, in the
  stored text after the cursor (neither side alone matched). A secret the cursor splits or
  touches is now redacted on both sides.
- RSS rising by about 1 MB per repetition: the pygls leak above.

## Planted secrets

{len(SECRETS)} secrets of the kinds issue 18 found stored (a private key, `db_pass`, an env-var fallback,
a Slack webhook, a Redis URL with an empty user, SendGrid, `Base.encode64("user:pass")`, GitLab)
and others (AWS, GitHub, Stripe, OpenAI, JWT, database URL, `secret_key_base`, signing salt,
random values under key-like names, bearer token, Google, Slack bot token, `System.get_env/2`
defaults), each with the cursor before, inside (half typed) and after it: {cursors_tried} inline
completions through the real server, model and feedback store, accepted when something was
proposed; {events} events written. Secrets found in the database (whole or any 12-character piece):
**{stored} of {len(SECRETS)}**. The same corpus through the feedback tracker with forced proposals is
a test (`tests/fuzz/test_secret_planting.py`).
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz campaign; exit 1 when a property failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--long", action="store_true", help="issue 18's sizes: 10,000 cases, 400 documents")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--protocol-cases", type=int)
    parser.add_argument("--documents", type=int)
    parser.add_argument("--report", type=Path, help="write the markdown report here")
    args = parser.parse_args(argv)
    cases = args.protocol_cases or (10_000 if args.long else 300)
    docs = args.documents or (400 if args.long else 15)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="ec-robustness-") as tmp:
        base = Path(tmp)
        protocol = run_protocol(cases, args.seed, base / "protocol")
        print("protocol", protocol.ok, _line("protocol", protocol), flush=True)
        documents = run_documents(docs, args.seed, base / "documents")
        print("documents", documents.ok, _line("documents", documents), flush=True)
        rss = run_rss(11, base / "rss") if args.report else []
        print("rss", rss, flush=True)
        secrets = run_secrets(base / "secrets") if args.report else (0, 0, 0)
        print("secrets", secrets, flush=True)
    if args.report:
        write_report(args.report, args.seed, protocol, documents, rss, secrets, load)
    return 0 if protocol.ok and documents.ok and secrets[2] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
