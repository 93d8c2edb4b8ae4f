/** Status bar text from `elixirCoder/status` responses. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseStatus, statusView } from "../src/status";

const READY = {
  modelLoaded: true, loading: false, version: "0.1.0", adapter: "exunit",
  adapters: ["base", "exunit", "phoenix", "nerves"], backend: "local",
  rssBytes: 151232512, queue: 0, completionsEnabled: true, error: null,
};

test("a loaded model shows version and adapter", () => {
  const view = statusView(parseStatus(READY));
  assert.equal(view.text, "$(sparkle) ElixirCoder 0.1.0 · exunit");
  assert.equal(view.severity, "ok");
  assert.match(view.tooltip, /Adapter: exunit \(available: base, exunit, phoenix, nerves\)/);
  assert.match(view.tooltip, /Memory: 144 MiB/);
  assert.match(view.tooltip, /Backend: local/);
});

test("loading shows progress", () => {
  const status = parseStatus({ ...READY, modelLoaded: false, loading: true, adapter: null });
  assert.equal(statusView(status).text, "$(sync~spin) ElixirCoder: loading model");
  assert.equal(statusView(status, undefined, 42.4).text, "$(sync~spin) ElixirCoder: loading model 42%");
  assert.equal(statusView(status).severity, "busy");
});

test("an error says there is no model and why", () => {
  const view = statusView(parseStatus({ ...READY, modelLoaded: false, error: "model directory /x is missing" }));
  assert.equal(view.text, "$(warning) ElixirCoder: no model");
  assert.match(view.tooltip, /Error: model directory \/x is missing/);
});

test("completions switched off are shown", () => {
  const view = statusView(parseStatus({ ...READY, adapter: null, completionsEnabled: false }));
  assert.equal(view.text, "$(circle-slash) ElixirCoder 0.1.0 (off)");
  assert.equal(view.severity, "off");
});

test("no server: the problem is the tooltip", () => {
  const view = statusView(undefined, "`elixir-coder` is not on PATH");
  assert.equal(view.text, "$(error) ElixirCoder");
  assert.equal(view.tooltip, "`elixir-coder` is not on PATH");
});

test("a malformed response is a clear error; missing fields get safe values", () => {
  assert.throws(() => parseStatus(null), /elixirCoder\/status returned null, not an object/);
  assert.throws(() => parseStatus([1]), /not an object/);
  const partial = parseStatus({ version: "0.2.0" });
  assert.equal(partial.modelLoaded, false);
  assert.deepEqual(partial.adapters, []);
  assert.equal(partial.completionsEnabled, true);
});
