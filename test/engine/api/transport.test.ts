// The transport against a fake engine on a unix socket: what the client sends, and how it
// handles answers the real engine gives rarely (errors, silence, aborts, old versions).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { EngineClient } from "../../../src/engine/api/client.ts";
import {
  EngineApiError,
  EngineTimeoutError,
  errorFromResponse,
} from "../../../src/engine/api/errors.ts";

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

let dir: string;
let n = 0;
const servers: Server[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ev-transport-"));
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await rm(dir, { recursive: true, force: true });
});

/** A fake engine; answers /_ping with `apiVersion`, everything else with `handler`. */
async function fakeEngine(
  handler: Handler,
  apiVersion = "1.41",
): Promise<{ socket: string; seen: string[] }> {
  const socket = join(dir, `e${n++}.sock`);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === "/_ping") {
        res.writeHead(200, { "api-version": apiVersion, "content-type": "text/plain" });
        return res.end("OK");
      }
      handler(req, res, Buffer.concat(chunks));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(socket, r));
  return { socket, seen };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

test("an error answer becomes EngineApiError with status, method, path and the engine's words", async () => {
  const { socket } = await fakeEngine((req, res) => {
    if (req.url?.includes("/images/")) return json(res, 404, { message: "No such image: x:1" });
    if (req.url?.includes("/start")) {
      res.writeHead(304);
      return res.end();
    }
    res.writeHead(500, { "content-type": "text/html" });
    res.end("<h1>proxy error</h1>");
  });
  const docker = new EngineClient({ socketPath: socket });
  await assert.rejects(docker.getImage("x:1").inspect(), (e: unknown) => {
    assert.ok(e instanceof EngineApiError);
    assert.equal(e.statusCode, 404);
    assert.equal(e.method, "GET");
    assert.equal(e.path, "/v1.41/images/x:1/json");
    assert.equal(e.engineMessage, "No such image: x:1");
    assert.match(e.message, /^No such image: x:1 \(HTTP 404 on GET \/v1\.41\/images\/x:1\/json\)$/);
    return true;
  });
  await assert.rejects(docker.getContainer("c").start(), { statusCode: 304, engineMessage: "" });
  await assert.rejects(docker.info(), { statusCode: 500, engineMessage: "<h1>proxy error</h1>" });
});

test("errorFromResponse keeps a non-JSON body as the message", () => {
  const e = errorFromResponse(409, "DELETE", "/v1.41/x", Buffer.from('{"message":"in use"}\n'));
  assert.equal(e.engineMessage, "in use");
  assert.equal(
    errorFromResponse(502, "GET", "/p", Buffer.from(" bad gateway\n")).engineMessage,
    "bad gateway",
  );
  assert.equal(
    errorFromResponse(304, "POST", "/p", Buffer.alloc(0)).message,
    "HTTP 304 (HTTP 304 on POST /p)",
  );
});

test("the API version is the engine's when older than 1.41, else 1.41, asked once", async () => {
  const old = await fakeEngine((_req, res) => json(res, 200, []), "1.40");
  const docker = new EngineClient({ socketPath: old.socket });
  await docker.listContainers({ all: true });
  await docker.listImages();
  assert.deepEqual(old.seen, [
    "GET /_ping",
    "GET /v1.40/containers/json?all=true",
    "GET /v1.40/images/json",
  ]);

  const newer = await fakeEngine((_req, res) => json(res, 200, []), "1.47");
  await new EngineClient({ socketPath: newer.socket }).listNetworks();
  assert.deepEqual(newer.seen, ["GET /_ping", "GET /v1.41/networks"]);

  const fixed = await fakeEngine((_req, res) => json(res, 200, []), "1.47");
  await new EngineClient({ socketPath: fixed.socket, apiVersion: "1.39" }).listVolumes();
  assert.deepEqual(fixed.seen, ["GET /v1.39/volumes"]);
});

test("an engine that stays silent fails the call at its timeout", async () => {
  const { socket } = await fakeEngine(() => {
    // never answers
  });
  const docker = new EngineClient({ socketPath: socket, timeoutMs: 150 });
  const started = performance.now();
  await assert.rejects(docker.info(), (e: unknown) => {
    assert.ok(e instanceof EngineTimeoutError);
    assert.equal(e.code, "ETIMEDOUT");
    assert.match(e.message, /did not answer GET \/v1\.41\/info within 150 ms/);
    return true;
  });
  const took = performance.now() - started;
  assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
});

test("a body read whole that stalls midway also times out", async () => {
  const { socket } = await fakeEngine((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('[{"Id":');
  });
  const docker = new EngineClient({ socketPath: socket, timeoutMs: 150 });
  await assert.rejects(docker.listContainers(), EngineTimeoutError);
});

