// Deltas during updates, on the real engine and the loopback registry: the agent fetches a
// delta from the image its container runs, resumes a cut download, and falls back to a
// regular pull when the delta server has nothing (or something broken).
// Delta load offline (a file, no server) is covered by delta.itest.ts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAgent } from "../../src/agent.ts";
import { generateSigningKey } from "../../src/delta/signature.ts";
import type { Progress } from "../../src/engine/types.ts";
import { DeltaCache } from "../../src/images/delta-cache.ts";
import { createDeltaServer } from "../../src/images/delta-server.ts";
import { createDeltaInWorker } from "../../src/images/delta-worker.ts";
import { DockerImageStore } from "../../src/images/docker-store.ts";
import { engineHost, engineSocketPath, testDocker, uniqueName } from "../support/engine.ts";
import { buildContext, buildTestImage } from "../support/images.ts";
import { pushImage, registryAddress } from "../support/registry.ts";
import { release, service } from "../support/release-builders.ts";

const docker = testDocker();
let work: string;
let registry: string;
let name: string;
let A: { ref: string; id: string };
let B: { ref: string; id: string; digestRef: string; size: number };
let server: Server;
let serverUrl: string;
const served: Array<{ url: string; range: string | undefined }> = [];
const localTags: string[] = [];

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

async function close(s: Server): Promise<void> {
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
}

/** B: FROM A, with A's library patched under its next version name and a config bumped. */
function buildFrom(base: string, tag: string, lib: Buffer): Promise<string> {
  return buildContext(docker, tag, {
    Dockerfile: `FROM ${base}\nCOPY lib /usr/lib/libapp.so.1.0.2\nCOPY version /etc/version\n`,
    lib,
    version: "2\n",
  });
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "ev-delta-update-"));
  registry = registryAddress();
  name = uniqueName("ev-dup");
  const lib = randomBytes(1_500_000);
  const lib2 = Buffer.from(lib);
  for (let i = 0; i < 20; i++) lib2.write("patched!", 70_000 * i + 13);
  const aLocal = `${name}-a:1`;
  const bLocal = `${name}-b:2`;
  localTags.push(aLocal, bLocal);
  const aRef = `${registry}/${name}:1`;
  const bRef = `${registry}/${name}:2`;
  const aId = await buildTestImage(docker, {
    tag: aLocal,
    files: { "/usr/lib/libapp.so.1.0.1": lib, "/etc/version": "1\n" },
  });
  await pushImage(docker, aLocal, aRef);
  const bId = await buildFrom(aRef, bLocal, lib2);
  await pushImage(docker, bLocal, bRef);
  const info = await docker.getImage(bRef).inspect();
  const digestRef = info.RepoDigests?.find((d) => d.startsWith(`${registry}/${name}@`));
  assert.ok(digestRef, `no repo digest after push: ${info.RepoDigests}`);
  A = { ref: aRef, id: aId };
  B = { ref: bRef, id: bId, digestRef, size: info.Size };

  // The delta server over the same engine, primed while it has B; the device then loses B.
  const store = new DockerImageStore(docker);
  const cache = new DeltaCache(join(work, "cache"), (base, target, file) =>
    createDeltaInWorker({ socketPath: engineSocketPath(), base, target, file, level: 3 }),
  );
  server = createDeltaServer({
    cache,
    resolveImage: async (ref) => (await store.inspect(ref))?.id,
  });
  server.prependListener("request", (req: IncomingMessage) =>
    served.push({ url: req.url ?? "", range: req.headers.range }),
  );
  serverUrl = `${await listen(server)}/delta`;
  const primed = await fetch(`${serverUrl}?src=${A.id}&dest=${encodeURIComponent(digestRef)}`);
  assert.equal(primed.status, 200, await primed.clone().text());
  await primed.arrayBuffer();
});

after(async () => {
  await close(server);
  await docker
    .getImage(B.id)
    .remove({ force: true })
    .catch(() => {});
  for (const t of [...localTags, A.ref])
    await docker
      .getImage(t)
      .remove({ force: true })
      .catch(() => {});
  await rm(work, { recursive: true, force: true });
});

