/**
 * Which program starts the language server: `elixirCoder.server.path`, else `elixir-coder` on
 * PATH, else `PYTHON -m elixir_coder.cli`. Each failure becomes one sentence that tells
 * the user what to install or set. Free of `vscode` so Node tests can import it.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import * as path from "node:path";

/** What the user configured and the environment to search. */
export interface ServerCommandOptions {
  /** `elixirCoder.server.path`: an executable, or "" to search. */
  serverPath?: string;
  /** `elixirCoder.server.pythonPath`: an interpreter, or "" for `python3`. */
  pythonPath?: string;
  /** `elixirCoder.server.extraArgs`: appended after `serve`. */
  extraArgs?: string[];
  /** The search path (default: `process.env.PATH`). */
  envPath?: string;
  /** Whether to check that the interpreter can import the server (default true). */
  probePython?: boolean;
}

/** A program to run, or why there is none. */
export type ServerCommand =
  | { ok: true; command: string; args: string[]; via: "path" | "PATH" | "python" }
  | { ok: false; message: string };

const INSTALL_HINT =
  "Install it with `pip install elixir-coder`, or set `elixirCoder.server.path` (the `elixir-coder` " +
  "executable) or `elixirCoder.server.pythonPath` (a Python that has it installed).";

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) {
      return false;
    }
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first executable called `name` on the search path (or `name` itself when it has a slash).
 *
 * @param name a program name or path
 * @param envPath the search path
 * @returns the absolute path, or undefined
 */
export function which(name: string, envPath: string = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/") || name.includes(path.sep)) {
    const abs = path.resolve(name);
    return isExecutableFile(abs) ? abs : undefined;
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === "") {
      continue;
    }
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function expandHome(p: string): string {
  return p.startsWith("~/") ? path.join(process.env.HOME ?? "", p.slice(2)) : p;
}

/**
 * Resolves the command line that starts `elixir-coder serve` over stdio.
 *
 * @param opts settings and environment
 * @returns the command and arguments, or a message for the user
 */
export function resolveServerCommand(opts: ServerCommandOptions): ServerCommand {
  const extra = (opts.extraArgs ?? []).filter((a) => typeof a === "string");
  const envPath = opts.envPath ?? process.env.PATH ?? "";
  const configured = (opts.serverPath ?? "").trim();
  if (configured !== "") {
    const found = which(expandHome(configured), envPath);
    if (found === undefined) {
      return {
        ok: false,
        message: `ElixirCoder: elixirCoder.server.path is "${configured}", which is not an executable file. ${INSTALL_HINT}`,
      };
    }
    return { ok: true, command: found, args: ["serve", ...extra], via: "path" };
  }
  const onPath = which("elixir-coder", envPath);
  if (onPath !== undefined) {
    return { ok: true, command: onPath, args: ["serve", ...extra], via: "PATH" };
  }
  const pythonSetting = (opts.pythonPath ?? "").trim();
  const pythonName = pythonSetting === "" ? "python3" : expandHome(pythonSetting);
  const python = which(pythonName, envPath);
  if (python === undefined) {
    const what = pythonSetting === "" ? "`elixir-coder` is not on PATH and neither is `python3`" :
      `\`elixir-coder\` is not on PATH and elixirCoder.server.pythonPath "${pythonSetting}" is not an executable file`;
    return { ok: false, message: `ElixirCoder: ${what}. ${INSTALL_HINT}` };
  }
  if (opts.probePython !== false) {
    const probe = spawnSync(python, ["-c", "import elixir_coder.cli.main"], { encoding: "utf8", timeout: 20000 });
    if (probe.error !== undefined || probe.status !== 0) {
      return {
        ok: false,
        message: `ElixirCoder: \`elixir-coder\` is not on PATH and ${python} cannot import it ` +
          `(run \`${python} -m pip install elixir-coder\`). ${INSTALL_HINT}`,
      };
    }
  }
  return { ok: true, command: python, args: ["-m", "elixir_coder.cli", "serve", ...extra], via: "python" };
}
