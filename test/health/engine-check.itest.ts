// The light engine check against the private engine (scripts/engine), a socket nobody
// listens on, and a socket that accepts but never answers.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { EngineClient } from "../../src/engine/api/index.ts";
import { DockerEngine } from "../../src/engine/docker-engine.ts";
import { checkEngine } from "../../src/health/engine-check.ts";
import { engineSocketPath } from "../support/engine.ts";

const engineAt = (socketPath: string) => new DockerEngine(new EngineClient({ socketPath }));

describe("checkEngine", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ev-engine-check-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("the private engine passes, well within the timeout", async () => {
    const engine = engineAt(engineSocketPath());
    await checkEngine(engine, 2000); // first connection warms up the agent
    const r = await checkEngine(engine, 2000);
    assert.equal(r.ok, true, r.error);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
  });

  test("no engine at the socket: fails at once, with the unreachable code", async () => {
    const r = await checkEngine(engineAt(path.join(dir, "absent.sock")), 2000);
    assert.equal(r.ok, false);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.match(r.error!, /^EV_ENGINE_UNREACHABLE: ping: the engine does not answer \(ENOENT\)/);
  });

  test("an engine that accepts but never answers fails at the timeout", async () => {
    const sock = path.join(dir, "hung.sock");
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // reads nothing, answers nothing
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const r = await checkEngine(engineAt(sock), 300);
      assert.equal(r.ok, false);
      assert.equal(r.error, "the engine did not answer within 300 ms");
      assert.ok(r.ms >= 290 && r.ms < 1500, `${r.ms} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  test("a ping that passes but a store that hangs still fails", async () => {
    // Answers _ping like an engine, but never answers the container list.
    const sock = path.join(dir, "half.sock");
    const server = net.createServer((s) => {
      s.on("data", (d) => {
        if (d.toString().startsWith("GET /_ping"))
          s.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK");
      });
    });
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const r = await checkEngine(engineAt(sock), 300);
      assert.equal(r.ok, false);
      assert.equal(r.error, "the engine did not answer within 300 ms");
    } finally {
      server.close();
      server.unref();
    }
  });
});
