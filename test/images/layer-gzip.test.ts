// The gzip layout of rebuilt layers: same bytes as one stream would decompress to, sizes
// a creator can predict, and padding that changes the size and nothing else.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import {
  declaredGzipSize,
  gzipChunked,
  gzipPadding,
  gzipSizeOfFile,
  MIN_MEMBER,
} from "../../src/images/layer-gzip.ts";
import { withTmp } from "../delta/support.ts";

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function gzipAll(data: Buffer, piece: number, chunkSize = 64 << 10): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of gzipChunked(pieces(data, piece), { level: 6, chunkSize })) out.push(c);
  return Buffer.concat(out);
}

/** Compressible, with matches across chunk boundaries, and incompressible stretches. */
const sample = Buffer.concat([
  randomBytes(50_000),
  Buffer.from("edgevisor layer ".repeat(20_000)),
  randomBytes(70_000),
  Buffer.from("edgevisor layer ".repeat(5_000)),
]);

test("chunked gzip decompresses to the input, however the input arrives", async () => {
  for (const piece of [1000, 65_536, 100_003, sample.length]) {
    const gz = await gzipAll(sample, piece);
    assert.deepEqual(gunzipSync(gz), sample, `pieces of ${piece}`);
  }
  assert.equal(gunzipSync(await gzipAll(Buffer.alloc(0), 1)).length, 0);
  // An input of exactly N chunks: the last full chunk carries the final block.
  const exact = sample.subarray(0, 4 * 65_536);
  assert.deepEqual(gunzipSync(await gzipAll(exact, 30_000)), exact);
});

test("the output depends on the layout only: the creator's size is the device's", async () => {
  const a = await gzipAll(sample, 1000);
  const b = await gzipAll(sample, 77_777);
  assert.deepEqual(a, b);
  await withTmp(async (dir) => {
    await writeFile(join(dir, "layer.tar"), sample);
    assert.equal(
      await gzipSizeOfFile(join(dir, "layer.tar"), { level: 6, chunkSize: 64 << 10 }),
      a.length,
    );
  });
  // The preset dictionary keeps the chunk cuts nearly free.
  const small = await gzipAll(sample, 1000, 64 << 10);
  const large = await gzipAll(sample, 1000, 16 << 20);
  assert.ok(small.length <= large.length * 1.01, `${small.length} vs ${large.length}`);
});

test("padding: exactly n bytes of empty members, any n ≥ 20, nothing to decompress", async () => {
  const gz = await gzipAll(sample, 10_000);
  for (const n of [0, 20, 21, 22, 23, 26, 600, 65_557, 65_558, 65_577, 65_578, 200_000]) {
    const pad = gzipPadding(n);
    assert.equal(Buffer.concat(pad).length, n, `padding of ${n}`);
    for (const m of pad) assert.ok(m.length >= MIN_MEMBER && m.length <= 65_557);
    assert.deepEqual(gunzipSync(Buffer.concat([gz, ...pad])), sample, `padding of ${n}`);
  }
  for (const n of [1, 19, -1, 2.5]) assert.throws(() => gzipPadding(n), RangeError);
});

test("the declared size: exact for this zlib build, with room for another one", () => {
  const here = { zlib: process.versions.zlib, arch: process.arch };
  assert.equal(declaredGzipSize(45 << 20, here), 45 << 20);
  for (const other of [undefined, { ...here, zlib: "1.2.13" }, { ...here, arch: "arm64x" }]) {
    assert.equal(declaredGzipSize(20, other), 20 + 4096 + 1);
    const big = 45 << 20;
    const slack = declaredGzipSize(big, other) - big;
    assert.ok(slack >= big / 1024 && slack <= big / 1000 + 4096, `${slack}`);
  }
});
