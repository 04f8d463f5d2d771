// Deltas and archives against the real private engine, through the CLI.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { EngineClient } from "../../src/engine/api/index.ts";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { DeltaCache } from "../../src/images/delta-cache.ts";
import { createDeltaServer } from "../../src/images/delta-server.ts";
import { createDeltaInWorker } from "../../src/images/delta-worker.ts";
import { DockerImageStore } from "../../src/images/docker-store.ts";
import { loadImageStream } from "../../src/images/load.ts";
import { engineHost, engineSocketPath, testDocker, uniqueName } from "../support/engine.ts";
import {
  buildContext,
  buildTestImage,
  catFile,
  type ContextFile,
  imageIdOf,
  overwritten,
} from "../support/images.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let docker: EngineClient;
let work: string;
const created: string[] = [];

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "src/cli/main.ts"), ...args],
      { env: { ...process.env, DOCKER_HOST: engineHost() }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function result(stdout: string): Record<string, unknown> {
  const lines = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const r = lines.find((l) => l.type === "result");
  assert.ok(r, `no result line in ${stdout}`);
  return r;
}

async function removeImage(ref: string): Promise<void> {
  await docker
    .getImage(ref)
    .remove()
    .catch(() => {});
}

/** An OLD/NEW pair like a security update: a library patched, a config bumped, a file added. */
async function buildPair(prefix: string) {
  const name = uniqueName(prefix);
  const lib = randomBytes(400_000);
  const lib2 = overwritten(lib, 200_000, "CVE fix");
  const oldTag = `${name}:1`;
  const newTag = `${name}:2`;
  created.push(oldTag, newTag);
  const common = { "/etc/app.conf": `name=${name}\n` };
  const oldId = await buildTestImage(docker, {
    tag: oldTag,
    files: { ...common, "/usr/lib/libssl.so.3.0.1": lib, "/etc/version": "1\n" },
  });
  const newId = await buildTestImage(docker, {
    tag: newTag,
    files: {
      ...common,
      "/usr/lib/libssl.so.3.0.2": lib2,
      "/etc/version": "2\n",
      "/opt/notes.txt": "release notes\n".repeat(200),
    },
  });
  return { oldTag, newTag, oldId, newId };
}

before(async () => {
  docker = testDocker();
  work = await mkdtemp(join(tmpdir(), "ev-delta-itest-"));
});

after(async () => {
  for (const t of created.reverse()) await removeImage(t);
  await rm(work, { recursive: true, force: true });
});

test("delta create -o, then image load -i on an engine with only OLD rebuilds NEW with its exact id", async () => {
  const p = await buildPair("ev-delta");
  const file = join(work, "a.delta");
  const c = await cli("delta", "create", p.oldTag, p.newTag, "-o", file, "--json");
  assert.equal(c.code, 0, c.stderr);
  const made = result(c.stdout);
  assert.equal(made.target, p.newId);
  const deltaBytes = (await stat(file)).size;
  assert.equal(made.deltaBytes, deltaBytes);
  // NEW holds the patched library twice (COPY to /payload, then mv): the first is found
  // by content fingerprints, the second by its version-like name; both become patches.
  const full = (await docker.getImage(p.newTag).inspect()).Size;
  assert.ok(deltaBytes < 40_000, `delta is ${deltaBytes} bytes for a ${full}-byte image`);

  await removeImage(p.newTag);
  assert.equal(await imageIdOf(docker, p.newTag), undefined);
  const l = await cli("image", "load", "-i", file, "--json");
  assert.equal(l.code, 0, l.stderr);
  const loaded = result(l.stdout);
  assert.equal(loaded.kind, "delta");
  assert.equal(await imageIdOf(docker, p.newTag), p.newId);
  assert.equal(await catFile(docker, p.newTag, "/etc/version"), "2\n");
  const containers = await docker.listContainers({
    all: true,
    filters: { label: ["io.edgevisor.delta-base"], ancestor: [p.oldId] },
  });
  assert.equal(containers.length, 0, "the base reader container is removed");

  // Loading again is a no-op that keeps the id.
  const again = await cli("image", "load", "-i", file, "--json");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(result(again.stdout).alreadyPresent, true);
});

test("the shipped launcher (bin/edgevisor.js on dist/) creates with frame workers and loads", async () => {
  // The build must be current: the launcher runs dist/, the other tests the sources.
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" });
  assert.equal(build.status, 0, build.stderr);
  const p = await buildPair("ev-delta-dist");
  const file = join(work, "dist.delta");
  const shipped = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, "bin/edgevisor.js"), ...args], {
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: engineHost() },
    });
  // Small patch frames (the 400 kB library) go to the frame workers at level 19.
  const c = shipped("delta", "create", p.oldTag, p.newTag, "-o", file, "--json");
  assert.equal(c.status, 0, c.stderr);
  await removeImage(p.newTag);
  const l = shipped("image", "load", "-i", file, "--json");
  assert.equal(l.status, 0, l.stderr);
  assert.equal(await imageIdOf(docker, p.newTag), p.newId);
});

test("a delta whose base is missing is refused with an error naming the base", async () => {
  const p = await buildPair("ev-delta-nobase");
  const file = join(work, "b.delta");
  const c = await cli("delta", "create", p.oldTag, p.newTag, "-o", file);
  assert.equal(c.code, 0, c.stderr);
  await removeImage(p.newTag);
  await removeImage(p.oldTag);
  const l = await cli("image", "load", "-i", file);
  assert.equal(l.code, 9);
  assert.match(
    l.stderr,
    /EV_DELTA_BASE_MISSING: base image sha256:[0-9a-f]{64} \(ev-delta-nobase-[^)]+:1\) is not on this device/,
  );
  assert.ok(l.stderr.includes(p.oldId));
  assert.equal(await imageIdOf(docker, p.newTag), undefined);
});

