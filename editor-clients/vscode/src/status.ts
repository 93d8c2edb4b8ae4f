/**
 * The `elixirCoder/status` response (docs/protocol.md) and the status bar text made from it.
 * Free of `vscode` so Node tests can import it.
 */

/** The custom request's method name. */
export const STATUS_METHOD = "elixirCoder/status";

/** The server's notification when the model's state changes; its params are a status. */
export const STATUS_CHANGED = "elixirCoder/statusChanged";

/** What `elixirCoder/status` returns. */
export interface ServerStatus {
  modelLoaded: boolean;
  loading: boolean;
  version: string | null;
  adapter: string | null;
  adapters: string[];
  backend: string | null;
  rssBytes: number | null;
  queue: number;
  completionsEnabled: boolean;
  error: string | null;
}

/** Text, tooltip and severity of the status bar item. */
export interface StatusView {
  text: string;
  tooltip: string;
  severity: "ok" | "busy" | "off" | "error";
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/**
 * Reads a status response, tolerating missing optional fields.
 *
 * @param raw the JSON result of `elixirCoder/status`
 * @returns the typed status
 * @throws Error when `raw` is not an object
 */
export function parseStatus(raw: unknown): ServerStatus {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${STATUS_METHOD} returned ${JSON.stringify(raw)}, not an object`);
  }
  const r = raw as Record<string, unknown>;
  return {
    modelLoaded: r.modelLoaded === true,
    loading: r.loading === true,
    version: str(r.version),
    adapter: str(r.adapter),
    adapters: Array.isArray(r.adapters) ? r.adapters.filter((a): a is string => typeof a === "string") : [],
    backend: str(r.backend),
    rssBytes: typeof r.rssBytes === "number" ? r.rssBytes : null,
    queue: typeof r.queue === "number" ? r.queue : 0,
    completionsEnabled: r.completionsEnabled !== false,
    error: str(r.error),
  };
}

/**
 * The status bar item for a status, or for a server that could not be asked.
 *
 * @param status the parsed status; undefined when there is none
 * @param problem why there is no status (server missing, request failed)
 * @param progress a loading percentage from `$/progress`, when the server sent one
 * @returns what the item shows
 */
export function statusView(status: ServerStatus | undefined, problem?: string, progress?: number): StatusView {
  if (status === undefined) {
    return {
      text: "$(error) ElixirCoder",
      tooltip: problem ?? "The ElixirCoder server is not running.",
      severity: "error",
    };
  }
  const lines = [
    `Model ${status.version ?? "?"}${status.modelLoaded ? "" : " (not loaded)"}`,
    `Adapter: ${status.adapter ?? "none yet"} (available: ${status.adapters.join(", ") || "none"})`,
    `Backend: ${status.backend ?? "?"}`,
  ];
  if (status.rssBytes !== null) {
    lines.push(`Memory: ${Math.round(status.rssBytes / (1024 * 1024))} MiB`);
  }
  lines.push(`Queue: ${status.queue}`);
  lines.push(`Completions: ${status.completionsEnabled ? "on" : "off"}`);
  if (status.error !== null) {
    lines.push(`Error: ${status.error}`);
  }
  const tooltip = lines.join("\n");
  if (status.loading) {
    const pct = progress === undefined ? "" : ` ${Math.max(0, Math.min(100, Math.round(progress)))}%`;
    return { text: `$(sync~spin) ElixirCoder: loading model${pct}`, tooltip, severity: "busy" };
  }
  if (status.error !== null || !status.modelLoaded) {
    return { text: "$(warning) ElixirCoder: no model", tooltip, severity: "error" };
  }
  const adapter = status.adapter === null ? "" : ` · ${status.adapter}`;
  if (!status.completionsEnabled) {
    return { text: `$(circle-slash) ElixirCoder ${status.version ?? ""}${adapter} (off)`.replace("  ", " "), tooltip, severity: "off" };
  }
  return { text: `$(sparkle) ElixirCoder ${status.version ?? ""}${adapter}`.replace("  ", " "), tooltip, severity: "ok" };
}
