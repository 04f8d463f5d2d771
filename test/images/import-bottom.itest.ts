// A delta that ships its target's bottom layer (the base image itself was rebuilt) on the
// real engine: that layer goes in by an import, streamed, and the load that follows skips
// it; a base that differs leaves nothing behind; an interrupted load's import is reused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { after, before, test } from "node:test";
import { pack, extract } from "tar-stream";
import type { EngineClient } from "../../src/engine/api/index.ts";
import { createDelta } from "../../src/images/delta-create.ts";
import { hexOf } from "../../src/images/digest.ts";
import { DockerImageStore } from "../../src/images/docker-store.ts";
import { IMPORT_LABEL } from "../../src/images/import-bottom.ts";
import { loadImageFile } from "../../src/images/load.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import {
  buildContext,
  catFile,
  imageIdOf,
  removeAndCheckGone,
  removeImages,
  overwritten,
} from "../support/images.ts";
import { tamperedStore } from "../support/tampered-store.ts";
import { readFileSync } from "node:fs";

let docker: EngineClient;
let store: DockerImageStore;
let work: string;
let pair: { oldTag: string; newTag: string; oldId: string; newId: string; bottom: string };
let file: string;
/** NEW's bottom layer tar as `docker save` has it (for the interrupted load). */
let bottomTar: Buffer;
const created: string[] = [];

/** FROM scratch, ADD of a rootfs tar (the bottom layer), then a small layer on top. */
async function buildRootfsImage(tag: string, files: Record<string, Buffer | string>) {
  const rootfs = pack();
  rootfs.entry({ name: "bin/busybox", mode: 0o755 }, readFileSync("/bin/busybox"));
  for (const [path, body] of Object.entries(files)) rootfs.entry({ name: path }, body);
  rootfs.finalize();
  const parts: Buffer[] = [];
  for await (const c of rootfs as unknown as AsyncIterable<Buffer>) parts.push(c);
  return buildContext(docker, tag, {
    Dockerfile:
      'FROM scratch\nADD rootfs.tar /\nCOPY app.txt /app/app.txt\nCMD ["/bin/busybox", "true"]\n',
    "rootfs.tar": Buffer.concat(parts),
    "app.txt": "the service's own layer\n",
  });
}

async function importImages(): Promise<string[]> {
  return (await store.layers.labelled(IMPORT_LABEL)).map((i) => i.id);
}

function removeNew(): Promise<void> {
  return removeAndCheckGone(docker, pair.newTag, pair.newId);
}

/** NEW's bottom layer tar, as `docker save` has it. */
async function savedBottomLayer(): Promise<Buffer> {
  const ex = extract();
  (await docker.getImage(pair.newTag).get()).pipe(ex);
  const files = new Map<string, Buffer>();
  for await (const entry of ex) {
    const parts: Buffer[] = [];
    for await (const c of entry) parts.push(c as Buffer);
    files.set(entry.header.name, Buffer.concat(parts));
  }
  const [m] = JSON.parse(files.get("manifest.json")!.toString()) as Array<{ Layers: string[] }>;
  return files.get(m!.Layers[0]!)!;
}

before(async () => {
  docker = testDocker();
  store = new DockerImageStore(docker);
  work = await mkdtemp(join(tmpdir(), "ev-import-itest-"));
  const name = uniqueName("ev-import");
  const lib = randomBytes(2 << 20);
  const lib2 = overwritten(lib, 1 << 20, "fix");
  created.push(`${name}:1`, `${name}:2`);
  const oldId = await buildRootfsImage(`${name}:1`, {
    "usr/lib/libx.so.1.0.1": lib,
    "etc/version": "1\n",
  });
  const newId = await buildRootfsImage(`${name}:2`, {
    "usr/lib/libx.so.1.0.2": lib2,
    "etc/version": "2\n",
  });
  const [oldInfo, newInfo] = await Promise.all([oldId, newId].map((id) => store.inspect(id)));
  assert.notEqual(oldInfo?.diffIds[0], newInfo?.diffIds[0], "the bottom layers differ");
  pair = {
    oldTag: `${name}:1`,
    newTag: `${name}:2`,
    oldId,
    newId,
    bottom: newInfo!.diffIds[0]!,
  };
  file = join(work, "d.delta");
  const out = createWriteStream(file);
  const made = await createDelta(store, pair.oldTag, pair.newTag, out, { level: 3 });
  await finished(out);
  assert.deepEqual(made.layers, { shipped: 2, shared: 0 });
  bottomTar = await savedBottomLayer();
});

after(async () => {
  for (const id of await importImages().catch(() => [])) await store.layers.removeImage(id);
  await removeImages(docker, created);
  await rm(work, { recursive: true, force: true });
});

test("a shipped bottom layer is streamed in by an import; the target has its exact id", async () => {
  await removeNew();
  const r = await loadImageFile(store, file);
  assert.equal(r.imported, "streamed");
  assert.equal(r.passes, 1, "the upper layer went through docker load");
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  assert.equal(await catFile(docker, pair.newTag, "/etc/version"), "2\n");
  assert.deepEqual(
    await importImages(),
    [],
    "the import image is removed once NEW holds the layer",
  );
  // Without the import the same delta loads through docker load alone, to the same id.
  await removeNew();
  const plain = await loadImageFile(store, file, { importBottom: false });
  assert.equal(plain.imported, undefined);
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
});

test("a base that differs: the import is cut, no image and no import is left", async () => {
  await removeNew();
  const tampering = tamperedStore(store, "usr/lib/libx");
  await assert.rejects(loadImageFile(tampering, file), { code: "EV_DIGEST_MISMATCH" });
  assert.equal(await imageIdOf(docker, pair.newId), undefined);
  assert.deepEqual(await importImages(), []);
  const layers = await docker.listImages({ all: true });
  for (const i of layers) {
    const info = await docker.getImage(i.Id).inspect();
    assert.ok(!info.RootFS?.Layers?.includes(pair.bottom), `${i.Id} holds the rebuilt layer`);
  }
});

test("an interrupted load's import is reused, then removed", async () => {
  await removeNew();
  const leftover = await store.layers.importLayer(
    Readable.from([bottomTar]),
    IMPORT_LABEL,
    hexOf(pair.newId),
  );
  const r = await loadImageFile(store, file);
  assert.equal(r.imported, "reused");
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  assert.equal(await imageIdOf(docker, leftover), undefined, "the leftover is removed");
  assert.deepEqual(await importImages(), []);
});
