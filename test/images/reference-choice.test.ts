// Choosing between per-file and reference-archive encodings of a layer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { referenceWins, trialChoice } from "../../src/images/reference.ts";

test("a reference encoding is kept only when at least 10% smaller", () => {
  assert.equal(referenceWins(1000, 899), true);
  assert.equal(referenceWins(1000, 900), false);
  assert.equal(referenceWins(1000, 1200), false);
});

test("the trial decides clear cases and leaves close ones to both real encodings", () => {
  // The app bench pair's node_modules layer at level 3 (0.39 of per-file at level 19).
  assert.equal(trialChoice(473_204, 246_078), "reference");
  // Near the 10% rule's line either way: the real level may move the ratio.
  assert.equal(trialChoice(1000, 700), "both");
  assert.equal(trialChoice(1000, 900), "both");
  assert.equal(trialChoice(1000, 1400), "both");
  // The reference would need a 40% swing to win.
  assert.equal(trialChoice(1000, 1600), "files");
  assert.equal(trialChoice(0, 10), "files");
});
