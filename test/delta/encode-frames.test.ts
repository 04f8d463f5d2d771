// Patch frames compressed on worker threads: the same bytes as inline, ops in order.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FramePool, inlineFrames } from "../../src/delta/frame-pool.ts";
import { encodeLayerFile } from "../../src/delta/layer-files.ts";
import { compressSegment } from "../../src/delta/segment-frame.ts";
import { MemoryBase, decode, makeTar, withTmp } from "./support.ts";

/** A base file and a new version with a few edits, so every patch frame is small. */
function edited(old: Buffer, seed: number): Buffer {
  const b = Buffer.from(old);
  for (let i = 0; i < 4; i++)
    b.writeUInt32LE(seed * 7919 + i, (seed * 104_729 + i * 9973) % (b.length - 4));
  return b;
}

test("a pool's frames are the inline frames, whatever order the workers finish in", async () => {
  const pool = new FramePool(2);
  try {
    const dict = randomBytes(300_000);
    const jobs = [
      { seg: edited(dict, 1), level: 19 }, // slow
      { seg: edited(dict, 2).subarray(0, 1000), level: 3 }, // fast: finishes first
      { seg: edited(dict, 3), level: 3 },
    ];
    const frames = await Promise.all(jobs.map((j) => pool.compress(j.seg, dict, j.level)));
    for (const [i, j] of jobs.entries())
      assert.deepEqual(frames[i], compressSegment(j.seg, dict, j.level), `frame ${i}`);
    assert.equal(pool.parallelism, 2);
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.compress(Buffer.from("x"), Buffer.alloc(0), 3), /closed/);
});

test("a layer encoded with a pool is byte-identical to the inline encoding and rebuilds", () =>
  withTmp(async (dir) => {
    const files: Record<string, Buffer> = {};
    const entries = [];
    for (let i = 0; i < 12; i++) {
      const old = randomBytes(i === 5 ? 9_000_000 : 50_000 + i * 1000); // one multi-segment file
      files[`lib/f${i}`] = old;
      entries.push({ name: `lib/f${i}`, body: edited(old, i + 1) });
      entries.push({ name: `lib/new${i}`, body: `fresh ${i}\n` });
    }
    const base = new MemoryBase(files);
    const tar = await makeTar(entries);
    await writeFile(join(dir, "new.tar"), tar);
    const inline = await encodeLayerFile(join(dir, "new.tar"), base, dir, "inline", {
      level: 3,
      frames: inlineFrames,
    });
    const pool = new FramePool(2);
    let pooled;
    try {
      pooled = await encodeLayerFile(join(dir, "new.tar"), base, dir, "pooled", {
        level: 3,
        frames: pool,
      });
    } finally {
      await pool.close();
    }
    assert.equal(pooled.stats.files.patched, 12);
    assert.deepEqual(pooled.stats, inline.stats);
    assert.deepEqual(await readFile(pooled.ops.file), await readFile(inline.ops.file));
    assert.deepEqual(await readFile(pooled.lit.file), await readFile(inline.lit.file));
    assert.deepEqual(await decode(pooled, base, tar), tar);
  }));

test("a pool compresses large level-19 frames on the calling thread, small ones on workers", async () => {
  const pool = new FramePool(2);
  try {
    const dict = randomBytes(1 << 20);
    const big = edited(dict, 5);
    const small = edited(dict.subarray(0, 20_000), 6);
    const order: string[] = [];
    const smallFrame = pool.compress(small, dict.subarray(0, 20_000), 19).then((f) => {
      order.push("small");
      return f;
    });
    // Synchronous: the large frame is done when compress returns, before the worker's.
    const bigFrame = pool.compress(big, dict, 19).then((f) => {
      order.push("big");
      return f;
    });
    assert.deepEqual(await bigFrame, compressSegment(big, dict, 19));
    assert.deepEqual(await smallFrame, compressSegment(small, dict.subarray(0, 20_000), 19));
    assert.deepEqual(order, ["big", "small"]);
  } finally {
    await pool.close();
  }
});

test("a released pool ends its workers and starts new ones for the next frames", async () => {
  const pool = new FramePool(2);
  try {
    const dict = randomBytes(100_000);
    const seg = edited(dict, 5);
    const first = await pool.compress(seg, dict, 3);
    await pool.release();
    // A busy worker is ended once its frame is done; the pool goes on with new ones.
    const during = pool.compress(seg, dict, 19);
    await pool.release();
    const again = await Promise.all([during, pool.compress(seg, dict, 3)]);
    assert.deepEqual(first, compressSegment(seg, dict, 3));
    assert.deepEqual(again, [compressSegment(seg, dict, 19), first]);
  } finally {
    await pool.close();
  }
});

test("with room for one large frame on a worker, the next large one runs beside it", async () => {
  const pool = new FramePool(2, 1);
  try {
    const dict = randomBytes(1 << 20);
    const [a, b] = [edited(dict, 7), edited(dict, 8)];
    const order: string[] = [];
    const onWorker = pool.compress(a, dict, 19).then((f) => (order.push("worker"), f));
    // The worker has the first: the second runs here, done when compress returns.
    const inline = pool.compress(b, dict, 19).then((f) => (order.push("inline"), f));
    assert.deepEqual(await inline, compressSegment(b, dict, 19));
    assert.deepEqual(await onWorker, compressSegment(a, dict, 19));
    assert.deepEqual(order, ["inline", "worker"]);
    // The worker is free again: the next large frame goes there.
    const third = pool.compress(a, dict, 19);
    order.length = 0;
    const fourth = pool.compress(b, dict, 19).then(() => order.push("fourth"));
    await third.then(() => order.push("third"));
    await fourth;
    assert.deepEqual(order, ["fourth", "third"]);
  } finally {
    await pool.close();
  }
});
