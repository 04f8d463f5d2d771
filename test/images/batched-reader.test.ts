// BatchedBaseReader never makes a second request on the container whose walk is open.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BaseReader } from "../../src/delta/types.ts";
import { BatchedBaseReader } from "../../src/images/batched-reader.ts";
import type { RootfsEntry, RootfsReader } from "../../src/images/types.ts";

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

async function text(source: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(c);
  return Buffer.concat(parts).toString();
}

/** A container-like reader: any request while the walk is open is recorded as a deadlock. */
function fakeRootfs(files: Record<string, string>, log: string[]): RootfsReader {
  let walking = false;
  const request = (what: string) => {
    if (walking) log.push(`deadlock: ${what} during the walk`);
    log.push(what);
  };
  return {
    async open(path) {
      request(`open ${path}`);
      return once(Buffer.from(files[path]!));
    },
    async openArchive(dir) {
      request(`archive ${dir}`);
      return once(Buffer.from("tar"));
    },
    async *walk(dir): AsyncGenerator<RootfsEntry> {
      request(`walk ${dir}`);
      walking = true;
      try {
        for (const path of Object.keys(files).sort()) {
          yield { path, type: "file", body: once(Buffer.from(files[path]!)) };
        }
      } finally {
        walking = false;
      }
    },
    async close() {},
  };
}

test("reads out of walk order and archives go to the side reader while the walk is open", async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`d/f${String(i).padStart(2, "0")}`] = `content ${i}`;
  const log: string[] = [];
  const rootfs = fakeRootfs(files, log);
  const sideLog: string[] = [];
  let sides = 0;
  const side: BaseReader = {
    async open(path) {
      sideLog.push(`open ${path}`);
      return once(Buffer.from(files[path]!));
    },
    async openArchive(dir) {
      sideLog.push(`archive ${dir}`);
      return once(Buffer.from("tar"));
    },
  };
  // f30 first (the walk passes f00..f29), then f05 (back), then f30 again (the same file).
  const planned = ["d/f30", "d/f05", "d/f30", ...Object.keys(files).filter((p) => p > "d/f30")];
  const reader = new BatchedBaseReader(
    rootfs,
    planned,
    async () => {
      sides++;
      return side;
    },
    8,
  );
  for (const p of planned.slice(0, 3)) assert.equal(await text(await reader.open(p)), files[p]);
  assert.equal(await text(await reader.openArchive("d")), "tar");
  for (const p of planned.slice(3)) assert.equal(await text(await reader.open(p)), files[p]);
  // Going back after the last file the walk gave: the walk is still open.
  assert.equal(await text(await reader.open("d/f01")), files["d/f01"]);
  await reader.close();

  assert.deepEqual(
    log.filter((l) => l.startsWith("deadlock")),
    [],
  );
  assert.deepEqual(sideLog, ["open d/f05", "open d/f30", "archive d", "open d/f01"]);
  assert.equal(sides, 4);
  assert.deepEqual(reader.counts, { batched: 10, single: 3, side: 4 });
  assert.deepEqual(log, ["walk d"]);
});

test("without a walk, or once it has ended, reads go to the first reader", async () => {
  const files: Record<string, string> = { "d/a": "a", "d/b": "b" };
  const log: string[] = [];
  let sides = 0;
  const side = async () => {
    sides++;
    return fakeRootfs(files, log);
  };
  const few = new BatchedBaseReader(fakeRootfs(files, log), ["d/b", "d/a"], side);
  assert.equal(await text(await few.open("d/b")), "b");
  assert.equal(await text(await few.open("d/a")), "a");
  assert.equal(await text(await few.openArchive("d")), "tar");
  await few.close();
  assert.deepEqual(log, ["open d/b", "open d/a", "archive d"]);

  log.length = 0;
  // d/c is not in the base: the walk ends looking for it, then d/a is read back.
  const ended = new BatchedBaseReader(fakeRootfs(files, log), ["d/b", "d/c", "d/a"], side, 1);
  assert.equal(await text(await ended.open("d/b")), "b");
  await assert.rejects(ended.open("d/c"));
  assert.equal(await text(await ended.open("d/a")), "a");
  await ended.close();
  assert.deepEqual(log, ["walk d", "open d/c", "open d/a"]);
  assert.equal(sides, 0);
});
