import assert from "node:assert/strict";
import { test } from "node:test";
import { collectWhenGrown } from "../../src/delta/encoder-memory.ts";

test("the encoder collects garbage only after RSS grew by the step since the last time", () => {
  const step = 32 << 20;
  collectWhenGrown(step); // sets the floor
  assert.equal(collectWhenGrown(step), false, "no growth: no GC");
  const held = Buffer.alloc(3 * step, 1); // touched, so resident
  assert.equal(collectWhenGrown(step), true);
  assert.equal(collectWhenGrown(step), false, "the floor moved up with the GC");
  assert.equal(held[held.length - 1], 1);
});
