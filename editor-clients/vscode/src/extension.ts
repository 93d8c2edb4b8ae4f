/**
 * The VS Code extension: starts `elixir-coder serve` with vscode-languageclient for Elixir, EEx
 * and HEEx, forwards settings, shows the server's status, and adds the ElixirCoder commands.
 * The logic lives in the vscode-free modules beside this one, which the Node tests exercise.
 */
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import {
  EXPLAIN_PREFIX,
  GENERATE_PREFIX,
  SuggestionTracker,
  actionByPrefix,
  missingServerCommands,
} from "./acceptance";
import {
  EXPLAIN_COMMAND,
  EXPLAIN_SCHEME,
  GENERATE_COMMAND,
  explanationMarkdown,
  explanationPath,
  generationNotice,
} from "./explainView";
import { resolveServerCommand } from "./serverCommand";
import { SECTION, serverSettings, toggledCompletions } from "./settings";
import { STATUS_CHANGED, STATUS_METHOD, parseStatus, statusView } from "./status";

const LANGUAGES = ["elixir", "eex", "heex"];
const POLL_BUSY_MS = 2000;
const POLL_IDLE_MS = 15000;

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem | undefined;
let pollTimer: NodeJS.Timeout | undefined;
let lastSeverity: ReturnType<typeof statusView>["severity"] | undefined;
const tracker = new SuggestionTracker();
// The explanations shown so far, served read-only under EXPLAIN_SCHEME to the markdown preview.
const explanations = new Map<string, string>();
const explanationChanged = new vscode.EventEmitter<vscode.Uri>();

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

/** Reads a key only when the user set it somewhere, so the server's defaults apply otherwise. */
function readSet(key: string): unknown {
  const info = config().inspect(key);
  if (info === undefined) {
    return undefined;
  }
  return info.workspaceFolderValue ?? info.workspaceValue ?? info.globalValue;
}

function showStatus(view: ReturnType<typeof statusView>): void {
  if (statusItem === undefined) {
    return;
  }
  lastSeverity = view.severity;
  statusItem.text = view.text;
  statusItem.tooltip = view.tooltip;
  statusItem.backgroundColor = view.severity === "error" ?
    new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
  statusItem.show();
}

async function refreshStatus(): Promise<boolean> {
  if (client === undefined || client.state !== State.Running) {
    showStatus(statusView(undefined, "The ElixirCoder server is not running."));
    return true;
  }
  try {
    const status = parseStatus(await client.sendRequest(STATUS_METHOD, null));
    showStatus(statusView(status));
    return status.loading;
  } catch (err) {
    showStatus(statusView(undefined, `${STATUS_METHOD} failed: ${(err as Error).message}`));
    return false;
  }
}

function schedulePoll(delay: number): void {
  if (pollTimer !== undefined) {
    clearTimeout(pollTimer);
  }
  pollTimer = setTimeout(() => {
    void refreshStatus().then((busy) => schedulePoll(busy ? POLL_BUSY_MS : POLL_IDLE_MS));
  }, delay);
}

/** Shows an explanation's markdown in a preview beside the code (as plain markdown if there is no preview). */
async function showExplanation(markdown: string, args: readonly unknown[]): Promise<void> {
  const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: explanationPath(args) });
  explanations.set(uri.path, markdown);
  explanationChanged.fire(uri);
  try {
    await vscode.commands.executeCommand("markdown.showPreviewToSide", uri);
  } catch {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}

/** Runs the server's code action whose title starts with `prefix` at the cursor. */
async function runActionByPrefix(prefix: string, what: string): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || !LANGUAGES.includes(editor.document.languageId)) {
    void vscode.window.showInformationMessage(`ElixirCoder: open an Elixir file to ${what}.`);
    return;
  }
  const range = editor.selection.isEmpty ? editor.document.lineAt(editor.selection.active.line).range : editor.selection;
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
    "vscode.executeCodeActionProvider", editor.document.uri, range);
  const action = actionByPrefix(actions, prefix);
  if (action === undefined) {
    void vscode.window.showInformationMessage(`ElixirCoder: nothing to ${what} here.`);
    return;
  }
  if ("edit" in action && action.edit !== undefined) {
    await vscode.workspace.applyEdit(action.edit);
  }
  const command = "command" in action && typeof action.command === "object" ? action.command :
    ("command" in action && typeof action.command === "string" ? action as vscode.Command : undefined);
  if (command !== undefined) {
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
  }
}

