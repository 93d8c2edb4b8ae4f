/** Acceptance and rejection commands, and code actions picked by title. */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ACCEPTED, EXPLAIN_PREFIX, GENERATE_PREFIX, REJECTED, SuggestionTracker,
  acceptedArgs, actionByPrefix, missingServerCommands, partialAcceptance,
} from "../src/acceptance";

const item = (requestId: string, index: number) => ({
  insertText: "x", command: { title: "accepted", command: ACCEPTED, arguments: [{ requestId, index }] },
});

test("the acceptance argument is read from an item's command", () => {
  assert.deepEqual(acceptedArgs(item("r1", 2).command), { requestId: "r1", index: 2 });
  assert.equal(acceptedArgs({ command: "other", arguments: [{ requestId: "r1", index: 0 }] }), undefined);
  assert.equal(acceptedArgs({ command: ACCEPTED, arguments: [{ requestId: 7, index: 0 }] }), undefined);
  assert.equal(acceptedArgs({ command: ACCEPTED }), undefined);
  assert.equal(acceptedArgs(undefined), undefined);
});

test("a partial acceptance carries acceptedChars", () => {
  assert.deepEqual(partialAcceptance(item("r1", 0).command, 5),
    { command: ACCEPTED, arguments: [{ requestId: "r1", index: 0, acceptedChars: 5 }] });
  assert.equal(partialAcceptance(undefined, 5), undefined);
});

test("Escape reports the suggestion on screen once", () => {
  const tracker = new SuggestionTracker();
  assert.equal(tracker.takeRejection(), undefined);
  tracker.noteItems([item("r1", 0)]);
  tracker.noteItems([{}, item("r2", 1)]);
  assert.deepEqual(tracker.takeRejection(), { command: REJECTED, arguments: [{ requestId: "r2" }] });
  assert.equal(tracker.takeRejection(), undefined);
  tracker.noteItems([item("r3", 0)]);
  tracker.clear();
  assert.equal(tracker.takeRejection(), undefined);
  tracker.noteItems([item("r4", 0)]);
  tracker.noteItems([]);
  assert.equal(tracker.takeRejection(), undefined, "an empty response replaces the old suggestion");
});

test("commands the server did not advertise are registered by the client", () => {
  assert.deepEqual(missingServerCommands(undefined),
    ["elixirCoder.completionAccepted", "elixirCoder.completionRejected", "elixirCoder.rateExplanation"]);
  assert.deepEqual(missingServerCommands(["elixirCoder.completionAccepted", "elixirCoder.rateExplanation"]),
    ["elixirCoder.completionRejected"]);
});

test("explain and generate pick the server's actions by title prefix", () => {
  const actions = [{ title: "Write 1_000_000" }, { title: "Explain: Readability.LargeNumbers" },
    { title: "Generate implementation of f/1" }];
  assert.equal(actionByPrefix(actions, EXPLAIN_PREFIX)?.title, "Explain: Readability.LargeNumbers");
  assert.equal(actionByPrefix(actions, GENERATE_PREFIX)?.title, "Generate implementation of f/1");
  assert.equal(actionByPrefix(actions.slice(0, 1), EXPLAIN_PREFIX), undefined);
  assert.equal(actionByPrefix(null, EXPLAIN_PREFIX), undefined);
});
