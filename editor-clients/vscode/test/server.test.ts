/**
 * The protocol path against the real `elixir-coder serve`: what the extension relies on
 * (docs/protocol.md). Completion tests fail with a clear message while the server lacks them.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { CodeAction, CompletionItem, CompletionList, Hover, InlineCompletionItem,
  InlineCompletionList } from "vscode-languageserver-protocol/node";

import { ACCEPTED, REJECTED, acceptedArgs, missingServerCommands } from "../src/acceptance";
import { serverSettings } from "../src/settings";
import { STATUS_METHOD, parseStatus, statusView } from "../src/status";
import { TestServer, applyEdits, codes } from "./lspClient";

const SAMPLE = [
  "defmodule Sample do",
  "  @moduledoc false",
  "  def big, do: 1000000",
  "",
  "  def show(x) do",
  "    IO.inspect(x)",
  "  end",
  "end",
  "",
].join("\n");
const URI = "file:///tmp/elixir-coder-vscode-test/lib/sample.ex";

let server: TestServer;

before(async () => {
  server = await TestServer.start();
});

after(async () => {
  await server?.stop();
});

test("initialize: the server advertises diagnostics' companions (code actions, hover)", () => {
  const caps = server.initializeResult!.capabilities;
  assert.ok(caps.codeActionProvider, "codeActionProvider");
  assert.ok(caps.hoverProvider, "hoverProvider");
  assert.equal(server.initializeResult!.serverInfo?.name, "elixir-coder");
});

test("didOpen publishes Credo diagnostics with the document version", async () => {
  await server.open(URI, SAMPLE, "elixir", 7);
  const published = await server.waitDiagnostics(URI, (p) => p.diagnostics.length >= 2);
  assert.equal(published.version, 7);
  assert.deepEqual(codes(published.diagnostics), ["Readability.LargeNumbers", "Warning.IoInspect"]);
  const large = published.diagnostics.find((d) => d.code === "Readability.LargeNumbers")!;
  assert.equal(large.source, "credo");
  assert.equal(large.range.start.line, 2);
  assert.ok(large.codeDescription?.href, "codeDescription.href links the check's page");
});

test("a quick fix from textDocument/codeAction rewrites the number", async () => {
  const published = await server.waitDiagnostics(URI, (p) => p.diagnostics.length >= 2);
  const large = published.diagnostics.find((d) => d.code === "Readability.LargeNumbers")!;
  const actions = await server.connection.sendRequest<CodeAction[]>("textDocument/codeAction", {
    textDocument: { uri: URI }, range: large.range, context: { diagnostics: [large] },
  });
  const fix = actions.find((a) => a.kind === "quickfix" && a.edit !== undefined);
  assert.ok(fix, `a quick fix among ${JSON.stringify(actions.map((a) => a.title))}`);
  const change = fix.edit!.documentChanges![0] as unknown as { textDocument: { uri: string }; edits: [] };
  assert.equal(change.textDocument.uri, URI);
  assert.match(applyEdits(SAMPLE, change.edits), /def big, do: 1_000_000/);
});

test("hover explains the diagnostic under the cursor", async () => {
  const hover = await server.connection.sendRequest<Hover | null>("textDocument/hover", {
    textDocument: { uri: URI }, position: { line: 2, character: 17 },
  });
  assert.ok(hover, "a hover over the large number");
  assert.match(JSON.stringify(hover.contents), /LargeNumbers/);
});

test("settings from the extension's mapping reach the server (disabledChecks)", async () => {
  const user: Record<string, unknown> = { disabledChecks: ["Readability.LargeNumbers"], "server.path": "" };
  const other = await TestServer.start(serverSettings((k) => user[k]));
  try {
    await other.open(URI, SAMPLE);
    const published = await other.waitDiagnostics(URI, (p) => p.diagnostics.length >= 1);
    assert.deepEqual(codes(published.diagnostics), ["Warning.IoInspect"]);
    assert.equal(other.logs.filter((l) => /unknown|invalid/i.test(l)).length, 0, other.logs.join("\n"));
  } finally {
    await other.stop();
  }
});

// --- completions: the server side lands separately; these fail clearly until it does ---------

function requireCapability(name: "inlineCompletionProvider" | "completionProvider" | "executeCommandProvider"): void {
  const caps = server.initializeResult!.capabilities as Record<string, unknown>;
  assert.ok(caps[name], `the server does not advertise ${name} yet (docs/protocol.md promises it)`);
}

/** `elixirCoder/status` ("no params": sent as null, as Neovim and pygls clients do). */
async function status(): Promise<ReturnType<typeof parseStatus>> {
  return parseStatus(await server.connection.sendRequest(STATUS_METHOD, null));
}

