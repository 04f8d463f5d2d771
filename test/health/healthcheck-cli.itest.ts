// `edgevisor healthcheck` as a user runs it: a child process against a stub of the local
// API (GET /v1/healthy) and the private engine. Exit codes, one line of output, --json,
// and the proof that a run writes nothing to storage.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { HealthcheckResult } from "../../src/cli/healthcheck.ts";
import { HealthMonitor } from "../../src/health/health-state.ts";
import { serve, snapshot } from "../api/fake.ts";
import { engineHost } from "../support/engine.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 20_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const cli = (args: string[], env?: NodeJS.ProcessEnv) =>
  run("src/cli/main.ts", ["healthcheck", ...args], env);

describe("edgevisor healthcheck", () => {
  let healthy = true;
  let api: http.Server;
  let apiUrl: string;
  const hits: string[] = [];
  before(async () => {
    engineHost();
    api = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === "/v1/healthy") {
        res.writeHead(healthy ? 200 : 500, { "content-type": "text/plain" });
        res.end(healthy ? "OK" : "Unhealthy");
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  after(() => api.close());

  test("healthy agent: exit 0, one line, only GET /v1/healthy asked", async () => {
    healthy = true;
    hits.length = 0;
    const r = await cli(["--api-url", apiUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^healthy: agent ok \(GET \/v1\/healthy 200, \d+ ms\)\n$/);
    assert.deepEqual(hits, ["GET /v1/healthy"]);
  });

  test("unhealthy agent: exit 1", async () => {
    healthy = false;
    const r = await cli(["--api-url", apiUrl]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^unhealthy: agent FAIL \(GET \/v1\/healthy 500, \d+ ms\)\n$/);
  });

  test("no agent listening: exit 1, says so", async () => {
    const r = await cli(["--api-url", "http://127.0.0.1:1"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /agent FAIL \(127\.0\.0\.1:1: the agent's API does not answer \(ECONNREFUSED\)/,
    );
    assert.equal(r.stdout.split("\n").length, 2, "one line");
  });

  test("--engine with the private engine; --json is one JSON line", async () => {
    healthy = true;
    const r = await cli(["--engine", "--json", "--api-url", apiUrl], {
      DOCKER_HOST: process.env.DOCKER_HOST,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, 1);
    const result = JSON.parse(r.stdout) as HealthcheckResult;
    assert.equal(result.healthy, true);
    assert.equal(result.agent.ok, true);
    assert.equal(result.engine?.ok, true);
    assert.equal(result.engine?.detail, "ping + list 1 container");
  });

  test("--engine with no engine: exit 1 even when the agent is fine", async () => {
    healthy = true;
    const r = await cli([
      "--engine",
      "--api-url",
      apiUrl,
      "--docker-host",
      "unix:///run/ev-none.sock",
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^unhealthy: agent ok .*; engine FAIL \(EV_ENGINE_UNREACHABLE: ping: the engine does not answer \(ENOENT\)/,
    );
  });

  test("the standalone entry behaves the same", async () => {
    healthy = true;
    const ok = await run("src/cli/healthcheck.ts", ["--api-url", apiUrl]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^healthy: agent ok/);
    const bad = await run("src/cli/healthcheck.ts", ["--timeout", "zero"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^EV_USAGE: --timeout/);
  });

  test("against the real local API (src/api/server.ts) fed by a HealthMonitor", async () => {
    const monitor = new HealthMonitor({ loopMaxAgeMs: 60_000, engineMaxAgeMs: 30_000 });
    const now = Date.now();
    monitor.loopTick(now);
    monitor.engineResult(true, now);
    const served = await serve();
    try {
      served.fake.snap = snapshot({ health: monitor.facts() });
      const ok = await cli(["--api-url", served.base]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /^healthy: agent ok \(GET \/v1\/healthy 200/);
      // The loop went silent ten minutes ago: the API says 500, the check says unhealthy.
      const stale = new HealthMonitor(monitor.policy);
      stale.loopTick(now - 600_000);
      stale.engineResult(true, now);
      served.fake.snap = snapshot({ health: stale.facts() });
      const bad = await cli(["--api-url", served.base]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /^unhealthy: agent FAIL \(GET \/v1\/healthy 500/);
    } finally {
      await served.close();
    }
  });

  test("a run writes nothing to storage (write_bytes of the healthcheck process is 0)", async () => {
    healthy = true;
    const probe = "test/health/fixtures/healthcheck-io.ts";
    const args = ["--engine", "--api-url", apiUrl];
    const env = { DOCKER_HOST: process.env.DOCKER_HOST };
    // Warm-up: the first read of a just-edited source file may update its atime (a metadata
    // write charged to the reader, relatime); the measured run sees only its own doing.
    await run(probe, args, env);
    const r = await run(probe, args, env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const line = r.stderr.split("\n").find((l) => l.startsWith("IO-COUNTERS "));
    assert.ok(line, r.stderr);
    const io = JSON.parse(line.slice("IO-COUNTERS ".length)) as string;
    const counter = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, "m").exec(io)?.[1]);
    assert.equal(counter("write_bytes"), 0, io);
    assert.equal(counter("cancelled_write_bytes"), 0, io);
    assert.ok(counter("rchar") > 0 && counter("syscr") > 0, "the counters are live");
    assert.match(r.stdout, /^healthy: agent ok .*; engine ok/);
  });
});
