// Loading through a fake ImageStore: what reaches the "engine", and when.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { declaredGzipSize, MIN_MEMBER } from "../../src/images/layer-gzip.ts";
import { loadImageFile } from "../../src/images/load.ts";
import type { ImageInfo, ImageStore, RootfsReader } from "../../src/images/types.ts";
import { digest, makeDelta } from "../delta/delta-file.ts";
import { MemoryBase, makeTar, withTmp } from "../delta/support.ts";

const BASE = `sha256:${"ab".repeat(32)}`;

class FakeStore implements ImageStore {
  readonly calls: string[] = [];
  readonly images = new Map<string, ImageInfo>();
  readonly loaded: Array<Map<string, Buffer>> = [];
  private readonly rootfs: MemoryBase;

  constructor(rootfs: MemoryBase, withBase = true) {
    this.rootfs = rootfs;
    if (withBase) this.images.set(BASE, { id: BASE, repoTags: ["app:1"], diffIds: [], size: 0 });
  }

  async inspect(ref: string) {
    this.calls.push(`inspect ${ref.slice(0, 15)}`);
    return this.images.get(ref);
  }

  async save(): Promise<Readable> {
    throw new Error("not used");
  }

  async load(archive: Readable) {
    this.calls.push("load");
    const files = new Map<string, Buffer>();
    const ex = extract();
    // As the engine: an upload that is cut fails the load.
    archive.once("error", (e) => ex.destroy(e));
    archive.pipe(ex as unknown as NodeJS.WritableStream);
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      files.set(entry.header.name, Buffer.concat(parts));
    }
    const manifest = files.get("manifest.json");
    if (!manifest) throw new Error("no manifest.json: docker load would refuse");
    const [m] = JSON.parse(manifest.toString()) as Array<{ Config: string; RepoTags: string[] }>;
    const config = files.get(m!.Config)!;
    const id = `sha256:${createHash("sha256").update(config).digest("hex")}`;
    this.images.set(id, { id, repoTags: m!.RepoTags, diffIds: [], size: 0 });
    this.loaded.push(files);
  }

  async openRootfs(): Promise<RootfsReader> {
    this.calls.push("openRootfs");
    const fs = this.rootfs;
    return {
      open: (p) => fs.open(p),
      openArchive: (d) => fs.openArchive(d),
      walk: async function* () {},
      close: async () => {},
    };
  }
}

test("a delta is rebuilt, checked and handed to the engine with the manifest last", () =>
  withTmp(async (dir) => {
    const { file, manifest, base, layer } = await makeDelta(dir);
    const store = new FakeStore(base);
    const r = await loadImageFile(store, file);
    assert.equal(r.kind, "delta");
    assert.deepEqual(r.images, [{ id: manifest.target.id, repoTags: ["app:2"] }]);
    assert.equal(store.calls.filter((c) => c === "load").length, 1);
    const [files] = store.loaded;
    const names = [...files!.keys()];
    assert.equal(names.at(-1), "manifest.json");
    const layerName = names.find((n) => n.startsWith("layers/"))!;
    assert.deepEqual(gunzipSync(files!.get(layerName)!), layer);
  }));

test("a version 2 delta loads in one pass: the declared gzip size, padded with empty members", () =>
  withTmp(async (dir) => {
    const { file, manifest, base, layer } = await makeDelta(dir);
    const store = new FakeStore(base);
    const r = await loadImageFile(store, file);
    assert.equal(r.passes, 1);
    assert.equal(store.calls.filter((c) => c === "load").length, 1);
    const files = store.loaded[0]!;
    const gz = files.get([...files.keys()].find((n) => n.endsWith(".tar.gz"))!)!;
    const shipped = manifest.layers[0]!;
    assert.ok(shipped.source === "delta" && shipped.gzipSize !== undefined);
    // Made by this very zlib: exactly the recorded size, no padding.
    assert.equal(gz.length, shipped.gzipSize);
    assert.deepEqual(gunzipSync(gz), layer);
    // Recorded by another zlib build: the slack, filled with empty members.
    const other = new FakeStore(base);
    const declare = (n: number) => declaredGzipSize(n, { zlib: "other", arch: process.arch });
    assert.equal((await loadImageFile(other, file, { declareGzipSize: declare })).passes, 1);
    const padded = other.loaded[0]!.get([...files.keys()].find((n) => n.endsWith(".tar.gz"))!)!;
    assert.equal(padded.length, declare(shipped.gzipSize));
    assert.deepEqual(gunzipSync(padded), layer);
  }));

