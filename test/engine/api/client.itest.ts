// The engine client against the real private engine: every call edgevisor makes, on a
// busybox image built for this file; every object is created under a unique name and
// removed by that name.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { extract, pack } from "tar-stream";
import {
  demuxBuffer,
  EngineApiError,
  EngineClient,
  jsonLines,
  type Container,
} from "../../../src/engine/api/index.ts";
import { engineHost, testDocker, uniqueName } from "../../support/engine.ts";
import { useBaseImage } from "../../support/images.ts";

const base = useBaseImage("ev-api-base");
const docker = testDocker();
const containers: Container[] = [];
const tags: string[] = [];

after(async () => {
  for (const c of containers) await c.remove({ force: true }).catch(() => {});
  for (const t of tags)
    await docker
      .getImage(t)
      .remove({ force: true })
      .catch(() => {});
});

async function create(cmd: string[]): Promise<{ c: Container; name: string }> {
  const name = uniqueName("ev-api");
  const c = await docker.createContainer({ name, Image: base, Cmd: cmd });
  containers.push(c);
  return { c, name };
}

test("ping, version and info from DOCKER_HOST", async () => {
  const fromEnv = new EngineClient({ dockerHost: engineHost() });
  assert.equal(await fromEnv.ping(), "OK");
  const v = await fromEnv.version();
  assert.match(v.ApiVersion ?? "", /^1\.\d+$/);
  assert.equal(await fromEnv.transport.apiVersion(), "1.41", "Docker 20.10 speaks 1.41");
  const info = await fromEnv.info();
  assert.equal(typeof info.DockerRootDir, "string");
});

test("create, start, inspect, logs (split by stream), wait and remove a container", async () => {
  const { c, name } = await create(["sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.match(c.id, /^[0-9a-f]{64}$/);
  await c.start();
  assert.equal((await c.wait()).StatusCode, 3);
  const info = await c.inspect();
  assert.equal(info.Name, `/${name}`);
  assert.equal(info.State.ExitCode, 3);
  const { stdout, stderr } = demuxBuffer(await c.logs({ stdout: true, stderr: true }));
  assert.equal(stdout.toString(), "out\n");
  assert.equal(stderr.toString(), "err\n");
  const listed = await docker.listContainers({ all: true, filters: { name: [name] } });
  assert.deepEqual(
    listed.map((l) => l.Id),
    [c.id],
  );
  await c.remove({ force: true, v: true });
  await assert.rejects(c.inspect(), { statusCode: 404 });
});

test("a missing object is a 404 EngineApiError with the engine's message", async () => {
  const missing = uniqueName("ev-api-missing");
  await assert.rejects(docker.getContainer(missing).inspect(), (e: unknown) => {
    assert.ok(e instanceof EngineApiError);
    assert.equal(e.statusCode, 404);
    assert.equal(e.method, "GET");
    assert.equal(e.path, `/v1.41/containers/${missing}/json`);
    assert.match(e.engineMessage, new RegExp(`No such container: ${missing}`));
    return true;
  });
  await assert.rejects(docker.getImage(`${missing}:1`).inspect(), /no such image/i);
});

test("start twice is 304, a name taken is 409", async () => {
  const { c, name } = await create(["sleep", "30"]);
  await c.start();
  await assert.rejects(c.start(), { statusCode: 304 });
  await assert.rejects(docker.createContainer({ name, Image: base }), { statusCode: 409 });
  await c.stop({ t: 0 });
  await assert.rejects(c.stop({ t: 0 }), { statusCode: 304 });
});

test("putArchive then getArchive round-trips a file", async () => {
  const { c } = await create(["true"]);
  const tar = pack();
  tar.entry({ name: "hello.txt" }, "from the client\n");
  tar.finalize();
  await c.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/tmp" });
  const archive = await c.getArchive({ path: "/tmp/hello.txt" });
  const ex = extract();
  archive.pipe(ex);
  const files: Record<string, string> = {};
  for await (const entry of ex) {
    const parts: Buffer[] = [];
    for await (const b of entry) parts.push(b as Buffer);
    files[entry.header.name] = Buffer.concat(parts).toString();
  }
  assert.deepEqual(files, { "hello.txt": "from the client\n" });
  await assert.rejects(c.getArchive({ path: "/no/such/file" }), { statusCode: 404 });
});

test("changes lists what a container changed, and a cap refuses a longer answer", async () => {
  const { c } = await create(["true"]);
  assert.deepEqual(await c.changes(), [], "a new container changed nothing (the engine says null)");
  const tar = pack();
  tar.entry({ name: "a.txt" }, "a\n");
  tar.entry({ name: "b.txt" }, "b\n");
  tar.finalize();
  await c.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/tmp" });
  const changes = await c.changes();
  assert.deepEqual(
    changes.filter((x) => x.Path.startsWith("/tmp")).sort((x, y) => x.Path.localeCompare(y.Path)),
    [
      { Path: "/tmp", Kind: 0 },
      { Path: "/tmp/a.txt", Kind: 1 },
      { Path: "/tmp/b.txt", Kind: 1 },
    ],
  );
  await assert.rejects(c.changes({ maxBytes: 16 }), RangeError);
});

test("the event feed streams this container's events until aborted", async () => {
  const { c, name } = await create(["true"]);
  const ac = new AbortController();
  const feed = await docker.getEvents({
    filters: { container: [name], type: ["container"] },
    abortSignal: ac.signal,
  });
  await c.start();
  const actions: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of jsonLines<{ Action: string; Actor: { ID: string } }>(feed)) {
        assert.equal(e.Actor.ID, c.id);
        actions.push(e.Action);
        if (e.Action === "die") ac.abort();
      }
    })(),
    { name: "AbortError" },
  );
  assert.deepEqual(actions, ["start", "die"]);
});

