// The extension in a real VS Code: code-server serves VS Code to headless Chromium, driven by
// playwright-core. It installs the packaged .vsix into scratch user-data and extension folders,
// opens a copy of tests/data/phoenix_app, and walks what a user does: diagnostics (squiggles,
// Problems), a hover, a quick fix, ghost text from the shipped model accepted with Tab,
// "ElixirCoder: Explain diagnostic", the status bar; then reads the feedback database the
// server wrote. Screenshots and logs go to E2E_OUT. Run by e2e/run.sh, which sets the variables.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`vscode.e2e.mjs: ${name} is not set (run e2e/run.sh)`);
  }
  return value;
};
const CACHE = env("E2E_CACHE");
const VSIX = env("E2E_VSIX");
const SERVER = env("E2E_SERVER");
const PROJECT = env("E2E_PROJECT");
const OUT = env("E2E_OUT");
const CHROMIUM = env("E2E_CHROMIUM");
const PYTHON = process.env.E2E_PYTHON || "python3";

const { chromium } = createRequire(path.join(CACHE, "node_modules", "/"))("playwright-core");
const CODE_SERVER = path.join(CACHE, "node_modules", ".bin", "code-server");

// The file the test edits: a Credo finding with a quick fix (LargeNumbers), one to explain
// (IoInspect), a Sobelow finding (DOS.StringToAtom), and an empty function body to complete.
const CART = [
  "defmodule App.Cart do",
  '  @moduledoc "A shopping cart."',
  "",
  "  @limit 1000000",
  "",
  "  def new, do: %{}",
  "",
  "  def add(cart, sku, quantity) do",
  "    IO.inspect(sku)",
  "    Map.update(cart, sku, quantity, fn old -> old + quantity end)",
  "  end",
  "",
  "  def tag(name), do: String.to_atom(name)",
  "",
  "  def total(cart) do",
  "    ",
  "  end",
  "end",
  "",
].join("\n");

const timings = [];
const started = Date.now();
let lastMark = started;
function mark(step) {
  const now = Date.now();
  timings.push({ step, ms: now - lastMark });
  console.log(`  ${step} (${((now - lastMark) / 1000).toFixed(1)} s)`);
  lastMark = now;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs = 30000, everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
}

