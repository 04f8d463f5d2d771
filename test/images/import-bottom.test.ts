// The bottom-layer import's bookkeeping against a fake engine: what is imported, reused,
// kept and removed.
import assert from "node:assert/strict";
import type { Readable } from "node:stream";
import { test } from "node:test";
import { IMPORT_LABEL, importBottomLayer } from "../../src/images/import-bottom.ts";
import type { ImageInfo, ImageStore, LayerImporter } from "../../src/images/types.ts";

const TARGET = `sha256:${"7".repeat(64)}`;
const OTHER = `sha256:${"8".repeat(64)}`;
const DIFF = `sha256:${"d".repeat(64)}`;
const NOW = Date.parse("2026-12-07T12:00:00Z");
const HOUR = 3600 * 1000;

interface FakeImage {
  id: string;
  label: string;
  created: Date;
  diffIds: string[];
}

class FakeEngine implements LayerImporter {
  readonly images = new Map<string, FakeImage>();
  readonly removed: string[] = [];
  imported = "";
  /** What the engine makes of an import: the layer it registers. */
  importedDiffId = DIFF;
  private next = 0;

  add(label: string, diffIds: string[], ageMs: number): string {
    const id = `sha256:${String(++this.next).padStart(64, "0")}`;
    this.images.set(id, { id, label, created: new Date(NOW - ageMs), diffIds });
    return id;
  }

  async importLayer(tar: Readable, label: string, value: string): Promise<string> {
    assert.equal(label, IMPORT_LABEL);
    const parts: Buffer[] = [];
    for await (const c of tar) parts.push(c as Buffer);
    this.imported = Buffer.concat(parts).toString();
    return this.add(value, [this.importedDiffId], 0);
  }

  async labelled(label: string, value?: string) {
    assert.equal(label, IMPORT_LABEL);
    return [...this.images.values()]
      .filter((i) => value === undefined || i.label === value)
      .map((i) => ({ id: i.id, created: i.created }));
  }

  async removeImage(id: string): Promise<void> {
    this.removed.push(id);
    this.images.delete(id);
  }

  get store(): ImageStore {
    const inspect = async (id: string): Promise<ImageInfo | undefined> => {
      const i = this.images.get(id);
      return i && { id, repoTags: [], diffIds: i.diffIds, size: 0 };
    };
    return { inspect } as unknown as ImageStore;
  }
}

async function* bytes(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

test("the rebuilt layer is streamed in, labelled with its target, and checked after", async () => {
  const engine = new FakeEngine();
  const r = await importBottomLayer(engine.store, engine, TARGET, DIFF, () => bytes("layer"), NOW);
  assert.equal(r.reused, false);
  assert.equal(engine.imported, "layer");
  assert.equal(engine.images.get(r.imageId)?.label, "7".repeat(64));
});

test("an interrupted load's import holding the right layer is reused, a wrong one removed", async () => {
  const engine = new FakeEngine();
  const wrong = engine.add("7".repeat(64), [OTHER], HOUR);
  const right = engine.add("7".repeat(64), [DIFF], HOUR);
  const r = await importBottomLayer(
    engine.store,
    engine,
    TARGET,
    DIFF,
    () => bytes("never read"),
    NOW,
  );
  assert.deepEqual(r, { imageId: right, reused: true });
  assert.equal(engine.imported, "", "nothing streamed");
  assert.deepEqual(engine.removed, [wrong]);
});

test("other targets' imports are left alone for a day, then removed", async () => {
  const engine = new FakeEngine();
  const fresh = engine.add("8".repeat(64), [OTHER], 2 * HOUR);
  const stale = engine.add("8".repeat(64), [OTHER], 25 * HOUR);
  await importBottomLayer(engine.store, engine, TARGET, DIFF, () => bytes("layer"), NOW);
  assert.deepEqual(engine.removed, [stale]);
  assert.ok(engine.images.has(fresh));
});

test("an engine that registers another layer than the rebuilt one: removed, and an error", async () => {
  const engine = new FakeEngine();
  engine.importedDiffId = OTHER;
  await assert.rejects(
    importBottomLayer(engine.store, engine, TARGET, DIFF, () => bytes("layer"), NOW),
    (e: Error & { code?: string }) => e.code === "EV_DIGEST_MISMATCH" && e.message.includes(DIFF),
  );
  assert.equal(engine.images.size, 0);
});

test("a rebuild that fails half-way leaves no image of this target behind", async () => {
  const engine = new FakeEngine();
  // As an engine that took the cut upload for a whole archive.
  const failing = async function* (): AsyncGenerator<Buffer> {
    engine.add("7".repeat(64), [OTHER], 0);
    yield Buffer.from("half");
    throw Object.assign(new Error("rebuilt layer differs"), { code: "EV_DIGEST_MISMATCH" });
  };
  await assert.rejects(
    importBottomLayer(engine.store, engine, TARGET, DIFF, failing, NOW),
    /rebuilt layer differs/,
  );
  assert.equal(engine.images.size, 0);
});
