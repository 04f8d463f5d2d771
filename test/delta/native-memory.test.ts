import assert from "node:assert/strict";
import { test } from "node:test";
import { GrowthCollector } from "../../src/delta/native-memory.ts";

test("a collection happens only once RSS grew by the step, and moves the floor up", () => {
  const step = 32 << 20;
  const memory = new GrowthCollector(step);
  assert.equal(memory.collectWhenGrown(), false, "no growth: no GC");
  const held = Buffer.alloc(3 * step, 1); // touched, so resident
  assert.equal(memory.collectWhenGrown(), true);
  assert.equal(memory.collectWhenGrown(), false, "the floor moved up with the GC");
  assert.equal(held[held.length - 1], 1);
});

test("native buffers counted since the last collection trigger one without RSS growth", () => {
  const memory = new GrowthCollector(8 << 20);
  assert.equal(memory.collectWhenGrown(3 << 20), false);
  assert.equal(memory.collectWhenGrown(3 << 20), false);
  assert.equal(memory.collectWhenGrown(3 << 20), true, "9 MiB counted against a step of 8");
  assert.equal(memory.collectWhenGrown(3 << 20), false, "the count starts over");
});
