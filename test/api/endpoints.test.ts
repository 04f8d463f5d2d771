// Every endpoint over real HTTP on 127.0.0.1:0: what it answers and exactly what it sent
// to the agent (DeviceController.request).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { EvError } from "../../src/errors.ts";
import { serviceNumber } from "../../src/api/views.ts";
import { call, serve, snapshot, type Served } from "./fake.ts";

let s: Served;
before(async () => {
  s = await serve();
});
after(() => s.close());
beforeEach(() => {
  s.fake.requests.length = 0;
  s.fake.snap = snapshot();
  s.fake.answer = async (r) => ({ message: `accepted ${r.kind}` });
});

async function json(r: Response): Promise<unknown> {
  return JSON.parse(await r.text());
}

describe("health", () => {
  test("GET /ping answers OK as text, without a key", async () => {
    const r = await call(s, "/ping", { key: null });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(await r.text(), "OK");
  });

  test("HEAD /ping, and /ping with a wrong key, are still answered", async () => {
    assert.equal((await call(s, "/ping", { method: "HEAD", key: null })).status, 200);
    assert.equal((await call(s, "/ping?apikey=wrong", { key: null })).status, 200);
  });

  test("GET /v1/healthy: empty 200 when the loop and engine are recent, 500 otherwise", async () => {
    const ok = await call(s, "/v1/healthy", { key: null });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "");
    const old = Date.now() - 10 * 60_000;
    s.fake.snap = snapshot({
      health: { loopAliveAt: old, engineOkAt: Date.now(), engineOk: true },
    });
    assert.equal((await call(s, "/v1/healthy", { key: null })).status, 500);
    s.fake.snap = snapshot({
      health: { loopAliveAt: Date.now(), engineOkAt: Date.now(), engineOk: false },
    });
    assert.equal((await call(s, "/v1/healthy", { key: null })).status, 500);
    assert.deepEqual(s.fake.requests, []);
  });

  test("GET /v1/healthy judges with the health monitor's policy, as the watchdog does", async () => {
    const strict = await serve({ healthPolicy: { loopMaxAgeMs: 20_000, engineMaxAgeMs: 60_000 } });
    try {
      const now = Date.now();
      strict.fake.snap = snapshot({
        health: { loopAliveAt: now - 5_000, engineOkAt: now - 50_000, engineOk: true },
      });
      assert.equal((await call(strict, "/v1/healthy", { key: null })).status, 200);
      // 30 s of loop silence: inside the 5-minute default, outside the daemon's policy.
      strict.fake.snap = snapshot({
        health: { loopAliveAt: now - 30_000, engineOkAt: now, engineOk: true },
      });
      assert.equal((await call(strict, "/v1/healthy", { key: null })).status, 500);
      strict.fake.snap = snapshot({ health: { loopAliveAt: 0, engineOkAt: now, engineOk: true } });
      assert.equal((await call(strict, "/v1/healthy", { key: null })).status, 500);
    } finally {
      await strict.close();
    }
  });
});

