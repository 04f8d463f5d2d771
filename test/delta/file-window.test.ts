// Windowed reads of layer tars, and streams whose bytes do not depend on write timing.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FileWindow, readAt } from "../../src/delta/file-window.ts";
import { compressedBlob } from "../../src/delta/layer-files.ts";
import { withTmp } from "./support.ts";

test("a file window reads what readAt reads, into buffers of their own", () =>
  withTmp(async (dir) => {
    const bytes = randomBytes(3 * (1 << 20) + 777);
    const file = join(dir, "f");
    await writeFile(file, bytes);
    const fh = await open(file, "r");
    try {
      for (const windowSize of [512, 1 << 20]) {
        const w = new FileWindow(fh, bytes.length, windowSize);
        // forward, backward, across the window's end, large, and past the end of the file
        const reads: Array<[number, number]> = [
          [0, 512],
          [512, 100],
          [(1 << 20) - 10, 20],
          [100, 5],
          [5, 200_000],
          [bytes.length - 3, 512],
          [bytes.length + 10, 512],
        ];
        for (const [pos, len] of reads) {
          const got = await w.read(pos, len);
          assert.deepEqual(got, await readAt(fh, pos, len), `${windowSize}: ${pos}+${len}`);
          assert.ok(got.buffer.byteLength <= Math.max(len, 8192), "not a view of the window");
        }
      }
    } finally {
      await fh.close();
    }
  }));

test("a compressed blob's bytes do not depend on whether its last writes were through", () =>
  withTmp(async (dir) => {
    const pieces = Array.from({ length: 40 }, (_, i) => randomBytes(3000 + i * 997));
    const outputs: Buffer[] = [];
    for (const awaited of [true, false]) {
      const blob = compressedBlob(join(dir, `b${awaited}`), 19, 23);
      // Not awaited: the last writes are still queued when the blob is ended.
      for (const p of pieces) {
        const w = blob.sink.write(p);
        if (awaited) await w;
      }
      const { file } = await blob.end();
      outputs.push(await readFile(file));
    }
    assert.deepEqual(outputs[0], outputs[1]);
  }));
