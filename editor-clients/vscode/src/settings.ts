/**
 * The server's settings as the extension sends them: the keys of docs/protocol.md's settings
 * table, read from the `elixirCoder` configuration section. Free of `vscode` so Node tests can
 * import it.
 */

/** The configuration section (settings.json prefix) and the key servers look for. */
export const SECTION = "elixirCoder";

/** Every server setting with its default, in the order of docs/protocol.md. */
export const SERVER_SETTING_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  analyzer: "auto",
  strict: null,
  credo: true,
  sobelow: true,
  diagnosticsOnChange: false,
  projectDiagnostics: true,
  debounceMs: 300,
  maxFileBytes: 2097152,
  disabledChecks: [],
  enabledChecks: [],
  docsBaseUrl: null,
  completionsEnabled: true,
  completionMaxTokens: 64,
  completionPromptTokens: 256,
  completionLinePromptTokens: 192,
  constrainedDecoding: true,
  guidedDecoding: true,
  checkedProposals: true,
  repositoryContext: false,
  completionAlternatives: 1,
  repositoryContextTokens: 128,
  adapter: "auto",
  modelPath: null,
  device: "cpu",
  computeType: null,
  remoteUrl: null,
  remoteModel: null,
  remoteApiKey: null,
  telemetry: true,
  telemetryPath: null,
  editCheckDelaySeconds: 30,
  clarifyEntropy: 0.5,
  clarifyClusters: 3,
  qualityModel: true,
});

/** Client-only settings: how to start the server. They are never sent to it. */
export const CLIENT_SETTING_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  "server.path": "",
  "server.pythonPath": "",
  "server.extraArgs": [],
});

/** Reads one key of the `elixirCoder` section; `undefined` when unset (VS Code's `get`). */
export type SettingReader = (key: string) => unknown;

/**
 * The object sent as `initializationOptions` and in `workspace/didChangeConfiguration`.
 *
 * Only server keys are copied (client keys such as `server.path` stay here); unset keys are
 * left out so the server's own defaults apply. Values are passed as they are: the server
 * reports bad ones as warnings, which is where users look for them.
 *
 * @param read reads one key of the `elixirCoder` section
 * @returns the server settings, nested under `elixirCoder`
 */
export function serverSettings(read: SettingReader): { elixirCoder: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SERVER_SETTING_DEFAULTS)) {
    const value = read(key);
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return { elixirCoder: out };
}

/**
 * The value `toggleCompletions` writes: the opposite of the effective setting.
 *
 * @param current the current `completionsEnabled` value (`undefined`: the default, on)
 * @returns the new value
 */
export function toggledCompletions(current: unknown): boolean {
  return current === false;
}
