// The chunker's fast path (skipping the bytes before a cut may happen) cuts where the plain
// rolling hash does.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { Chunker } from "../../src/delta/fingerprint.ts";

/** The plain algorithm: roll every byte, cut at a zero mask once MIN_CHUNK bytes are in. */
const gear = new Uint32Array(256);
let x = 0x9e3779b9;
for (let i = 0; i < 256; i++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  gear[i] = x >>> 0;
}

/** 32 bytes after which the rolling hash cuts (whatever came before them). */
function cutWindow(): Buffer {
  for (;;) {
    const w = randomBytes(32);
    let h = 0;
    for (const b of w) h = ((h << 1) + gear[b]!) >>> 0;
    if ((h & 4095) === 0) return w;
  }
}

function reference(data: Buffer): number[] {
  const out: number[] = [];
  let h = 0;
  let start = 0;
  const cut = (end: number) => {
    out.push(createHash("sha1").update(data.subarray(start, end)).digest().readUIntLE(0, 6));
    start = end;
    h = 0;
  };
  for (let i = 0; i < data.length; i++) {
    h = ((h << 1) + gear[data[i]!]!) >>> 0;
    const len = i + 1 - start;
    if ((len >= 1024 && (h & 4095) === 0) || len >= 65536) cut(i + 1);
  }
  if (start < data.length) cut(data.length);
  return out;
}

test("chunk fingerprints are the plain rolling hash's, however the input is split", () => {
  // A cut right at the minimum size, random bytes, long runs (a chunk at the maximum size).
  const data = Buffer.concat([
    randomBytes(992),
    cutWindow(),
    randomBytes(300_000),
    Buffer.alloc(50_000),
    randomBytes(3000),
    Buffer.alloc(200_000, 7),
    randomBytes(1500),
  ]);
  const expected = reference(data);
  for (const piece of [1, 511, 4096, 1 << 20]) {
    const c = new Chunker();
    for (let p = 0; p < data.length; p += piece) c.update(data.subarray(p, p + piece));
    assert.deepEqual(c.finish(), expected, `pieces of ${piece}`);
  }
});