/** An agent with a delta server, updating one service from A to B. */
async function updateAtoB(deltaUrl: string, extra: { trustedKeys?: string } = {}) {
  await docker
    .getImage(B.id)
    .remove({ force: true })
    .catch(() => {});
  await assert.rejects(docker.getImage(B.ref).inspect(), /no such image/i);
  const dir = await mkdtemp(join(work, "agent-"));
  const log: string[] = [];
  const progress: Progress[] = [];
  const steps: string[] = [];
  const agent = createAgent(
    {
      stateDir: join(dir, "state"),
      lockDir: join(dir, "locks"),
      dockerHost: engineHost(),
      deltaUrl,
      ...extra,
    },
    {
      progress: (p) => progress.push(p),
      onStep: (e) => {
        if (e.phase === "done") steps.push(e.description);
      },
      log: (l) => log.push(l),
    },
  );
  const app = uniqueName("ev-dupapp");
  const opts = {
    force: false,
    signal: new AbortController().signal,
    waitHealthy: false,
    timeoutMs: 120_000,
  };
  // The images' command exits on SIGTERM, so replacing the container takes no grace period.
  const web = (image: string) => release([service("web", { image })], { app });
  try {
    assert.deepEqual(await agent.reconciler.converge(web(A.ref), opts), { status: "applied" });
    const before = steps.length;
    const outcome = await agent.reconciler.converge(web(B.ref), opts);
    assert.deepEqual(outcome, { status: "applied" }, log.join("\n"));
    const [c] = await docker.listContainers({ filters: { label: [`io.edgevisor.app=${app}`] } });
    assert.equal(c?.ImageID, B.id, "the container runs B with B's exact id");
    const tagged = await docker.getImage(B.ref).inspect();
    assert.equal(tagged.Id, B.id);
    assert.ok(tagged.RepoDigests?.includes(B.digestRef), "tag and repo digest as after a pull");
    if (process.env.EV_TEST_VERBOSE) console.log(log.join("\n"));
    return { log, progress, steps: steps.slice(before) };
  } finally {
    for (const x of await docker.listContainers({
      all: true,
      filters: { label: [`io.edgevisor.app=${app}`] },
    }))
      await docker.getContainer(x.Id).remove({ force: true });
    for (const n of await docker.listNetworks({ filters: { label: [`io.edgevisor.app=${app}`] } }))
      await docker.getNetwork(n.Id).remove();
  }
}

