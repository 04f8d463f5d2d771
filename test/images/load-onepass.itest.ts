// One-pass loading of version 2 deltas on the real engine (Docker 20.10): the declared
// gzip size, padded with empty gzip members, gives the exact image; an overrun and a
// failure half-way through the upload leave nothing behind.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { EngineClient } from "../../src/engine/api/index.ts";
import { DockerImageStore } from "../../src/images/docker-store.ts";
import { declaredGzipSize } from "../../src/images/layer-gzip.ts";
import { loadImageFile } from "../../src/images/load.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import {
  buildDeltaPair,
  type DeltaPair,
  imageIdOf,
  removeAndCheckGone,
  removeImages,
  overwritten,
} from "../support/images.ts";
import { tamperedStore } from "../support/tampered-store.ts";

let docker: EngineClient;
let store: DockerImageStore;
let work: string;
let pair: DeltaPair;
let file: string;
const created: string[] = [];

function removeNew(): Promise<void> {
  return removeAndCheckGone(docker, pair.newTag, pair.newId);
}

async function readerContainers(): Promise<number> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: ["io.edgevisor.delta-base"], ancestor: [pair.oldId] },
  });
  return list.length;
}

before(async () => {
  docker = testDocker();
  store = new DockerImageStore(docker);
  work = await mkdtemp(join(tmpdir(), "ev-onepass-itest-"));
  const name = uniqueName("ev-onepass");
  const lib = randomBytes(3 << 20);
  const text = "a line of text that compresses well\n".repeat(60_000);
  created.push(`${name}:1`, `${name}:2`);
  file = join(work, "d.delta");
  pair = await buildDeltaPair(
    docker,
    name,
    {
      old: { "/usr/lib/libx.so.1.0.1": lib, "/etc/version": "1\n" },
      new: {
        "/usr/lib/libx.so.1.0.2": overwritten(lib, 1 << 20, "fix"),
        "/etc/version": "2\n",
        "/opt/notes.txt": text,
      },
    },
    file,
  );
});

after(async () => {
  await removeImages(docker, created);
  await rm(work, { recursive: true, force: true });
});

test("a version 2 delta loads in one pass, padded past one member, with the exact image id", async () => {
  // Exact (made by this zlib: no padding); the slack for another zlib build (≥ 4 KiB:
  // past Go's 511-byte limit for a gzip comment, so in FEXTRA); padding of several members.
  const otherBuild = (n: number) => declaredGzipSize(n, { zlib: "other", arch: process.arch });
  for (const declare of [undefined, otherBuild, (n: number) => n + 200_000]) {
    await removeNew();
    const r = await loadImageFile(store, file, declare ? { declareGzipSize: declare } : {});
    assert.equal(r.passes, 1);
    assert.equal(r.fallback, undefined);
    assert.deepEqual(r.images[0]?.id, pair.newId);
    assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  }
  assert.equal(await readerContainers(), 0, "reader containers are removed");
});

test("gzip larger than the declared size: the first upload is cut, two passes load it", async () => {
  await removeNew();
  const r = await loadImageFile(store, file, { declareGzipSize: (n) => n - 1000 });
  assert.equal(r.passes, 2);
  assert.match(r.fallback ?? "", /declared/);
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  assert.equal(await readerContainers(), 0);
});

test("a layer that fails its DiffID half-way through the upload: refused, nothing created", async () => {
  await removeNew();
  // A base whose one patched file differs from the one the delta was made against.
  const tampering = tamperedStore(store, "usr/lib/libx");
  await assert.rejects(loadImageFile(tampering, file), { code: "EV_DIGEST_MISMATCH" });
  assert.equal(await imageIdOf(docker, pair.newId), undefined, "docker load created nothing");
  assert.equal(await readerContainers(), 0);
});
