/**
 * A small LSP client for the tests: spawns the real `elixir-coder serve` (resolved the way the
 * extension resolves it) and speaks JSON-RPC over its stdio with vscode-languageserver-protocol.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  ConfigurationRequest,
  type Diagnostic,
  InitializeRequest,
  type InitializeResult,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
  type TextEdit,
  WorkDoneProgressCreateRequest,
  createProtocolConnection,
} from "vscode-languageserver-protocol/node";

import { resolveServerCommand } from "../src/serverCommand";

/** A running server and the connection to it. */
export class TestServer {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly logs: string[] = [];
  stderr = "";
  initializeResult: InitializeResult | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly proc: ChildProcess, readonly connection: ProtocolConnection) {}

  /** Starts the server and initializes it with `settings` as initializationOptions. */
  static async start(settings: Record<string, unknown> = {}, rootUri: string | null = null): Promise<TestServer> {
    const resolved = resolveServerCommand({});
    if (!resolved.ok) {
      throw new Error(resolved.message);
    }
    // A home of its own, so feedback and caches never land in the user's data directory.
    const home = mkdtempSync(path.join(tmpdir(), "ec-home-"));
    const proc = spawn(resolved.command, resolved.args,
      { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ELIXIR_CODER_HOME: home } });
    proc.once("exit", () => rmSync(home, { recursive: true, force: true }));
    const connection = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const server = new TestServer(proc, connection);
    proc.stderr!.on("data", (chunk: Buffer) => { server.stderr += chunk.toString(); });
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const list = server.diagnostics.get(params.uri) ?? [];
      list.push(params);
      server.diagnostics.set(params.uri, list);
      server.wake();
    });
    connection.onNotification("window/logMessage", (params: { message: string }) => { server.logs.push(params.message); });
    connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => settings.elixirCoder ?? {}));
    connection.onRequest("client/registerCapability", () => null);
    connection.listen();
    server.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      initializationOptions: settings,
      capabilities: {
        workspace: { configuration: true, executeCommand: {} },
        window: { workDoneProgress: true },
        textDocument: {
          publishDiagnostics: { versionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix"] } } },
          hover: { contentFormat: ["markdown", "plaintext"] },
          completion: { completionItem: { snippetSupport: true } },
          inlineCompletion: {},
        },
      },
    });
    await connection.sendNotification("initialized", {});
    return server;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  /** Waits until `pred` holds for the diagnostics published for `uri`. */
  async waitDiagnostics(uri: string, pred: (d: PublishDiagnosticsParams) => boolean,
    timeoutMs = 20000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (this.diagnostics.get(uri) ?? []).find(pred);
      if (found !== undefined) {
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; got ` +
          `${JSON.stringify(this.diagnostics.get(uri) ?? [])}\nserver stderr:\n${this.stderr.slice(-2000)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** Opens a document. */
  async open(uri: string, text: string, languageId = "elixir", version = 1): Promise<void> {
    await this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId, version, text },
    });
  }

  /** Shuts the server down and waits for the process to exit. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) {
        resolve();
      } else {
        this.proc.once("exit", () => resolve());
      }
    });
    try {
      await Promise.race([this.connection.sendRequest("shutdown"), new Promise((r) => setTimeout(r, 3000))]);
      await this.connection.sendNotification("exit");
    } catch {
      // the process may already be gone
    }
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}

/** Applies LSP text edits (line/character positions, non-overlapping) to a text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (line: number, character: number): number =>
    lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + character;
  const sorted = [...edits].sort((a, b) =>
    offset(b.range.start.line, b.range.start.character) - offset(a.range.start.line, a.range.start.character));
  let out = text;
  for (const e of sorted) {
    const start = offset(e.range.start.line, e.range.start.character);
    const end = offset(e.range.end.line, e.range.end.character);
    out = out.slice(0, start) + e.newText + out.slice(end);
  }
  return out;
}

/** The checks (diagnostic codes) in a diagnostics list. */
export function codes(diags: Diagnostic[]): string[] {
  return diags.map((d) => String(d.code)).sort();
}
