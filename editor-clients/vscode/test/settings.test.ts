/** The contributed settings and the server-settings mapping against docs/protocol.md's table. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

import { CLIENT_SETTING_DEFAULTS, SERVER_SETTING_DEFAULTS, serverSettings, toggledCompletions } from "../src/settings";

const ROOT = path.resolve(__dirname, "..", "..");
const REPO = path.resolve(ROOT, "..", "..");

interface Contributed {
  default: unknown;
  description?: string;
  markdownDescription?: string;
}

function contributed(): Record<string, Contributed> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  return pkg.contributes.configuration.properties as Record<string, Contributed>;
}

/** Keys and defaults of docs/protocol.md's settings table (plus `debounceMs`, named in a row's text). */
function protocolTable(): Map<string, unknown> {
  const doc = readFileSync(path.join(REPO, "docs", "protocol.md"), "utf8");
  const section = doc.slice(doc.indexOf("## Settings"));
  const out = new Map<string, unknown>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 4 || !cells[1].startsWith("`")) {
      continue;
    }
    const keys = [...cells[1].matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]);
    const defaults = cells[2].split(/,\s*/).map((d) => JSON.parse(d.replace(/`/g, "")));
    keys.forEach((k, i) => out.set(k, defaults.length === keys.length ? defaults[i] : defaults[0]));
    const debounce = /`debounceMs` \((\d+)\)/.exec(cells[3]);
    if (debounce !== null) {
      out.set("debounceMs", Number(debounce[1]));
    }
  }
  return out;
}

test("the mapping covers docs/protocol.md's settings table, with the same defaults", () => {
  const table = protocolTable();
  assert.ok(table.size >= 20, `parsed only ${table.size} keys from docs/protocol.md`);
  assert.deepEqual(new Map(Object.entries(SERVER_SETTING_DEFAULTS)), table);
});

test("package.json contributes every setting with the same default and a description", () => {
  const props = contributed();
  const all = { ...SERVER_SETTING_DEFAULTS, ...CLIENT_SETTING_DEFAULTS };
  assert.deepEqual(Object.keys(props).sort(), Object.keys(all).map((k) => `elixirCoder.${k}`).sort());
  for (const [key, def] of Object.entries(all)) {
    const prop = props[`elixirCoder.${key}`];
    assert.deepEqual(prop.default, def, `default of elixirCoder.${key}`);
    assert.ok((prop.description ?? prop.markdownDescription ?? "").length > 10, `description of elixirCoder.${key}`);
  }
});

test("serverSettings sends only set server keys, nested under elixirCoder", () => {
  const user: Record<string, unknown> = {
    analyzer: "builtin", disabledChecks: ["Readability.LargeNumbers"], strict: null,
    "server.path": "/opt/elixir-coder", completionsEnabled: false,
  };
  const sent = serverSettings((key) => user[key]);
  assert.deepEqual(sent, {
    elixirCoder: { analyzer: "builtin", strict: null, completionsEnabled: false, disabledChecks: ["Readability.LargeNumbers"] },
  });
  assert.deepEqual(serverSettings(() => undefined), { elixirCoder: {} });
});

test("toggling completions flips the effective value (default on)", () => {
  assert.equal(toggledCompletions(undefined), false);
  assert.equal(toggledCompletions(true), false);
  assert.equal(toggledCompletions(false), true);
});

test("the manifest registers the languages, commands and status", () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  assert.deepEqual(pkg.activationEvents, ["onLanguage:elixir", "onLanguage:eex", "onLanguage:heex"]);
  const commands = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const c of ["elixirCoder.explainDiagnostic", "elixirCoder.generateAtCursor",
    "elixirCoder.toggleCompletions", "elixirCoder.showStatus"]) {
    assert.ok(commands.includes(c), c);
  }
  // The extension contributes the languages itself, so it starts without ElixirLS.
  const languages = pkg.contributes.languages.map((l: { id: string }) => l.id);
  assert.deepEqual(languages, ["elixir", "eex", "heex"]);
  for (const l of pkg.contributes.languages as { configuration: string }[]) {
    const conf = JSON.parse(readFileSync(path.join(ROOT, l.configuration), "utf8"));
    assert.ok(conf.comments && conf.brackets.length > 0, l.configuration);
  }
  const ext = readFileSync(path.join(ROOT, "src", "extension.ts"), "utf8");
  for (const c of commands) {
    assert.ok(ext.includes(`"${c}"`), `${c} is contributed but not registered in extension.ts`);
  }
});