test("a stream the consumer pauses is not timed out; its signal still ends it", async () => {
  const { socket } = await fakeEngine((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"status":"a"}\n');
  });
  const docker = new EngineClient({ socketPath: socket, timeoutMs: 100 });
  const ac = new AbortController();
  const stream = await docker.getEvents({ abortSignal: ac.signal });
  await sleep(400);
  assert.equal(stream.destroyed, false, "paused past the timeout and still open");
  const got: string[] = [];
  const reading = (async () => {
    for await (const c of stream) got.push(String(c));
  })();
  await sleep(50);
  ac.abort();
  await assert.rejects(reading, { name: "AbortError" });
  assert.deepEqual(got, ['{"status":"a"}\n']);
});

test(
  "an aborted call rejects at once with the abort reason and the engine sees it go",
  { timeout: 10_000 },
  async () => {
    // Promises, not sleeps: on a loaded machine the fake engine may take a while to see it.
    let arrived!: () => void;
    const seenByEngine = new Promise<void>((r) => (arrived = r));
    let closedByClient!: () => void;
    const closed = new Promise<void>((r) => (closedByClient = r));
    const { socket } = await fakeEngine((req) => {
      req.socket.once("close", closedByClient);
      arrived();
    });
    const docker = new EngineClient({ socketPath: socket });
    const ac = new AbortController();
    const call = docker.getContainer("c").wait({ abortSignal: ac.signal });
    await seenByEngine;
    ac.abort(new Error("shutting down"));
    await assert.rejects(call, /shutting down/);
    await closed;
    await assert.rejects(docker.ping({ abortSignal: AbortSignal.abort() }), { name: "AbortError" });
  },
);

test("uploads stream through; JSON bodies and names go where the engine reads them", async () => {
  const bodies: { url: string; type: string; body: string }[] = [];
  const { socket } = await fakeEngine((req, res, body) => {
    bodies.push({ url: req.url!, type: req.headers["content-type"] ?? "", body: body.toString() });
    if (req.url?.startsWith("/v1.41/containers/create")) return json(res, 201, { Id: "abc" });
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"stream":"done"}\n');
  });
  const docker = new EngineClient({ socketPath: socket });
  const c = await docker.createContainer({ name: "ev-x", Image: "busybox", Cmd: ["true"] });
  assert.equal(c.id, "abc");
  const out = await docker.loadImage(Readable.from([Buffer.from("tar-"), Buffer.from("bytes")]), {
    quiet: true,
  });
  out.resume();
  await docker.getContainer("abc").putArchive(Buffer.from("archive"), { path: "/tmp" });
  assert.deepEqual(bodies, [
    {
      url: "/v1.41/containers/create?name=ev-x",
      type: "application/json",
      body: '{"Image":"busybox","Cmd":["true"]}',
    },
    { url: "/v1.41/images/load?quiet=true", type: "application/x-tar", body: "tar-bytes" },
    {
      url: "/v1.41/containers/abc/archive?path=%2Ftmp",
      type: "application/x-tar",
      body: "archive",
    },
  ]);
});

test("an upload already flowing (a progress listener) loses no bytes while the version is asked", async () => {
  const received: string[] = [];
  const { socket, seen } = await fakeEngine((_req, res, body) => {
    received.push(body.toString());
    json(res, 200, {});
  });
  // A fresh client: the first call waits for GET /_ping before it can send anything.
  const docker = new EngineClient({ socketPath: socket });
  const parts = Array.from({ length: 50 }, (_, i) => `part-${i};`);
  const source = Readable.from(parts.map((p) => Buffer.from(p)));
  let counted = 0;
  source.on("data", (c: Buffer) => (counted += c.length));
  (await docker.loadImage(source)).resume();
  assert.deepEqual(seen, ["GET /_ping", "POST /v1.41/images/load"]);
  assert.deepEqual(received, [parts.join("")]);
  assert.equal(counted, parts.join("").length);
});

test("a failing upload source fails the call with its own error", async () => {
  const { socket } = await fakeEngine((_req, res) => json(res, 200, {}));
  const docker = new EngineClient({ socketPath: socket });
  const source = new Readable({ read() {} });
  source.push("partial");
  setTimeout(() => source.destroy(new Error("disk read failed")), 30);
  await assert.rejects(docker.loadImage(source), /disk read failed/);
});

test("no engine at the socket: the connection error keeps its code", async () => {
  const docker = new EngineClient({ socketPath: join(dir, "nothing.sock") });
  await assert.rejects(docker.ping(), { code: "ENOENT" });
});
