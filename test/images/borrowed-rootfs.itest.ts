// Loading a delta while a container of its base exists (the service's, during an update):
// the base is read through that container, no reader container is created, and what the
// container changed is read from a new one, on the real engine.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { collectJsonLines, type EngineClient } from "../../src/engine/api/index.ts";
import { DELTA_BASE_LABEL, DockerImageStore } from "../../src/images/docker-store.ts";
import { loadImageFile } from "../../src/images/load.ts";
import { makerLabel, thisMaker } from "../../src/images/reader-owner.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import {
  buildDeltaPair,
  type DeltaPair,
  imageIdOf,
  overwritten,
  removeAndCheckGone,
  removeImages,
} from "../support/images.ts";

let docker: EngineClient;
let store: DockerImageStore;
let work: string;
let pair: DeltaPair;
let file: string;
const images: string[] = [];
const containers: string[] = [];

before(async () => {
  docker = testDocker();
  store = new DockerImageStore(docker);
  work = await mkdtemp(join(tmpdir(), "ev-borrow-itest-"));
  const name = uniqueName("ev-borrow");
  const lib = randomBytes(2 << 20);
  images.push(`${name}:1`, `${name}:2`);
  file = join(work, "d.delta");
  pair = await buildDeltaPair(
    docker,
    name,
    {
      old: { "/usr/lib/libx.so.1": lib, "/etc/version": "1\n" },
      new: { "/usr/lib/libx.so.1": overwritten(lib, 1 << 20, "fix"), "/etc/version": "2\n" },
    },
    file,
  );
});

after(async () => {
  for (const id of containers)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => {});
  await removeImages(docker, images);
  await rm(work, { recursive: true, force: true });
});

/** Reader containers the engine created between `since` and now. */
async function readersCreatedSince(since: number): Promise<number> {
  const events = await collectJsonLines<{ Action: string }>(
    await docker.getEvents({
      since,
      until: Math.ceil(Date.now() / 1000) + 1,
      filters: { type: ["container"], event: ["create"], label: [DELTA_BASE_LABEL] },
    }),
  );
  return events.length;
}

async function newContainer(cmd: string[], start: boolean): Promise<{ id: string; name: string }> {
  const name = uniqueName("ev-borrow-svc");
  const c = await docker.createContainer({ name, Image: pair.oldTag, Cmd: cmd });
  containers.push(c.id);
  if (start) await c.start();
  return { id: c.id, name };
}

test("a stopped container of the base: read through it, no reader container created", async () => {
  const svc = await newContainer(["/bin/busybox", "true"], false);
  await removeAndCheckGone(docker, pair.newTag, pair.newId);
  const since = Math.floor(Date.now() / 1000) - 1;
  const r = await loadImageFile(store, file);
  assert.equal(r.borrowed, svc.name);
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  assert.equal(await readersCreatedSince(since), 0);
  // Not ours: still there.
  assert.equal((await docker.getContainer(svc.id).inspect()).Id, svc.id);
  await docker.getContainer(svc.id).remove({ force: true });
});

test("a running container that changed a base file: that file comes from a new reader", async () => {
  const svc = await newContainer(
    ["/bin/busybox", "sh", "-c", "echo patched > /usr/lib/libx.so.1 && exec busybox sleep 300"],
    true,
  );
  // Bounded: the change is made within a second or two of the start.
  let changed = false;
  for (let i = 0; i < 50 && !changed; i++) {
    const list = await docker.getContainer(svc.id).changes();
    changed = list.some((c) => c.Path === "/usr/lib/libx.so.1");
    if (!changed) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(changed, "the service changed /usr/lib/libx.so.1");
  await removeAndCheckGone(docker, pair.newTag, pair.newId);
  const since = Math.floor(Date.now() / 1000) - 1;
  const r = await loadImageFile(store, file);
  assert.equal(r.borrowed, svc.name, "the untouched files were read through the service");
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  assert.equal(await readersCreatedSince(since), 1, "one reader, for the changed file");
  const readers = await docker.listContainers({
    all: true,
    filters: { label: [DELTA_BASE_LABEL] },
  });
  assert.equal(readers.length, 0, "the reader was removed");
  // The service kept running, with its change.
  assert.equal((await docker.getContainer(svc.id).inspect()).State?.Running, true);
  const after = await docker.getContainer(svc.id).changes();
  assert.ok(after.some((c) => c.Path === "/usr/lib/libx.so.1"));
  await docker.getContainer(svc.id).remove({ force: true });
});

test("a reader left by a killed loader is removed by the next load; a live loader's stays", async () => {
  const me = thisMaker();
  const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
  const reader = async (label: string) => {
    const c = await docker.createContainer({
      name: uniqueName("ev-borrow-reader"),
      Image: pair.oldTag,
      Cmd: ["/bin/busybox", "true"],
      Labels: { [DELTA_BASE_LABEL]: label },
    });
    containers.push(c.id);
    return c.id;
  };
  const left = await reader(makerLabel({ boot: me.boot, pid: gone }));
  // pid 1 runs (another loader, as far as this one can tell).
  const live = await reader(makerLabel({ boot: me.boot, pid: 1 }));
  await removeAndCheckGone(docker, pair.newTag, pair.newId);
  const r = await loadImageFile(new DockerImageStore(docker), file);
  assert.equal(await imageIdOf(docker, pair.newTag), pair.newId);
  // Another load's reader is never borrowed (it goes when that load ends).
  assert.equal(r.borrowed, undefined);
  const ids = (
    await docker.listContainers({ all: true, filters: { label: [DELTA_BASE_LABEL] } })
  ).map((c) => c.Id);
  assert.ok(!ids.includes(left), "the leftover reader was removed");
  assert.ok(ids.includes(live), "the live loader's reader stays");
});