test("gzip output larger than declared: the upload is cut before manifest.json, then two passes", () =>
  withTmp(async (dir) => {
    const { file, manifest, base, layer } = await makeDelta(dir);
    // Too small by one byte, and too close for a padding member: both fall back.
    for (const declare of [(n: number) => n - 1, (n: number) => n + MIN_MEMBER - 1]) {
      const store = new FakeStore(base);
      const r = await loadImageFile(store, file, { declareGzipSize: declare });
      assert.equal(r.passes, 2);
      assert.match(r.fallback ?? "", /gzip/);
      assert.equal(store.calls.filter((c) => c === "load").length, 2);
      assert.equal(store.loaded.length, 1, "the cut upload loaded nothing");
      assert.deepEqual(r.images, [{ id: manifest.target.id, repoTags: ["app:2"] }]);
      const files = store.loaded[0]!;
      const gz = files.get([...files.keys()].find((n) => n.endsWith(".tar.gz"))!)!;
      assert.deepEqual(gunzipSync(gz), layer);
    }
  }));

test("a version 1 delta, or another gzip level than recorded, takes two passes", () =>
  withTmp(async (dir) => {
    const v1 = await makeDelta(dir, { version: 1 });
    const r1 = await loadImageFile(new FakeStore(v1.base), v1.file);
    assert.equal(r1.passes, 2);
    assert.equal(r1.fallback, undefined);
    const v2 = await makeDelta(dir);
    assert.equal(
      (await loadImageFile(new FakeStore(v2.base), v2.file, { gzipLevel: 1 })).passes,
      2,
    );
    // Uncompressed: the size is the layer's, known from any version.
    const store = new FakeStore(v1.base);
    assert.equal((await loadImageFile(store, v1.file, { gzipLevel: 0 })).passes, 1);
    assert.deepEqual(store.loaded[0]!.get([...store.loaded[0]!.keys()][0]!), v1.layer);
  }));

test("progress counts each phase's bytes from zero, also across two passes", () =>
  withTmp(async (dir) => {
    const { file, layer, base } = await makeDelta(dir, { version: 1 });
    const phases: Array<{ name: string; total?: number; max: number }> = [];
    const progress = {
      phase: (name: string, total?: number) =>
        phases.push({ name, ...(total === undefined ? {} : { total }), max: 0 }),
      update: (done: number) => {
        const p = phases.at(-1)!;
        p.max = Math.max(p.max, done);
      },
      note: () => {},
    };
    assert.equal((await loadImageFile(new FakeStore(base), file, { progress })).passes, 2);
    const rebuilt = phases.filter((p) => p.total === layer.length);
    assert.deepEqual(
      rebuilt.map((p) => p.name),
      ["rebuild and verify", "load into engine"],
    );
    for (const p of rebuilt) assert.equal(p.max, layer.length, `${p.name} counts to its total`);
  }));

test("a corrupt delta is refused before the store is even asked anything", () =>
  withTmp(async (dir) => {
    const { bytes, base } = await makeDelta(dir);
    const bad = Buffer.from(bytes);
    bad[bytes.length - 1100]! ^= 0x40;
    await writeFile(join(dir, "bad.tar"), bad);
    const store = new FakeStore(base);
    await assert.rejects(loadImageFile(store, join(dir, "bad.tar")));
    assert.deepEqual(store.calls, []);
  }));

test("a missing base is named, and nothing is loaded", () =>
  withTmp(async (dir) => {
    const { file, base } = await makeDelta(dir);
    const store = new FakeStore(base, false);
    await assert.rejects(loadImageFile(store, file), {
      code: "EV_DELTA_BASE_MISSING",
      message: new RegExp(`base image ${BASE} \\(app:1\\) is not on this device`),
    });
    assert.ok(!store.calls.includes("load"));
  }));

