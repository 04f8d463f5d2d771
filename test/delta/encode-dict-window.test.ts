import assert from "node:assert/strict";
import { test } from "node:test";
import { DICT_AFTER, DICT_SPAN, dictionaryRange } from "../../src/delta/dict-window.ts";
import { MAX_DICT, SEGMENT } from "../../src/delta/ops.ts";

const MiB = 1 << 20;

test("a segment's dictionary ends just past the aligned old bytes", () => {
  const r = dictionaryRange(40 * MiB, SEGMENT, 100 * MiB);
  assert.equal(r.end, 40 * MiB + SEGMENT + DICT_AFTER);
  assert.equal(r.end - r.start, DICT_SPAN);
  assert.ok(DICT_SPAN <= MAX_DICT);
  // The match distance (end - centre) stays within the level-19 tree's 4 MiB reach + slack.
  assert.ok(r.end - 40 * MiB <= 4 * MiB + DICT_AFTER);
});

test("dictionaries stay inside the old file and never go backwards", () => {
  assert.deepEqual(dictionaryRange(0, 10_000, 8_000), { start: 0, end: 8_000 });
  const nearEnd = dictionaryRange(99 * MiB, SEGMENT, 100 * MiB);
  assert.equal(nearEnd.end, 100 * MiB);
  const pinned = dictionaryRange(10 * MiB, SEGMENT, 100 * MiB, 20 * MiB);
  assert.equal(pinned.start, 20 * MiB);
  assert.ok(pinned.end >= pinned.start && pinned.end - pinned.start <= MAX_DICT);
  const past = dictionaryRange(10 * MiB, SEGMENT, 30 * MiB, 31 * MiB);
  assert.deepEqual(past, { start: 30 * MiB, end: 30 * MiB });
});