describe("v1", () => {
  test("GET /v1/device: balena's fields from the snapshot", async () => {
    const r = await call(s, "/v1/device");
    assert.equal(r.status, 200);
    const port = Number(new URL(s.base).port);
    assert.deepEqual(await json(r), {
      api_port: port,
      ip_address: "192.168.1.20 10.114.101.1",
      os_version: "Debian 13",
      supervisor_version: "0.1.0",
      update_pending: false,
      update_failed: false,
      update_downloaded: false,
      status: "Idle",
      download_progress: null,
      commit: "abc123def456",
    });
  });

  test("GET /v1/device while downloading an update", async () => {
    const base = snapshot();
    s.fake.snap = {
      ...base,
      status: { ...base.status, overall: "applying" },
      downloads: { web: 40, db: 80 },
    };
    const body = (await json(await call(s, "/v1/device"))) as Record<string, unknown>;
    assert.equal(body.update_pending, true);
    assert.equal(body.update_downloaded, false);
    assert.equal(body.status, "Downloading");
    assert.equal(body.download_progress, 60);
  });

  for (const kind of ["reboot", "shutdown"] as const) {
    test(`POST /v1/${kind} {force} → 202 {Data, Error}; locked → 423`, async () => {
      const r = await call(s, `/v1/${kind}`, { method: "POST", body: { force: true } });
      assert.equal(r.status, 202);
      assert.deepEqual(await json(r), { Data: "OK", Error: "" });
      s.fake.answer = async () => {
        throw new EvError("EV_UPDATE_LOCKED", "updates are locked by web", {
          hint: "retry later or pass force",
        });
      };
      const locked = await call(s, `/v1/${kind}`, { method: "POST" });
      assert.equal(locked.status, 423);
      assert.deepEqual(await json(locked), {
        Data: "",
        Error: "updates are locked by web — retry later or pass force",
      });
      assert.deepEqual(s.fake.requests, [
        { kind, force: true },
        { kind, force: false },
      ]);
    });
  }

  test("POST /v1/update → 204; force read from the body", async () => {
    const r = await call(s, "/v1/update", { method: "POST", body: { force: "true" } });
    assert.equal(r.status, 204);
    assert.deepEqual(s.fake.requests, [{ kind: "update", force: true }]);
  });

  test("POST /v1/restart {appId, force} → OK", async () => {
    const r = await call(s, "/v1/restart", { method: "POST", body: { appId: 1, force: true } });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "OK");
    assert.deepEqual(s.fake.requests, [{ kind: "restartApp", force: true }]);
  });

  test("POST /v1/restart without appId → 400, another app → 404, nothing sent", async () => {
    const missing = await call(s, "/v1/restart", { method: "POST", body: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(await json(missing), {
      status: "failed",
      message: "missing or invalid app id",
    });
    const other = await call(s, "/v1/restart", { method: "POST", body: { appId: 9 } });
    assert.equal(other.status, 404);
    assert.deepEqual(await json(other), {
      status: "failed",
      message: "app 9 is not on this device; it runs app 1 (demo)",
    });
    assert.deepEqual(s.fake.requests, []);
  });

  test("POST /v1/purge {appId} → {Data, Error}", async () => {
    const r = await call(s, "/v1/purge", { method: "POST", body: { appId: "1" } });
    assert.equal(r.status, 200);
    assert.deepEqual(await json(r), { Data: "OK", Error: "" });
    assert.deepEqual(s.fake.requests, [{ kind: "purge", force: false }]);
  });

  test("POST /v1/apps/:appId/stop|start → containerId (+ every container when several)", async () => {
    const stop = await call(s, "/v1/apps/1/stop", { method: "POST", body: { force: true } });
    assert.equal(stop.status, 200);
    assert.deepEqual(await json(stop), {
      containerId: "demo_web_aaaaaaaaaaaa",
      containerIds: { web: "demo_web_aaaaaaaaaaaa", db: "demo_db_bbbbbbbbbbbb" },
    });
    const start = await call(s, "/v1/apps/1/start", { method: "POST" });
    assert.equal(start.status, 200);
    assert.deepEqual(s.fake.requests, [{ kind: "stopApp", force: true }, { kind: "startApp" }]);
  });

  test("POST /v1/apps/:appId/stop on a single-service app → balena's {containerId}", async () => {
    const base = snapshot();
    s.fake.snap = { ...base, status: { ...base.status, services: [base.status.services[0]!] } };
    const r = await call(s, "/v1/apps/1/stop", { method: "POST" });
    assert.deepEqual(await json(r), { containerId: "demo_web_aaaaaaaaaaaa" });
  });

  test("GET /v1/apps/:appId: single-service apps only, as balena", async () => {
    const multi = await call(s, "/v1/apps/1");
    assert.equal(multi.status, 400);
    const base = snapshot();
    const web = base.target!.services.web!;
    const one = {
      ...base.target!,
      services: {
        web: { ...web, environment: { PORT: "80", BALENA_SUPERVISOR_API_KEY: "secret" } },
      },
    };
    s.fake.snap = { ...base, target: one, current: one };
    const r = await call(s, "/v1/apps/1");
    assert.equal(r.status, 200);
    assert.deepEqual(await json(r), {
      appId: 1,
      commit: "abc123def456",
      imageId: "web:2",
      containerId: "demo_web_aaaaaaaaaaaa",
      env: { PORT: "80" },
      releaseId: "abc123def456",
    });
    assert.equal((await call(s, "/v1/apps/abc")).status, 400);
  });
});

describe("v2 applications", () => {
  const actions = [
    ["restart-service", "restartService"],
    ["stop-service", "stopService"],
    ["start-service", "startService"],
  ] as const;
  for (const [path, kind] of actions) {
    test(`POST /v2/applications/:appId/${path} by serviceName or imageId`, async () => {
      const byName = await call(s, `/v2/applications/1/${path}`, {
        method: "POST",
        body: { serviceName: "web", force: true },
      });
      assert.equal(byName.status, 200);
      assert.equal(await byName.text(), "OK");
      const byImage = await call(s, `/v2/applications/1/${path}`, {
        method: "POST",
        body: { imageId: serviceNumber("demo", "db") },
      });
      assert.equal(byImage.status, 200);
      const expected =
        kind === "startService"
          ? [
              { kind, service: "web" },
              { kind, service: "db" },
            ]
          : [
              { kind, service: "web", force: true },
              { kind, service: "db", force: false },
            ];
      assert.deepEqual(s.fake.requests, expected);
    });
  }

  test("service actions: 400 without a service, 404 for an unknown one", async () => {
    const none = await call(s, "/v2/applications/1/restart-service", { method: "POST", body: {} });
    assert.equal(none.status, 400);
    assert.equal(((await json(none)) as { status: string }).status, "failed");
    const unknown = await call(s, "/v2/applications/1/stop-service", {
      method: "POST",
      body: { serviceName: "nope" },
    });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await json(unknown), {
      status: "failed",
      message: "no service nope in the app",
    });
    assert.deepEqual(s.fake.requests, []);
  });

  test("a locked update is 423 with v2's {status: failed, message}", async () => {
    s.fake.answer = async () => {
      throw new EvError("EV_UPDATE_LOCKED", "web holds updates.lock");
    };
    const r = await call(s, "/v2/applications/1/stop-service", {
      method: "POST",
      body: { serviceName: "web" },
    });
    assert.equal(r.status, 423);
    assert.deepEqual(await json(r), {
      status: "failed",
      message: "web holds updates.lock",
      code: "EV_UPDATE_LOCKED",
    });
  });

  test("an unexpected agent error is 500 and says no more", async () => {
    s.fake.answer = async () => {
      throw new Error("ENOENT /secret/path");
    };
    const r = await call(s, "/v2/applications/1/restart", { method: "POST" });
    assert.equal(r.status, 500);
    assert.deepEqual(await json(r), {
      status: "failed",
      message: "internal error; see the agent's log",
      code: "EV_INTERNAL",
    });
    assert.match(s.logs.at(-1) ?? "", /ENOENT \/secret\/path/);
    // A key sent in the query never reaches the log.
    await call(s, `/v2/applications/1/restart?apikey=${"g".repeat(64)}`, {
      method: "POST",
      key: null,
    });
    assert.equal(s.logs.at(-1), "api: POST /v2/applications/1/restart: Error: ENOENT /secret/path");
  });

  test("POST /v2/applications/:appId/restart and /purge {force}", async () => {
    const restart = await call(s, "/v2/applications/1/restart", {
      method: "POST",
      body: { force: true },
    });
    assert.equal(restart.status, 200);
    assert.equal(await restart.text(), "OK");
    const purge = await call(s, "/v2/applications/1/purge", { method: "POST", body: {} });
    assert.equal(purge.status, 200);
    assert.deepEqual(s.fake.requests, [
      { kind: "restartApp", force: true },
      { kind: "purge", force: false },
    ]);
  });

  test("GET /v2/applications/state: keyed by app name, services with status", async () => {
    const base = snapshot();
    const [web, db] = base.status.services;
    s.fake.snap = {
      ...base,
      status: {
        ...base.status,
        services: [web!, { ...db!, state: "exited", container: "demo_db_bbbbbbbbbbbb" }],
      },
      stoppedServices: ["db"],
    };
    const r = await call(s, "/v2/applications/state");
    assert.deepEqual(await json(r), {
      demo: {
        appId: 1,
        commit: "abc123def456",
        services: {
          web: { status: "Running", releaseId: "abc123def456", downloadProgress: null },
          db: { status: "Stopped", releaseId: "abc123def456", downloadProgress: null },
        },
      },
    });
  });
});