function run(cmd, args, opts) {
  const done = spawnSync(cmd, args, { encoding: "utf8", timeout: 120000, ...opts });
  if (done.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${done.status}): ${done.stderr || done.stdout}`);
  }
  return done.stdout;
}

/** The feedback events the server wrote, read with Python's sqlite3 (node 20 has no SQLite). */
function feedbackEvents(db) {
  if (!existsSync(db)) {
    return [];
  }
  const script = "import json, sqlite3, sys\n" +
    "c = sqlite3.connect(sys.argv[1])\n" +
    "print(json.dumps([dict(zip(('kind', 'request_id', 'text'), r)) for r in " +
    "c.execute('select kind, request_id, text from events order by id')]))";
  return JSON.parse(run(PYTHON, ["-c", script, db]));
}

function copyLogs(userData) {
  const logs = path.join(userData, "logs");
  if (existsSync(logs)) {
    cpSync(logs, path.join(OUT, "logs"), { recursive: true });
  }
}

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const scratch = mkdtempSync(path.join(tmpdir(), "elixir-coder-vscode-e2e-"));
  const userData = path.join(scratch, "user-data");
  const extensions = path.join(scratch, "extensions");
  const workspace = path.join(scratch, "phoenix_app");
  const db = path.join(scratch, "feedback.db");
  cpSync(PROJECT, workspace, { recursive: true });
  writeFileSync(path.join(workspace, "lib", "app", "cart.ex"), CART);
  mkdirSync(path.join(userData, "User"), { recursive: true });
  writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify({
    "security.workspace.trust.enabled": false,  // restricted mode would disable the extension
    "files.hotExit": "off",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "extensions.ignoreRecommendations": true,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    // Tab must go to the ghost text, not to a suggestion list that typing opened.
    "editor.quickSuggestions": { other: false, comments: false, strings: false },
    "editor.suggestOnTriggerCharacters": false,
    "editor.stickyScroll.enabled": false,
    "elixirCoder.server.path": SERVER,
    "elixirCoder.telemetryPath": db,
    "elixirCoder.analyzer": "builtin",
  }, null, 2));
  // Everything code-server writes stays in the scratch folder, never in $HOME.
  const childEnv = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(scratch, "config"),
    XDG_DATA_HOME: path.join(scratch, "data"),
    XDG_CACHE_HOME: path.join(scratch, "cache"),
    ELIXIR_CODER_HOME: path.join(scratch, "elixir-coder-home"),
  };
  const dirs = ["--user-data-dir", userData, "--extensions-dir", extensions];
  run(CODE_SERVER, [...dirs, "--install-extension", VSIX, "--force"], { env: childEnv });
  mark("installed the .vsix");

  const port = await freePort();
  const server = spawn(CODE_SERVER, [
    "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
    "--disable-workspace-trust", ...dirs, workspace,
  ], { env: childEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  // run.sh's timeout sends SIGTERM: take code-server (its own process group) down too.
  process.once("SIGTERM", () => {
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch { /* already gone */ }
    rmSync(scratch, { recursive: true, force: true });
    console.error("vscode e2e: FAILED: timed out");
    process.exit(124);
  });
  let serverLog = "";
  server.stdout.on("data", (d) => { serverLog += d; });
  server.stderr.on("data", (d) => { serverLog += d; });
  const base = `http://127.0.0.1:${port}`;
  let browser;
  let page;
  try {
    await until("code-server's /healthz", async () => (await fetch(`${base}/healthz`)).ok, 60000);
    mark("code-server up");
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector(".monaco-workbench", { timeout: 60000 });
    mark("workbench loaded");
    await walk(page, db);
  } catch (err) {
    await page?.screenshot({ path: path.join(OUT, "failure.png") }).catch(() => undefined);
    console.error(`code-server output:\n${serverLog.slice(-4000)}`);
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch { /* already gone */ }
    await sleep(1000);
    try {
      process.kill(-server.pid, "SIGKILL");
    } catch { /* already gone */ }
    copyLogs(userData);
    writeFileSync(path.join(OUT, "timings.json"), JSON.stringify(timings, null, 2));
    rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`vscode e2e: passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${OUT}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

async function statusText(page) {
  const items = await page.locator(".statusbar-item").allInnerTexts();
  return items.find((t) => t.includes("ElixirCoder")) ?? "";
}

async function editorText(page) {
  return (await page.locator(".editor-instance .view-lines").first().innerText()).replace(/\u00a0/g, " ");
}

async function gotoLine(page, line, column) {
  await page.keyboard.press("Control+G");
  // Type only once the widget is there: on a loaded machine keys typed earlier land in the editor.
  await page.waitForSelector(".quick-input-widget input", { state: "visible" });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press("Enter");
  await sleep(200);
}

async function command(page, title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input", { state: "visible" });
  await page.keyboard.type(title);
  await page.waitForSelector(`.quick-input-list .monaco-list-row:has-text("${title.split(": ").pop()}")`);
  await page.keyboard.press("Enter");
}

async function walk(page, db) {
  // Open the cart through Quick Open, as a user does.
  await page.locator(".monaco-workbench").click({ position: { x: 700, y: 400 } });
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget input", { state: "visible" });
  await page.keyboard.type("cart.ex");
  await page.waitForSelector('.quick-input-list .monaco-list-row:has-text("cart.ex")');
  await page.keyboard.press("Enter");
  await page.waitForSelector(".editor-instance .view-lines");
  await until("the editor's language to be Elixir",
    async () => (await page.locator(".statusbar-item").allInnerTexts()).some((t) => t.trim() === "Elixir"));

  // Diagnostics: squiggles in the editor, rows in the Problems panel.
  await page.waitForSelector(".squiggly-warning, .squiggly-info, .squiggly-error", { timeout: 60000 });
  mark("squiggles shown");
  await page.keyboard.press("Control+Shift+M");
  // The whole project has diagnostics (projectDiagnostics): show only this file's rows, since the
  // Problems list renders just the rows in view.
  const filter = page.getByPlaceholder(/^Filter \(e\.g\. text/).first();
  await filter.waitFor({ state: "visible", timeout: 20000 });
  await filter.fill("cart.ex");
  const rows = await until("Problems rows for Credo and Sobelow", async () => {
    const texts = await page.locator(".markers-panel .monaco-list-row").allInnerTexts();
    const all = texts.join("\n");
    return all.includes("LargeNumbers") && all.includes("IoInspect") && all.includes("StringToAtom") ? texts : null;
  });
  await shot(page, "01-diagnostics-and-problems");
  console.log(`  Problems: ${rows.length} rows`);

  // Hover the IO.inspect squiggle: the explanation of Warning.IoInspect.
  await gotoLine(page, 9, 8);
  const line9 = page.locator(".editor-instance .view-line").filter({ hasText: "IO.inspect(sku)" }).first();
  const box = await line9.boundingBox();
  await page.mouse.move(box.x + 60, box.y + box.height / 2);
  await page.waitForSelector('.monaco-hover:has-text("IoInspect")', { state: "visible", timeout: 20000 });
  await sleep(300);
  await shot(page, "02-hover");
  mark("hover shown");
  await page.mouse.move(5, 5);
  await page.keyboard.press("Escape");

  // Quick fix on the large number.
  await gotoLine(page, 4, 12);
  await page.keyboard.press("Control+.");
  const fix = page.locator(".action-widget .monaco-list-row").filter({ hasText: "Add underscores" }).first();
  await fix.waitFor({ state: "visible", timeout: 20000 });
  await shot(page, "03-quick-fix");
  // Keyboard, as a user does: the menu's pointer block swallows synthetic clicks.
  await until("the quick fix focused in the menu", async () => {
    if (await page.locator(".action-widget .monaco-list-row.focused").filter({ hasText: "Add underscores" }).count()) {
      return true;
    }
    await page.keyboard.press("ArrowDown");
    return false;
  }, 10000, 200);
  await page.keyboard.press("Enter");
  await until("the quick fix applied", async () => (await editorText(page)).includes("@limit 1_000_000"));
  mark("quick fix applied");

  // Ghost text from the shipped model in the empty body of total/1, accepted with Tab.
  await gotoLine(page, 16, 5);
  await page.keyboard.type("Enum.", { delay: 60 });
  const ghost = await until("ghost text", async () => {
    if (await page.locator(".ghost-text-decoration, .ghost-text").count() > 0) {
      return true;
    }
    await page.keyboard.press("Alt+Backslash");  // editor.action.inlineSuggest.trigger
    return false;
  }, 60000, 1500);
  if (ghost) {
    await sleep(300);
    await shot(page, "04-ghost-text");
    mark("ghost text shown");
  }
  await page.keyboard.press("Tab");
  // The ghost text is drawn inside the line: accepted means it is gone and the text stayed.
  const after = await until("the suggestion inserted", async () => {
    const text = await editorText(page);
    const ghosts = await page.locator(".ghost-text-decoration, .ghost-text").count();
    return ghosts === 0 && /Enum\.\w/.test(text) ? text : null;
  });
  const typedLine = after.split("\n").find((l) => l.includes("Enum."));
  console.log(`  accepted: ${typedLine?.trim()}`);

  // The status bar follows the model: it answered, so it is loaded.
  const status = await until("the status bar to show the loaded model", async () => {
    const text = await statusText(page);
    return text !== "" && !/no model|loading/.test(text) ? text : null;
  }, 3000);  // the server's statusChanged notification, not the 15 s idle poll, must have updated it
  console.log(`  status bar: ${status.trim()}`);

  // Feedback: shown and accepted, one request id.
  const events = await until("shown and accepted events in the feedback database", () => {
    const rows = feedbackEvents(db);
    const accepted = rows.filter((e) => e.kind === "completion_accepted");
    return accepted.some((a) => rows.some((s) => s.kind === "completion_shown" && s.request_id === a.request_id))
      ? rows : null;
  }, 20000, 500);
  const accepted = events.filter((e) => e.kind === "completion_accepted").pop();
  console.log(`  feedback: completion_shown and completion_accepted share request id ${accepted.request_id}`);
  mark("completion accepted and recorded");

  // "ElixirCoder: Explain diagnostic" on the IO.inspect line opens the explanation beside the code.
  await gotoLine(page, 9, 8);
  await command(page, "ElixirCoder: Explain diagnostic");
  await page.waitForSelector('.tab:has-text("Explain Warning.IoInspect")', { timeout: 30000 });
  const explained = await until("the explanation's text in the preview", async () => {
    for (const frame of page.frames()) {
      const body = await frame.locator("body").innerText({ timeout: 500 }).catch(() => "");
      if (body.includes("IoInspect") && /Why/.test(body)) {
        return body;
      }
    }
    return null;
  }, 20000, 500);
  await sleep(500);
  await shot(page, "05-explain-diagnostic");
  console.log(`  explanation: ${explained.split("\n").filter(Boolean).slice(0, 2).join(" / ")}`);
  mark("explanation shown");

  // A half-typed `a +` is reported on the line being typed, not at the file's last line.
  await page.keyboard.press("Control+1");  // back to the code, beside the preview
  await gotoLine(page, 16, 100);
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("a +");
  await page.keyboard.press("Escape");  // no suggestion: the line stays half typed
  await page.keyboard.press("Control+S");
  const syntaxRow = await until("the syntax error on line 17 in Problems", async () => {
    const texts = await page.locator(".markers-panel .monaco-list-row").allInnerTexts();
    return texts.find((t) => t.includes("has no right-hand side") && t.includes("Ln 17")) ?? null;
  }, 20000);
  await shot(page, "06-syntax-error");
  console.log(`  syntax error: ${syntaxRow.replace(/\s+/g, " ").trim()}`);
  mark("syntax error located");
}

main().catch((err) => {
  console.error(`vscode e2e: FAILED: ${err.stack || err}`);
  try {
    const shotsDir = OUT;
    if (existsSync(shotsDir) && statSync(shotsDir).isDirectory()) {
      console.error(`  what is there: ${readdirSync(shotsDir).join(", ")}`);
    }
  } catch { /* nothing to list */ }
  process.exit(1);
});