test("a base whose files differ fails the DiffID check, and the upload is cut before manifest.json", () =>
  withTmp(async (dir) => {
    const { file, manifest } = await makeDelta(dir);
    // Shorter than the file the delta patches against.
    const store = new FakeStore(new MemoryBase({ "etc/conf": "x=1\n".repeat(50) }));
    await assert.rejects(loadImageFile(store, file), {
      code: "EV_DIGEST_MISMATCH",
      message: /base file \/etc\/conf/,
    });
    assert.ok(store.calls.includes("openRootfs"));
    // One pass: the upload had begun, and was cut before any manifest.json.
    assert.ok(store.calls.includes("load"));
    assert.equal(store.loaded.length, 0);
    assert.equal(store.images.get(manifest.target.id), undefined);
  }));

test("a version 1 delta is verified in a first pass: a base that differs never reaches the engine", () =>
  withTmp(async (dir) => {
    const { file } = await makeDelta(dir, { version: 1 });
    const store = new FakeStore(new MemoryBase({ "etc/conf": "x=1\n".repeat(50) }));
    await assert.rejects(loadImageFile(store, file), {
      code: "EV_DIGEST_MISMATCH",
      message: /base file \/etc\/conf/,
    });
    assert.ok(!store.calls.includes("load"));
  }));

test("a plain archive whose layer does not match its DiffID never reaches the engine", () =>
  withTmp(async (dir) => {
    const layer = await makeTar([{ name: "etc/hello", body: "hi\n" }]);
    const config = JSON.stringify({ rootfs: { type: "layers", diff_ids: [digest(layer)] } });
    const hex = digest(Buffer.from(config)).slice(7);
    const tampered = Buffer.from(layer);
    tampered[tampered.indexOf(Buffer.from("hi\n"))] = "H".charCodeAt(0);
    const archive = await makeTar([
      { name: "l/layer.tar", body: tampered },
      { name: `${hex}.json`, body: config },
      {
        name: "manifest.json",
        body: JSON.stringify([
          { Config: `${hex}.json`, RepoTags: ["x:1"], Layers: ["l/layer.tar"] },
        ]),
      },
    ]);
    await writeFile(join(dir, "a.tar"), archive);
    const store = new FakeStore(new MemoryBase({}));
    await assert.rejects(loadImageFile(store, join(dir, "a.tar")), {
      code: "EV_DIGEST_MISMATCH",
      message: /l\/layer\.tar/,
    });
    assert.deepEqual(store.calls, []);
  }));

test("a borrowed container that reads differently: refused, then rebuilt through a fresh reader", () =>
  withTmp(async (dir) => {
    const { file, manifest, base, layer } = await makeDelta(dir);
    // The service changed /etc/conf in a way its changes did not show: the first,
    // borrowed, rebuild fails its DiffID check; the second reads the image as it is.
    const changed = new MemoryBase({ "etc/conf": "x=1\n".repeat(50) });
    class Lending extends FakeStore {
      override async openRootfs(id?: string, o: { borrow?: boolean } = {}) {
        const reader = await super.openRootfs();
        this.calls.push(o.borrow ? "borrow" : "fresh");
        return o.borrow
          ? { ...reader, open: (p: string) => changed.open(p), borrowed: "app_main_1" }
          : reader;
      }
    }
    const store = new Lending(base);
    const notes: string[] = [];
    const progress = { phase: () => {}, update: () => {}, note: (n: string) => notes.push(n) };
    const r = await loadImageFile(store, file, { progress });
    assert.deepEqual(r.images, [{ id: manifest.target.id, repoTags: ["app:2"] }]);
    assert.equal(r.borrowed, undefined, "the image came from the fresh reader");
    assert.deepEqual(
      store.calls.filter((c) => c === "borrow" || c === "fresh"),
      ["borrow", "fresh"],
    );
    assert.match(notes.join("\n"), /through container app_main_1 failed .*base file \/etc\/conf/);
    // The first upload was cut before its manifest.json: the engine kept one image only.
    assert.equal(store.loaded.length, 1);
    const gz = [...store.loaded[0]!.entries()].find(([n]) => n.endsWith(".tar.gz"))![1];
    assert.deepEqual(gunzipSync(gz), layer);
  }));

test("with borrow: false the base is read through a new reader only", () =>
  withTmp(async (dir) => {
    const { file, base } = await makeDelta(dir);
    const asked: Array<boolean | undefined> = [];
    class Asking extends FakeStore {
      override async openRootfs(id?: string, o: { borrow?: boolean } = {}) {
        asked.push(o.borrow);
        return super.openRootfs();
      }
    }
    await loadImageFile(new Asking(base), file, { borrow: false });
    assert.deepEqual(asked, [false]);
  }));
