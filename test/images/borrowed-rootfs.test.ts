// Which reads a borrowed container may serve, and where the others go.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type BorrowedView, borrowedReader, touches } from "../../src/images/borrowed-rootfs.ts";
import type { RootfsEntry, RootfsReader } from "../../src/images/types.ts";

const view = (changes: Array<[string, number]>, mounts: string[] = []): BorrowedView => ({
  changes: changes.map(([path, kind]) => ({ path, kind })),
  mounts,
});

test("an untouched container serves every read", () => {
  const v = view([]);
  assert.equal(touches(v, "usr/local/bin/node", false), false);
  assert.equal(touches(v, "app/node_modules", true), false);
  assert.equal(touches(v, "", true), false);
});

test("a changed file, or a changed file inside a tree read, is touched", () => {
  const v = view([
    ["/usr", 0],
    ["/usr/local", 0],
    ["/usr/local/bin/node", 0],
    ["/app/node_modules/pg/x.js", 1],
  ]);
  assert.equal(touches(v, "usr/local/bin/node", false), true);
  assert.equal(touches(v, "app/node_modules", true), true);
  assert.equal(touches(v, "app/node_modules/pino/index.js", false), false);
  // "/usr" modified only says something below it changed.
  assert.equal(touches(v, "usr/lib/libz.so", false), false);
  // The root's tree holds every change.
  assert.equal(touches(v, "", true), true);
});

test("an ancestor that was added or deleted (replaced) touches what is under it", () => {
  assert.equal(touches(view([["/opt", 2]]), "opt/tool/bin", false), true);
  assert.equal(touches(view([["/opt", 1]]), "opt/tool/bin", false), true);
  assert.equal(touches(view([["/opt", 0]]), "opt/tool/bin", false), false);
  // A sibling whose name starts the same is not an ancestor.
  assert.equal(touches(view([["/op", 2]]), "opt/tool/bin", false), false);
});

test("mounts at, above or (for trees) below a path touch it", () => {
  const v = view([], ["/data", "/etc/hosts", "/app/cache/"]);
  assert.equal(touches(v, "data/db.sqlite", false), true);
  assert.equal(touches(v, "etc/hosts", false), true);
  assert.equal(touches(v, "etc/hostname", false), false);
  assert.equal(touches(v, "etc", true), true);
  assert.equal(touches(v, "app", true), true);
  assert.equal(touches(v, "app/server.js", false), false);
  assert.equal(touches(v, "app/cache", true), true);
  assert.equal(touches(v, "", true), true);
});

async function* bytes(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

/** A reader that records what it served. */
function recording(name: string, log: string[]): RootfsReader {
  return {
    open: async (path) => {
      log.push(`${name} open ${path}`);
      return bytes(name);
    },
    walk: (dir) =>
      (async function* (): AsyncGenerator<RootfsEntry> {
        log.push(`${name} walk ${dir}`);
        yield { path: dir, type: "other" };
      })(),
    openArchive: async (dir) => {
      log.push(`${name} archive ${dir}`);
      return bytes(name);
    },
    close: async () => {
      log.push(`${name} close`);
    },
  };
}

test("touched reads go to one fresh reader made on first need, closed with the borrowed one", async () => {
  const log: string[] = [];
  let made = 0;
  const reader = borrowedReader(
    recording("lent", log),
    "app_main_1",
    view([["/app/data/x", 1]], ["/data"]),
    async () => {
      made++;
      return recording("fresh", log);
    },
  );
  assert.equal(reader.borrowed, "app_main_1");
  await reader.open("usr/bin/env");
  for await (const _ of reader.walk("app")) void _;
  await reader.openArchive("app/data");
  await reader.open("data/seed.json");
  await reader.openArchive("usr/share");
  await reader.close();
  assert.deepEqual(log, [
    "lent open usr/bin/env",
    "fresh walk app",
    "fresh archive app/data",
    "fresh open data/seed.json",
    "lent archive usr/share",
    // The borrowed container is not ours to remove.
    "fresh close",
  ]);
  assert.equal(made, 1);
});

test("a reader with nothing touched never makes a fresh one", async () => {
  const log: string[] = [];
  const reader = borrowedReader(recording("lent", log), "c", view([]), async () => {
    throw new Error("must not be called");
  });
  await reader.open("a/b");
  await reader.close();
  assert.deepEqual(log, ["lent open a/b"]);
});