/** Status once the model is loaded, failed, or has not started loading within 10 s. */
async function readyStatus(): Promise<ReturnType<typeof parseStatus>> {
  const start = Date.now();
  for (;;) {
    const current = await status();
    const waited = Date.now() - start;
    if (current.modelLoaded || current.error !== null || waited > 60000 || (!current.loading && waited > 10000)) {
      return current;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("elixirCoder/status answers, and the status bar text follows it", async () => {
  const current = await readyStatus();
  assert.equal(current.adapters.includes("base"), true, JSON.stringify(current));
  const view = statusView(current);
  if (current.modelLoaded) {
    assert.ok(current.version, "status.version");
    assert.equal(view.text, `$(sparkle) ElixirCoder ${current.version}${current.adapter ? ` · ${current.adapter}` : ""}`);
  } else {
    assert.equal(view.text, "$(warning) ElixirCoder: no model");
  }
});

test("the server advertises the feedback commands", () => {
  requireCapability("executeCommandProvider");
  const advertised = server.initializeResult!.capabilities.executeCommandProvider!.commands;
  assert.deepEqual(missingServerCommands(advertised), []);
});

// After `Module.` guided decoding keeps the proposal to that module's functions, so any model proposes a name
// here (the end of a half-written expression may rightly get no proposal from some models).
const TYPING = "defmodule Greeter do\n  def hello(names) do\n    Enum.\n  end\nend\n";
const TYPING_CURSOR = { line: 2, character: 9 };
const TYPING_URI = "file:///tmp/elixir-coder-vscode-test/lib/greeter.ex";

test("inline completion: items with insertText, range and the acceptance command; accept and reject", async () => {
  requireCapability("inlineCompletionProvider");
  await server.open(TYPING_URI, TYPING);
  const ready = await readyStatus();
  assert.ok(ready.modelLoaded, `model not loaded: ${ready.error ?? "not loaded"}`);
  const result = await server.connection.sendRequest<InlineCompletionList | InlineCompletionItem[] | null>(
    "textDocument/inlineCompletion", {
      textDocument: { uri: TYPING_URI }, position: TYPING_CURSOR,
      context: { triggerKind: 2 },
    });
  const items = Array.isArray(result) ? result : (result?.items ?? []);
  assert.ok(items.length >= 1, `no inline completion items: ${JSON.stringify(result)}`);
  const first = items[0];
  assert.equal(typeof first.insertText, "string");
  assert.ok(first.range, "range");
  const args = acceptedArgs(first.command);
  assert.ok(args, `acceptance command on the item: ${JSON.stringify(first.command)}`);
  assert.equal(args.index, 0);
  await server.connection.sendRequest("workspace/executeCommand", { command: ACCEPTED, arguments: [args] });
  await server.connection.sendRequest("workspace/executeCommand",
    { command: ACCEPTED, arguments: [{ ...args, acceptedChars: 1 }] });
  await server.connection.sendRequest("workspace/executeCommand",
    { command: REJECTED, arguments: [{ requestId: args.requestId }] });
  const after = await status();
  assert.ok(after.adapter, "status names the adapter the last completion used");
});

test("classic completion: the model's proposal first, with the acceptance command", async () => {
  requireCapability("completionProvider");
  await server.open(TYPING_URI + "2", TYPING);
  const ready = await readyStatus();
  assert.ok(ready.modelLoaded, `model not loaded: ${ready.error ?? "not loaded"}`);
  const result = await server.connection.sendRequest<CompletionList | CompletionItem[] | null>(
    "textDocument/completion", { textDocument: { uri: TYPING_URI + "2" }, position: TYPING_CURSOR });
  const items = Array.isArray(result) ? result : (result?.items ?? []);
  assert.ok(items.length >= 1, `no completion items: ${JSON.stringify(result)}`);
  // docs/protocol.md gives sortText "0"; what a client relies on is that it sorts first.
  const first = items[0].sortText ?? "";
  assert.ok(items.slice(1).every((i) => (i.sortText ?? i.label) > first), JSON.stringify(items.map((i) => i.sortText)));
  assert.equal(items[0].kind, 15, "kind Snippet");
  assert.ok(acceptedArgs(items[0].command), `acceptance command: ${JSON.stringify(items[0].command)}`);
});