test("signed deltas: with trusted keys, a signed delta loads and an unsigned one is refused", async () => {
  const p = await buildPair("ev-delta-signed");
  const keys = join(work, "keys");
  await import("node:fs/promises").then((fs) => fs.mkdir(keys));
  const k = await cli("delta", "keygen", join(keys, "release"));
  assert.equal(k.code, 0, k.stderr);
  const signed = join(work, "s.delta");
  const unsigned = join(work, "u.delta");
  assert.equal(
    (
      await cli(
        "delta",
        "create",
        p.oldTag,
        p.newTag,
        "-o",
        signed,
        "--sign-key",
        join(keys, "release.key"),
      )
    ).code,
    0,
  );
  assert.equal((await cli("delta", "create", p.oldTag, p.newTag, "-o", unsigned)).code, 0);
  await removeImage(p.newTag);
  const refused = await cli("image", "load", "-i", unsigned, "--trusted-keys", keys);
  assert.equal(refused.code, 9);
  assert.match(refused.stderr, /EV_DELTA_SIGNATURE: the delta is not signed/);
  assert.equal(await imageIdOf(docker, p.newTag), undefined);
  const ok = await cli("image", "load", "-i", signed, "--trusted-keys", keys, "--json");
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(String(result(ok.stdout).signedBy), /^[0-9a-f]{64}$/);
  assert.equal(await imageIdOf(docker, p.newTag), p.newId);
});

test("image save -o and image load -i round trip a plain archive", async () => {
  const tag = `${uniqueName("ev-save")}:1`;
  created.push(tag);
  const id = await buildTestImage(docker, { tag, files: { "/etc/saved": "yes\n" } });
  const file = join(work, "plain.tar");
  const s = await cli("image", "save", tag, "-o", file, "--json");
  assert.equal(s.code, 0, s.stderr);
  await removeImage(tag);
  const l = await cli("image", "load", "-i", file, "--json");
  assert.equal(l.code, 0, l.stderr);
  const r = result(l.stdout);
  assert.equal(r.kind, "archive");
  assert.equal(await imageIdOf(docker, tag), id);
});

test("delta serve: a device fetches a delta by image ids and loads it from the stream", async () => {
  const p = await buildPair("ev-delta-serve");
  const store = new DockerImageStore(docker);
  const cache = new DeltaCache(join(work, "cache"), (base, target, file) =>
    createDeltaInWorker({ socketPath: engineSocketPath(), base, target, file, level: 3 }),
  );
  const server = createDeltaServer({
    cache,
    resolveImage: async (ref) => (await store.inspect(ref))?.id,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/?src=${p.oldId}&dest=${p.newId}`);
    assert.equal(res.status, 200);
    assert.ok(res.body);
    await removeImage(p.newTag);
    const r = await loadImageStream(
      store,
      Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
      { tmpDir: work },
    );
    assert.equal(r.kind, "delta");
    assert.equal(await imageIdOf(docker, p.newTag), p.newId);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

/** FROM scratch + busybox + a directory tree copied in one layer. */
function buildTree(tag: string, files: Record<string, string>): Promise<string> {
  // A fixed mtime: COPY keeps it, so unchanged files get identical headers in both images
  // however far apart the two builds run (on a busy host they were seconds apart, every
  // header differed and the reference patch was no longer 10% smaller than per-file ops).
  const mtime = new Date(1_700_000_000_000);
  const context: Record<string, ContextFile> = {
    Dockerfile: "FROM scratch\nCOPY busybox /bin/busybox\nCOPY app /app\n",
    busybox: { body: readFileSync("/bin/busybox"), mode: 0o755 },
  };
  for (const [path, body] of Object.entries(files)) context[`app/${path}`] = { body, mtime };
  return buildContext(docker, tag, context);
}

test("a re-copied tree is patched against the base's archive and rebuilt exactly", async () => {
  const name = uniqueName("ev-delta-tree");
  const oldTag = `${name}:1`;
  const newTag = `${name}:2`;
  created.push(oldTag, newTag);
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++)
    files[`node_modules/pkg${i % 30}/lib/f${i}.js`] = `module.exports = ${i}; // ${name}\n`.repeat(
      1 + (i % 9),
    );
  await buildTree(oldTag, files);
  files["node_modules/pkg3/lib/f3.js"] += "// patched\n";
  const newId = await buildTree(newTag, files);
  const file = join(work, "tree.delta");
  const c = await cli("delta", "create", oldTag, newTag, "-o", file, "--json", "--level", "3");
  assert.equal(c.code, 0, c.stderr);
  const notes = c.stdout.split("\n").filter((l) => l.includes('"type":"note"'));
  assert.ok(
    notes.some((n) => n.includes("archive")),
    `no reference archive used: ${notes}`,
  );
  const size = (await stat(file)).size;
  assert.ok(size < 12_000, `delta is ${size} bytes`);
  await removeImage(newTag);
  const l = await cli("image", "load", "-i", file);
  assert.equal(l.code, 0, l.stderr);
  assert.equal(await imageIdOf(docker, newTag), newId);
});
