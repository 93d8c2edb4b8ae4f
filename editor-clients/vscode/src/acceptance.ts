/**
 * Feedback plumbing: the server's commands (docs/protocol.md), the last suggestion shown (so
 * Escape can report a rejection) and picking code actions by title. Free of `vscode`.
 */

/** The commands the server executes through `workspace/executeCommand`. */
export const ACCEPTED = "elixirCoder.completionAccepted";
export const REJECTED = "elixirCoder.completionRejected";
export const RATE_EXPLANATION = "elixirCoder.rateExplanation";
export const SERVER_COMMANDS: readonly string[] = [ACCEPTED, REJECTED, RATE_EXPLANATION];

/** Title prefixes of the server's code actions behind the extension's commands. */
export const EXPLAIN_PREFIX = "Explain:";
export const GENERATE_PREFIX = "Generate implementation";

/** The part of an LSP command this module reads. */
export interface CommandLike {
  command: string;
  arguments?: unknown[];
}

/** The argument of `elixirCoder.completionAccepted`. */
export interface AcceptedArgs {
  requestId: string;
  index: number;
  acceptedChars?: number;
}

/**
 * The acceptance argument carried by an item's command, if it is ours and well formed.
 *
 * @param command an item's `command`
 * @returns the argument object, or undefined
 */
export function acceptedArgs(command: CommandLike | undefined): AcceptedArgs | undefined {
  if (command === undefined || command.command !== ACCEPTED || !Array.isArray(command.arguments)) {
    return undefined;
  }
  const arg = command.arguments[0] as Record<string, unknown> | undefined;
  if (arg === undefined || arg === null || typeof arg.requestId !== "string" || typeof arg.index !== "number") {
    return undefined;
  }
  const out: AcceptedArgs = { requestId: arg.requestId, index: arg.index };
  if (typeof arg.acceptedChars === "number") {
    out.acceptedChars = arg.acceptedChars;
  }
  return out;
}

/**
 * The command for a partial acceptance (a word or a line of the item).
 *
 * @param command the item's command
 * @param acceptedChars how many characters of the item were taken
 * @returns the command to execute, or undefined when the item carries no acceptance command
 */
export function partialAcceptance(command: CommandLike | undefined, acceptedChars: number): CommandLike | undefined {
  const args = acceptedArgs(command);
  if (args === undefined) {
    return undefined;
  }
  return { command: ACCEPTED, arguments: [{ requestId: args.requestId, index: args.index, acceptedChars }] };
}

/** Remembers the request id of the suggestion on screen, for the rejection command. */
export class SuggestionTracker {
  private requestId: string | undefined;

  /**
   * Notes the items of an inline completion response (the last response wins).
   *
   * @param items the items with their commands
   */
  noteItems(items: ReadonlyArray<{ command?: CommandLike }>): void {
    this.requestId = undefined;
    for (const item of items) {
      const args = acceptedArgs(item.command);
      if (args !== undefined) {
        this.requestId = args.requestId;
        return;
      }
    }
  }

  /** Forgets the suggestion (it was accepted, or replaced by typing). */
  clear(): void {
    this.requestId = undefined;
  }

  /**
   * The rejection command for the suggestion on screen, and forgets it.
   *
   * @returns the command to execute, or undefined when no suggestion is known
   */
  takeRejection(): CommandLike | undefined {
    const id = this.requestId;
    this.requestId = undefined;
    return id === undefined ? undefined : { command: REJECTED, arguments: [{ requestId: id }] };
  }
}

/**
 * The server commands a server did not advertise in `executeCommandProvider.commands`: the
 * extension registers these itself and forwards them, so acceptance works either way.
 *
 * @param advertised the commands from the initialize result
 * @returns the commands still to register
 */
export function missingServerCommands(advertised: readonly string[] | undefined): string[] {
  const have = new Set(advertised ?? []);
  return SERVER_COMMANDS.filter((c) => !have.has(c));
}

/**
 * The first code action whose title starts with `prefix`.
 *
 * @param actions the code actions (or commands) the server returned
 * @param prefix e.g. `Explain:`
 * @returns the action, or undefined
 */
export function actionByPrefix<T extends { title: string }>(actions: readonly T[] | null | undefined,
  prefix: string): T | undefined {
  return (actions ?? []).find((a) => a.title.startsWith(prefix));
}