test("edgevisor delta serve: digest references, ranges, 404 for unknown images", async () => {
  const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    [main, "delta", "serve", "--port", "0", "--cache-dir", join(work, "cli-cache"), "--level", "3"],
    { env: { ...process.env, DOCKER_HOST: engineHost() }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise((r) => child.once("exit", r));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("delta serve did not start")), 30_000);
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        const m = /serving deltas on (http:\/\/[^/]+)\//.exec((out += c.toString()));
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`delta serve exited with ${code}`)));
    });
    const q = `${url}/?src=${A.id}&dest=${encodeURIComponent(B.digestRef)}`;
    const full = await fetch(q);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("x-edgevisor-target-id"), B.id);
    const body = Buffer.from(await full.arrayBuffer());
    const part = await fetch(q, { headers: { range: "bytes=100-" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 100-${body.length - 1}/${body.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(100));
    const unknown = await fetch(
      `${url}/?src=${A.id}&dest=${encodeURIComponent(`${registry}/${name}@sha256:${"0".repeat(64)}`)}`,
    );
    assert.equal(unknown.status, 404);
    await unknown.arrayBuffer();
  } finally {
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
});

function deltaBytes(progress: Progress[]): number | undefined {
  return progress.findLast((p) => p.phase === "delta" && /^delta applied/.test(p.detail ?? ""))
    ?.current;
}

const layerDownloads = (progress: Progress[]) =>
  progress.filter((p) => p.phase === "pull" && /Downloading|Pull complete/.test(p.detail ?? ""));

test("an update fetches a delta from the running image and pulls only the manifest", async () => {
  served.length = 0;
  const r = await updateAtoB(serverUrl);
  assert.deepEqual(
    r.steps.filter((s) => s.startsWith("pull")),
    [`pull ${B.ref}`],
    "the delta runs inside the one fetch step",
  );
  const bytes = deltaBytes(r.progress);
  assert.ok(bytes !== undefined, `no delta progress: ${JSON.stringify(r.progress.slice(-5))}`);
  assert.ok(bytes < B.size / 50, `delta ${bytes} bytes for a ${B.size}-byte image`);
  const line = r.log.find((l) => l.includes(`delta for ${B.ref}: ${bytes} bytes downloaded`));
  assert.ok(line, r.log.join("\n"));
  // Download-then-kill: the service's container of A still runs, and the base is read
  // through it instead of a new reader container.
  assert.match(line, /base read through \S+web/);
  assert.deepEqual(layerDownloads(r.progress), [], "the pull after the delta fetched no layer");
  assert.equal(served.length, 1);
  const q = new URL(served[0]!.url, "http://x").searchParams;
  assert.equal(q.get("src"), A.id);
  assert.equal(q.get("dest"), B.digestRef);
});

/** A proxy in front of the delta server; `shape` may cut or change the first answer. */
async function proxy(
  shape: (n: number, status: number, body: Buffer) => "pass" | "cut" | "corrupt" | 404,
) {
  const seen: Array<string | undefined> = [];
  let n = 0;
  const p = createServer((req, res) => {
    seen.push(req.headers.range);
    const i = n++;
    const up = request(
      `${serverUrl}${req.url?.slice(req.url.indexOf("?")) ?? ""}`,
      { headers: req.headers.range ? { range: req.headers.range } : {} },
      async (ur) => {
        const chunks: Buffer[] = [];
        for await (const c of ur) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks);
        const how = shape(i, ur.statusCode ?? 0, body);
        if (how === 404) {
          res.writeHead(404, { "content-type": "application/json" });
          return res.end('{"error":"EV_IMAGE_NOT_FOUND"}\n');
        }
        const headers = { ...ur.headers };
        if (how === "corrupt") {
          delete headers["x-edgevisor-delta-digest"];
          body[body.length >> 1]! ^= 0x40;
        }
        res.writeHead(ur.statusCode ?? 502, headers);
        if (how === "cut") {
          res.write(body.subarray(0, CUT_AT));
          setTimeout(() => res.destroy(), 50);
          return;
        }
        res.end(body);
      },
    );
    up.on("error", () => res.destroy());
    up.end();
  });
  return { url: `${await listen(p)}/delta`, seen, close: () => close(p) };
}

const CUT_AT = 1000;

test("a download cut mid-way resumes with a range request from where it stopped", async () => {
  const p = await proxy((n) => (n === 0 ? "cut" : "pass"));
  try {
    const r = await updateAtoB(p.url);
    assert.deepEqual(p.seen, [undefined, `bytes=${CUT_AT}-`]);
    assert.ok(deltaBytes(r.progress));
    assert.ok(
      r.log.some((l) => l.includes(`resuming at byte ${CUT_AT}`)),
      r.log.join("\n"),
    );
    assert.ok(r.log.some((l) => /bytes downloaded .*\(resumed 1×\)/.test(l)));
    assert.deepEqual(layerDownloads(r.progress), []);
  } finally {
    await p.close();
  }
});

test("no delta (404) or a corrupt one: the agent pulls from the registry and says why", async () => {
  for (const [how, reason] of [
    [404, /HTTP 404/],
    ["corrupt", /EV_DIGEST_MISMATCH|EV_DELTA_INVALID/],
  ] as const) {
    const p = await proxy(() => how);
    try {
      const r = await updateAtoB(p.url);
      const fallback = r.log.find((l) => l.includes("pulling the full image"));
      assert.ok(fallback && reason.test(fallback), `${how}: ${r.log.join("\n")}`);
      assert.equal(deltaBytes(r.progress), undefined);
      assert.ok(layerDownloads(r.progress).length > 0, "the layers came from the registry");
    } finally {
      await p.close();
    }
  }
});

test("with trusted keys, an unsigned delta is refused and the image pulled", async () => {
  const keys = join(work, "keys");
  await mkdir(keys, { recursive: true });
  const { writeFile } = await import("node:fs/promises");
  await writeFile(join(keys, "release.pub"), generateSigningKey().publicPem);
  const r = await updateAtoB(serverUrl, { trustedKeys: keys });
  const fallback = r.log.find((l) => l.includes("pulling the full image"));
  assert.match(fallback ?? r.log.join("\n"), /EV_DELTA_SIGNATURE/);
  assert.ok(layerDownloads(r.progress).length > 0);
});
