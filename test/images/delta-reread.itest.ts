// A delta whose ops read base files out of walk order, on the real engine: the same base
// file patched into two new files, and an early new file patched from a late base file.
// On EngineClient 20.10 a second archive request on the reader container whose walk is open
// waits forever (the container's lock is held until the walk's response is closed), so
// `image load` must send those reads elsewhere (batched-reader.ts).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { EngineClient } from "../../src/engine/api/index.ts";
import { pack } from "tar-stream";
import { blobStream, openDelta } from "../../src/delta/container.ts";
import { basePathsOf } from "../../src/delta/decode.ts";
import { compareWalkOrder } from "../../src/delta/walk-order.ts";
import { DELTA_BASE_LABEL } from "../../src/images/docker-store.ts";
import { engineHost, testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage, removeImages } from "../support/images.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** A load that has not finished by then is taken as hung. */
const LOAD_TIMEOUT = 60_000;
let docker: EngineClient;
let work: string;
const created: string[] = [];
const bases: string[] = [];

function cli(
  timeout: number,
  ...args: string[]
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "src/cli/main.ts"), ...args],
      {
        env: { ...process.env, DOCKER_HOST: engineHost() },
        maxBuffer: 64 << 20,
        timeout,
        killSignal: "SIGKILL",
      },
      (err, stdout, stderr) => {
        const e = err as { code?: number; killed?: boolean } | null;
        resolve({ code: e ? (e.killed ? "timed out" : (e.code ?? 1)) : 0, stdout, stderr });
      },
    );
  });
}

function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const t = pack();
  for (const [name, content] of Object.entries(files))
    t.entry({ name, mtime: new Date(0) }, content);
  t.finalize();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    t.on("data", (c: unknown) => parts.push(c as Buffer));
    t.on("end", () => resolve(Buffer.concat(parts)));
    t.on("error", reject);
  });
}

function edited(b: Buffer, at: number, text: string): Buffer {
  return Buffer.concat([b.subarray(0, at), Buffer.from(text), b.subarray(at)]);
}

/** OLD and NEW with /srv unpacked from a tar in one RUN, so one layer holds all of it. */
async function buildPair() {
  const name = uniqueName("ev-delta-reread");
  const oldTag = `${name}:1`;
  const newTag = `${name}:2`;
  created.push(oldTag, newTag);
  const same: Record<string, Buffer> = {};
  for (let i = 0; i < 40; i++) same[`f-${String(i).padStart(2, "0")}`] = randomBytes(3000);
  const conf = randomBytes(80_000);
  const late = randomBytes(60_000);
  // After z-late in walk order and far larger than the socket's buffers: the engine is
  // still sending the walk (and holding the container's lock) when the reader goes back.
  const big = randomBytes(16 << 20);
  const unpack = ["RUN mkdir /srv && tar -xf /srv.tar -C /srv && rm /srv.tar"];
  const oldId = await buildTestImage(docker, {
    tag: oldTag,
    files: {
      "/srv.tar": await tarOf({ ...same, "m/F.conf": conf, "z-late": late, "zz-big": big }),
    },
    extraLines: unpack,
  });
  bases.push(oldId);
  const newId = await buildTestImage(docker, {
    tag: newTag,
    files: {
      "/srv.tar": await tarOf({
        ...same,
        // Before everything in walk order, patched from the last base file.
        "a-early": edited(late, 30_000, "early edit"),
        // Two new files, both best matched to m/F.conf.
        "copy-a/F.conf": edited(conf, 40_000, "edit a"),
        "copy-b/F.conf": edited(conf, 41_000, "edit b"),
        "m/F.conf": conf,
        "z-late": late,
        "zz-big": big,
      }),
    },
    extraLines: unpack,
  });
  return { oldTag, newTag, oldId, newId };
}

before(async () => {
  docker = testDocker();
  work = await mkdtemp(join(tmpdir(), "ev-delta-reread-"));
});

after(async () => {
  for (const id of bases) {
    const left = await docker.listContainers({
      all: true,
      filters: { label: [DELTA_BASE_LABEL], ancestor: [id] },
    });
    for (const c of left)
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {});
  }
  await removeImages(docker, created);
  await rm(work, { recursive: true, force: true });
});

test(
  "image load of a delta that reads a base file twice and goes back in walk order finishes with NEW's id",
  { timeout: LOAD_TIMEOUT + 120_000 },
  async (t) => {
    const p = await buildPair();
    const file = join(work, "reread.delta");
    const c = await cli(120_000, "delta", "create", p.oldTag, p.newTag, "-o", file, "--json");
    assert.equal(c.code, 0, c.stderr);

    // The delta exercises what it should: a layer with enough base reads to be walked,
    // m/F.conf read more than once, and a read that goes back in walk order.
    const d = await openDelta(file);
    let checked = false;
    for (const layer of d.manifest.layers) {
      if (layer.source !== "delta") continue;
      const paths = await basePathsOf(blobStream(d, layer.ops), "layer");
      if (!paths.includes("srv/z-late")) continue;
      checked = true;
      assert.ok(paths.length >= 32, `${paths.length} base reads: too few to be batched`);
      const conf = paths.filter((x) => x === "srv/m/F.conf").length;
      assert.ok(conf >= 3, `srv/m/F.conf read ${conf} times: ${paths.join(" ")}`);
      assert.equal(paths[0], "srv/z-late", `first read: ${paths[0]}`);
      assert.ok(paths.some((x, i) => i > 0 && compareWalkOrder(x, paths[i - 1]!) < 0));
    }
    assert.ok(checked, "no layer reads srv/z-late");

    await docker.getImage(p.newTag).remove();
    const started = Date.now();
    const l = await cli(LOAD_TIMEOUT, "image", "load", "-i", file, "--json");
    const took = Date.now() - started;
    assert.equal(l.code, 0, `image load: ${l.code} after ${took} ms\n${l.stderr}`);
    t.diagnostic(`image load took ${took} ms`);
    const id = await docker
      .getImage(p.newTag)
      .inspect()
      .then((i) => i.Id);
    assert.equal(id, p.newId);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [DELTA_BASE_LABEL], ancestor: [p.oldId] },
    });
    assert.equal(left.length, 0, "both reader containers are removed");
  },
);