describe("v2 device", () => {
  test("GET /v2/state/status", async () => {
    const base = snapshot();
    s.fake.snap = {
      ...base,
      status: { ...base.status, overall: "applying" },
      downloads: { db: 50 },
    };
    const body = (await json(await call(s, "/v2/state/status"))) as Record<string, unknown>;
    assert.equal(body.status, "success");
    assert.equal(body.appState, "applying");
    assert.equal(body.overallDownloadProgress, 50);
    assert.equal(body.release, "abc123def456");
    assert.deepEqual((body.containers as unknown[])[0], {
      status: "Running",
      serviceName: "web",
      appId: 1,
      imageId: serviceNumber("demo", "web"),
      serviceId: serviceNumber("demo", "web"),
      containerId: "demo_web_aaaaaaaaaaaa",
      createdAt: null,
    });
    assert.deepEqual((body.images as unknown[])[1], {
      name: "db:2",
      appId: 1,
      serviceName: "db",
      imageId: serviceNumber("demo", "db"),
      dockerImageId: null,
      status: "Downloading",
      downloadProgress: 50,
    });
  });

  test("GET /v2/version and /v2/device/name", async () => {
    assert.deepEqual(await json(await call(s, "/v2/version")), {
      status: "success",
      version: "0.1.0",
    });
    assert.deepEqual(await json(await call(s, "/v2/device/name")), {
      status: "success",
      deviceName: "shy-river",
    });
  });

  test("GET /v2/cleanup-volumes sends cleanupVolumes", async () => {
    const r = await call(s, "/v2/cleanup-volumes");
    assert.deepEqual(await json(r), { status: "success" });
    assert.deepEqual(s.fake.requests, [{ kind: "cleanupVolumes" }]);
  });
});

describe("bodies", () => {
  test("a JSON content type with an empty body is an empty body (balena's curl examples)", async () => {
    const r = await call(s, "/v1/reboot", {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    assert.equal(r.status, 202);
    assert.deepEqual(s.fake.requests, [{ kind: "reboot", force: false }]);
  });

  test("urlencoded bodies are read (curl -d force=true)", async () => {
    const r = await call(s, "/v1/update", {
      method: "POST",
      body: "force=true",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(r.status, 204);
    assert.deepEqual(s.fake.requests, [{ kind: "update", force: true }]);
  });

  test("malformed JSON → 400 and nothing sent", async () => {
    const r = await call(s, "/v1/update", { method: "POST", body: "{nope" });
    assert.equal(r.status, 400);
    assert.equal(((await json(r)) as { status: string }).status, "failed");
    assert.deepEqual(s.fake.requests, []);
  });

  test("unknown endpoints are 404 for a valid key", async () => {
    const r = await call(s, "/v3/nothing");
    assert.equal(r.status, 404);
  });
});