test("a bounded event query (since/until) ends by itself", async () => {
  const { c } = await create(["true"]);
  const since = Math.floor(Date.now() / 1000) - 1;
  await c.start();
  await c.wait();
  const feed = await docker.getEvents({
    since,
    until: Math.floor(Date.now() / 1000) + 1,
    filters: { container: [c.id], event: ["die"] },
  });
  const events = [];
  for await (const e of jsonLines(feed)) events.push(e);
  assert.equal(events.length, 1);
});

test("exec runs in a running container and its output is demultiplexed", async () => {
  const { c } = await create(["sleep", "30"]);
  await c.start();
  const exec = await c.exec({
    Cmd: ["sh", "-c", "echo in-exec; echo oops >&2"],
    AttachStdout: true,
    AttachStderr: true,
  });
  const chunks: Buffer[] = [];
  for await (const b of await exec.start()) chunks.push(b as Buffer);
  const { stdout, stderr } = demuxBuffer(Buffer.concat(chunks));
  assert.equal(stdout.toString(), "in-exec\n");
  assert.equal(stderr.toString(), "oops\n");
  assert.equal((await exec.inspect()).ExitCode, 0);
  await c.kill();
});

test("an image saved, untagged and loaded again comes back with the same id", async () => {
  const tag = `${uniqueName("ev-api-save")}:1`;
  tags.push(tag);
  const colon = tag.lastIndexOf(":");
  await docker.getImage(base).tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) });
  const id = (await docker.getImage(tag).inspect()).Id;
  const saved: Buffer[] = [];
  for await (const b of await docker.getImage(tag).get()) saved.push(b as Buffer);
  const archive = Buffer.concat(saved);
  assert.ok(archive.length > 100_000, `archive of ${archive.length} bytes`);
  await docker.getImage(tag).remove();
  await assert.rejects(docker.getImage(tag).inspect(), { statusCode: 404 });
  const answer = await docker.loadImage(archive, { quiet: true });
  const messages: { stream?: string; error?: string }[] = [];
  for await (const m of jsonLines<{ stream?: string; error?: string }>(answer)) messages.push(m);
  assert.deepEqual(
    messages.filter((m) => m.error),
    [],
  );
  assert.equal((await docker.getImage(tag).inspect()).Id, id);
  assert.ok((await docker.listImages()).some((i) => i.RepoTags?.includes(tag)));
});

test("networks and volumes: create, list by label, inspect, remove", async () => {
  const name = uniqueName("ev-api-net");
  const label = { "io.edgevisor.test": name };
  const net = await docker.createNetwork({ Name: name, Labels: label, CheckDuplicate: true });
  try {
    const listed = await docker.listNetworks({ filters: { label: [`io.edgevisor.test=${name}`] } });
    assert.deepEqual(
      listed.map((n) => n.Id),
      [net.id],
    );
    assert.equal((await docker.getNetwork(name).inspect()).Name, name);
  } finally {
    await net.remove();
  }
  await assert.rejects(docker.getNetwork(name).inspect(), { statusCode: 404 });

  const vol = await docker.createVolume({ Name: name, Labels: label });
  assert.equal(vol.Name, name);
  const vols = await docker.listVolumes({ filters: { label: [`io.edgevisor.test=${name}`] } });
  assert.deepEqual(
    (vols.Volumes ?? []).map((v) => v.Name),
    [name],
  );
  await docker.getVolume(name).remove();
  await assert.rejects(docker.getVolume(name).inspect(), { statusCode: 404 });
});