function startClient(context: vscode.ExtensionContext): void {
  const resolved = resolveServerCommand({
    serverPath: config().get<string>("server.path"),
    pythonPath: config().get<string>("server.pythonPath"),
    extraArgs: config().get<string[]>("server.extraArgs"),
  });
  if (!resolved.ok) {
    showStatus(statusView(undefined, resolved.message));
    void vscode.window.showErrorMessage(resolved.message, "Open Settings").then((choice) => {
      if (choice === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "elixirCoder.server");
      }
    });
    return;
  }
  const serverOptions: ServerOptions = {
    command: resolved.command,
    args: resolved.args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: "file", language },
      { scheme: "untitled", language },
    ]),
    initializationOptions: serverSettings(readSet),
    middleware: {
      // The server's commands run through here whether a code action, a palette command or
      // another extension invoked them: show what they return.
      executeCommand: async (command, args, next) => {
        const result: unknown = await next(command, args);
        if (command === EXPLAIN_COMMAND) {
          const markdown = explanationMarkdown(result);
          if (markdown !== undefined) {
            await showExplanation(markdown, args);
          }
        } else if (command === GENERATE_COMMAND) {
          const notice = generationNotice(result);
          if (notice !== undefined) {
            void vscode.window.showInformationMessage(notice);
          }
        }
        return result;
      },
      workspace: {
        // Answer workspace/configuration with the server keys only (never `server.path`).
        configuration: (params, token, next) => {
          if (params.items.every((item) => item.section === SECTION)) {
            return params.items.map(() => serverSettings(readSet).elixirCoder);
          }
          return next(params, token);
        },
      },
      provideInlineCompletionItems: async (document, position, ctx, token, next) => {
        const result = await next(document, position, ctx, token);
        const items = Array.isArray(result) ? result : (result?.items ?? []);
        tracker.noteItems(items.map((i) => ({ command: i.command })));
        if (lastSeverity !== "ok" && lastSeverity !== "off") {
          schedulePoll(300);  // a model answered or is loading: the status bar catches up now
        }
        return result;
      },
    },
  };
  client = new LanguageClient("elixirCoder", "ElixirCoder", serverOptions, clientOptions);
  // The server tells when a model starts or finishes loading; polling covers older servers.
  client.onNotification(STATUS_CHANGED, (raw: unknown) => {
    try {
      showStatus(statusView(parseStatus(raw)));
    } catch {
      schedulePoll(0);
    }
  });
  client.start().then(() => {
    const advertised = client?.initializeResult?.capabilities.executeCommandProvider?.commands;
    for (const name of missingServerCommands(advertised)) {
      // Items carry these commands; forward them even when the server did not advertise them.
      context.subscriptions.push(vscode.commands.registerCommand(name, (...args: unknown[]) =>
        client?.sendRequest(ExecuteCommandRequest.type, { command: name, arguments: args })));
    }
    schedulePoll(0);
  }, (err: Error) => {
    showStatus(statusView(undefined, `The ElixirCoder server failed to start: ${err.message}`));
  });
}

/**
 * Activates the extension for Elixir, EEx and HEEx files.
 *
 * @param context the extension context
 */
export function activate(context: vscode.ExtensionContext): void {
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  statusItem.command = "elixirCoder.showStatus";
  context.subscriptions.push(statusItem, explanationChanged);
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
    onDidChange: explanationChanged.event,
    provideTextDocumentContent: (uri) => explanations.get(uri.path) ?? "",
  }));
  context.subscriptions.push(
    vscode.commands.registerCommand("elixirCoder.explainDiagnostic",
      () => runActionByPrefix(EXPLAIN_PREFIX, "explain")),
    // Not the server's `elixirCoder.generateImplementation` (vscode-languageclient registers that
    // one from executeCommandProvider): this palette command finds the action at the cursor.
    vscode.commands.registerCommand("elixirCoder.generateAtCursor",
      () => runActionByPrefix(GENERATE_PREFIX, "generate")),
    vscode.commands.registerCommand("elixirCoder.toggleCompletions", async () => {
      const next = toggledCompletions(config().get("completionsEnabled"));
      await config().update("completionsEnabled", next, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(`ElixirCoder completions ${next ? "on" : "off"}.`);
    }),
    vscode.commands.registerCommand("elixirCoder.showStatus", async () => {
      await refreshStatus();
      const tooltip = statusItem?.tooltip;
      void vscode.window.showInformationMessage(typeof tooltip === "string" ? tooltip : "ElixirCoder", { modal: true });
    }),
    vscode.commands.registerCommand("elixirCoder.dismissSuggestion", async () => {
      const rejection = tracker.takeRejection();
      await vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
      if (rejection !== undefined) {
        await vscode.commands.executeCommand(rejection.command, ...(rejection.arguments ?? []));
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.server`)) {
        void deactivate().then(() => startClient(context));
      } else if (event.affectsConfiguration(SECTION) && client !== undefined) {
        void client.sendNotification(DidChangeConfigurationNotification.type, { settings: serverSettings(readSet) });
        schedulePoll(500);
      }
    }),
  );
  startClient(context);
}

/** Stops the server. */
export async function deactivate(): Promise<void> {
  if (pollTimer !== undefined) {
    clearTimeout(pollTimer);
    pollTimer = undefined;
  }
  const stopping = client;
  client = undefined;
  if (stopping !== undefined) {
    await stopping.stop();
  }
}
