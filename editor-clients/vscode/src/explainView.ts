/**
 * What the extension shows for the server's command results (docs/protocol.md): the markdown of
 * `elixirCoder.explain`, and a sentence for a `elixirCoder.generateImplementation` that did not
 * apply code. Free of `vscode` so Node tests can import it.
 */

/** The server's commands whose results the extension shows. */
export const EXPLAIN_COMMAND = "elixirCoder.explain";
export const GENERATE_COMMAND = "elixirCoder.generateImplementation";

/** The URI scheme of the read-only explanation documents. */
export const EXPLAIN_SCHEME = "elixir-coder-explain";

/**
 * The markdown of an `elixirCoder.explain` result.
 *
 * @param result the command's result
 * @returns the markdown, or undefined when the result carries none
 */
export function explanationMarkdown(result: unknown): string | undefined {
  if (result === null || typeof result !== "object") {
    return undefined;
  }
  const md = (result as Record<string, unknown>).markdown;
  return typeof md === "string" && md.trim() !== "" ? md : undefined;
}

/**
 * The path of the explanation document for a command's arguments: one per check and line, so
 * explaining the same finding again reuses its preview.
 *
 * @param args the command's arguments (`[{uri, line, check?}]`)
 * @returns a path such as `/Explain Readability.LargeNumbers (line 3).md`
 */
export function explanationPath(args: readonly unknown[]): string {
  const arg = (args[0] ?? {}) as Record<string, unknown>;
  const check = typeof arg.check === "string" ? arg.check.replace(/[^\w.-]/g, "_") : "diagnostic";
  const line = typeof arg.line === "number" ? ` (line ${arg.line + 1})` : "";
  return `/Explain ${check}${line}.md`;
}

/**
 * What to tell the user after `elixirCoder.generateImplementation` when no code was applied.
 *
 * @param result the command's result
 * @returns a sentence, or undefined when the code was applied (or the result is not understood)
 */
export function generationNotice(result: unknown): string | undefined {
  if (result === null || typeof result !== "object") {
    return undefined;
  }
  const r = result as Record<string, unknown>;
  if (r.status === "question") {
    const q = (r.question ?? {}) as Record<string, unknown>;
    const text = typeof q.text === "string" ? q.text : "a question";
    return `ElixirCoder asks: ${text} Pick an answer from the light bulb (Quick Fix) on that line.`;
  }
  if (r.status === "failed") {
    return `ElixirCoder could not generate a checked implementation${typeof r.message === "string" ? `: ${r.message}` : "."}`;
  }
  return undefined;
}
