import assert from "node:assert/strict";
import { test } from "node:test";

import { explanationMarkdown, explanationPath, generationNotice } from "../src/explainView";

test("the markdown of an explain result is shown; anything else is not", () => {
  assert.equal(explanationMarkdown({ markdown: "## What\\nx", explanations: [] }), "## What\\nx");
  assert.equal(explanationMarkdown({ markdown: "  " }), undefined);
  assert.equal(explanationMarkdown(null), undefined);
  assert.equal(explanationMarkdown("text"), undefined);
});

test("one explanation document per check and line", () => {
  assert.equal(explanationPath([{ uri: "file:///a.ex", line: 2, check: "Readability.LargeNumbers" }]),
    "/Explain Readability.LargeNumbers (line 3).md");
  assert.equal(explanationPath([{ check: "XSS.Raw: XSS" }]), "/Explain XSS.Raw__XSS.md");
  assert.equal(explanationPath([]), "/Explain diagnostic.md");
});

test("a generation that applied nothing is told to the user", () => {
  assert.match(generationNotice({ status: "question", question: { text: "Sorted?" } })!, /asks: Sorted\? Pick/);
  assert.match(generationNotice({ status: "failed", message: "no candidate passed" })!, /no candidate passed/);
  assert.equal(generationNotice({ status: "applied" }), undefined);
  assert.equal(generationNotice(undefined), undefined);
});
