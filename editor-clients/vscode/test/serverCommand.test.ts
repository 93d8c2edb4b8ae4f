/** Resolving the server's command line, with real executables in temporary directories. */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";

import { resolveServerCommand, which } from "../src/serverCommand";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ec-cmd-"));
  dirs.push(dir);
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), body);
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

test("the configured path wins and gets `serve` plus extra arguments", () => {
  const dir = dirWith({ "my-server": "#!/bin/sh\n" });
  const got = resolveServerCommand({ serverPath: path.join(dir, "my-server"), extraArgs: ["--tcp", "9"], envPath: "" });
  assert.deepEqual(got, { ok: true, command: path.join(dir, "my-server"), args: ["serve", "--tcp", "9"], via: "path" });
});

test("a configured path that does not exist is a clear message, not a crash", () => {
  const got = resolveServerCommand({ serverPath: "/nonexistent/elixir-coder", envPath: "" });
  assert.equal(got.ok, false);
  assert.match(!got.ok ? got.message : "", /elixirCoder\.server\.path is "\/nonexistent\/elixir-coder", which is not an executable/);
  assert.match(!got.ok ? got.message : "", /pip install elixir-coder/);
});

test("elixir-coder on PATH is found", () => {
  const dir = dirWith({ "elixir-coder": "#!/bin/sh\n" });
  const got = resolveServerCommand({ envPath: `/nonexistent${path.delimiter}${dir}` });
  assert.deepEqual(got, { ok: true, command: path.join(dir, "elixir-coder"), args: ["serve"], via: "PATH" });
});

test("a file that is not executable is skipped", () => {
  const dir = dirWith({});
  writeFileSync(path.join(dir, "elixir-coder"), "#!/bin/sh\n");
  assert.equal(which("elixir-coder", dir), undefined);
});

test("without elixir-coder, a Python that imports the server is used", () => {
  const python = which("python3");
  assert.ok(python, "python3 is needed for this test");
  const got = resolveServerCommand({ pythonPath: python, envPath: "" });
  assert.deepEqual(got, { ok: true, command: python, args: ["-m", "elixir_coder.cli", "serve"], via: "python" });
});

test("without elixir-coder and python3 on PATH the message names both", () => {
  const got = resolveServerCommand({ envPath: dirWith({}) });
  assert.equal(got.ok, false);
  assert.match(!got.ok ? got.message : "", /`elixir-coder` is not on PATH and neither is `python3`/);
});

test("a configured interpreter that is missing is named in the message", () => {
  const got = resolveServerCommand({ pythonPath: "/nonexistent/python", envPath: dirWith({}) });
  assert.match(!got.ok ? got.message : "", /elixirCoder\.server\.pythonPath "\/nonexistent\/python" is not an executable file/);
});

test("a Python without the package is reported with the pip command to run", () => {
  // A real interpreter stand-in: a script that exits 1 like a Python failing the import.
  const dir = dirWith({ python3: "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'elixir_coder'\" >&2\nexit 1\n" });
  const got = resolveServerCommand({ envPath: dir });
  assert.equal(got.ok, false);
  assert.match(!got.ok ? got.message : "", /cannot import it \(run `.*python3 -m pip install elixir-coder`\)/);
});
