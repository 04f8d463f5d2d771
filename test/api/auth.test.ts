// Keys: where they are read from, what each may touch, one 401 for every reason, and the
// key file (generated once, 0600, atomic, reloaded).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { ApiKeys } from "../../src/api/api-keys.ts";
import { presentedKey } from "../../src/api/auth.ts";
import { APP_KEY, GLOBAL_KEY, OTHER_APP_KEY, call, serve, type Served } from "./fake.ts";

let s: Served;
before(async () => {
  s = await serve({ limits: { perAddress: { ratePerSec: 1000, burst: 1000 } } });
});
after(() => s.close());
beforeEach(() => {
  s.fake.requests.length = 0;
});

async function unauthorizedShape(r: Response) {
  return {
    status: r.status,
    body: await r.text(),
    type: r.headers.get("content-type"),
    auth: r.headers.get("www-authenticate"),
  };
}

describe("where the key comes from", () => {
  test("Authorization: Bearer, and ?apikey=", async () => {
    assert.equal((await call(s, "/v1/device")).status, 200);
    assert.equal((await call(s, `/v1/device?apikey=${GLOBAL_KEY}`, { key: null })).status, 200);
    assert.equal(
      (
        await call(s, "/v1/device", {
          key: null,
          headers: { authorization: `ApiKey ${GLOBAL_KEY}` },
        })
      ).status,
      200,
    );
  });

  test("presentedKey prefers the query, accepts Bearer/ApiKey in any case", () => {
    assert.equal(presentedKey({ apikey: "q" }, "Bearer h"), "q");
    assert.equal(presentedKey({}, "bearer h"), "h");
    assert.equal(presentedKey({}, "Basic h"), undefined);
    assert.equal(presentedKey({ apikey: ["a", "b"] }, undefined), undefined);
  });
});

describe("401", () => {
  test("no key, a wrong key, a key of another length, another app's key: one answer", async () => {
    const shapes = [
      await unauthorizedShape(await call(s, "/v1/device", { key: null })),
      await unauthorizedShape(await call(s, "/v1/device", { key: "x".repeat(64) })),
      await unauthorizedShape(await call(s, "/v1/device", { key: "short" })),
      await unauthorizedShape(await call(s, `/v1/device?apikey=${"y".repeat(200)}`, { key: null })),
      await unauthorizedShape(
        await call(s, "/v2/applications/1/restart", { method: "POST", key: OTHER_APP_KEY }),
      ),
      await unauthorizedShape(await call(s, "/no/such/route", { key: null })),
    ];
    for (const sh of shapes)
      assert.deepEqual(sh, {
        status: 401,
        body: '{"status":"failed","message":"Unauthorized"}',
        type: "application/json; charset=utf-8",
        auth: 'Bearer realm="edgevisor"',
      });
    assert.deepEqual(s.fake.requests, []);
  });

  test("every mutating call and state read needs a key", async () => {
    const routes: [string, string][] = [
      ["GET", "/v1/device"],
      ["POST", "/v1/reboot"],
      ["POST", "/v1/shutdown"],
      ["POST", "/v1/restart"],
      ["POST", "/v1/update"],
      ["POST", "/v1/purge"],
      ["POST", "/v1/apps/1/stop"],
      ["POST", "/v1/apps/1/start"],
      ["GET", "/v1/apps/1"],
      ["GET", "/v2/applications/state"],
      ["GET", "/v2/state/status"],
      ["POST", "/v2/applications/1/restart-service"],
      ["POST", "/v2/applications/1/stop-service"],
      ["POST", "/v2/applications/1/start-service"],
      ["POST", "/v2/applications/1/restart"],
      ["POST", "/v2/applications/1/purge"],
      ["GET", "/v2/local/target-state"],
      ["POST", "/v2/local/target-state"],
      ["GET", "/v2/local/logs"],
      ["GET", "/v2/version"],
      ["GET", "/v2/device/name"],
      ["GET", "/v2/cleanup-volumes"],
    ];
    for (const [method, p] of routes)
      assert.equal((await call(s, p, { method, key: null })).status, 401, `${method} ${p}`);
    assert.deepEqual(s.fake.requests, []);
  });
});

describe("app keys", () => {
  test("an app key acts on its own app", async () => {
    const r = await call(s, "/v2/applications/1/restart-service", {
      method: "POST",
      key: APP_KEY,
      body: { serviceName: "web" },
    });
    assert.equal(r.status, 200);
    assert.equal((await call(s, "/v1/apps/1/stop", { method: "POST", key: APP_KEY })).status, 200);
    assert.deepEqual(s.fake.requests, [
      { kind: "restartService", service: "web", force: false },
      { kind: "stopApp", force: false },
    ]);
  });

  test("an app key cannot act on another appId (401, not 404)", async () => {
    const mine = await call(s, "/v2/applications/7/restart-service", {
      method: "POST",
      key: APP_KEY,
      body: { serviceName: "web" },
    });
    assert.equal(mine.status, 401);
    for (const [method, p, body] of [
      ["POST", "/v2/applications/1/restart-service", { serviceName: "web" }],
      ["POST", "/v2/applications/1/restart", undefined],
      ["POST", "/v1/apps/1/stop", undefined],
      ["POST", "/v1/restart", { appId: 1 }],
      ["GET", "/v1/apps/1", undefined],
      ["GET", "/v2/cleanup-volumes", undefined],
      ["GET", "/v2/local/logs", undefined],
    ] as const) {
      const r = await call(s, p, { method, key: OTHER_APP_KEY, body });
      assert.equal(r.status, 401, `${method} ${p}`);
    }
    // Key 7's own app is not on the device: its holder learns nothing beyond "no".
    const own = await call(s, "/v2/applications/7/restart", { method: "POST", key: OTHER_APP_KEY });
    assert.equal(own.status, 404);
    assert.deepEqual(s.fake.requests, []);
  });

  test("another app's key sees no parts of this app in state reads", async () => {
    const state = await call(s, "/v2/applications/state", { key: OTHER_APP_KEY });
    assert.deepEqual(await state.json(), {});
    const status = (await (await call(s, "/v2/state/status", { key: OTHER_APP_KEY })).json()) as {
      containers: unknown[];
      images: unknown[];
    };
    assert.deepEqual([status.containers, status.images], [[], []]);
  });

  test("only the global key may replace the target", async () => {
    const r = await call(s, "/v2/local/target-state", {
      method: "POST",
      key: APP_KEY,
      body: { compose: "services:\n  web:\n    image: web:3\n" },
    });
    assert.equal(r.status, 401);
    assert.deepEqual(s.fake.requests, []);
  });
});

describe("key file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ev-keys-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("generated on first open, mode 0600, the same on reopen; app keys persist", async () => {
    const a = await ApiKeys.open(dir);
    assert.match(a.globalKey, /^[0-9a-f]{64}$/);
    const file = path.join(dir, "api-keys.json");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const appKey = await a.appKey(1);
    assert.equal(await a.appKey(1), appKey);
    assert.notEqual(appKey, a.globalKey);
    const b = await ApiKeys.open(dir);
    assert.equal(b.globalKey, a.globalKey);
    assert.deepEqual(b.identify(appKey), { kind: "app", appId: 1 });
    assert.deepEqual(b.identify(a.globalKey), { kind: "global" });
    assert.equal(b.identify(undefined), undefined);
    assert.equal(b.identify(""), undefined);
    assert.equal(b.identify(a.globalKey.slice(0, -1)), undefined);
    const onDisk = JSON.parse(await readFile(file, "utf8"));
    assert.deepEqual(onDisk, { global: a.globalKey, apps: { "1": appKey } });
  });

  test("keys for two apps asked for at once are both persisted", async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), "ev-keys-race-"));
    const k = await ApiKeys.open(d);
    const [k2, k3] = await Promise.all([k.appKey(2), k.appKey(3)]);
    const again = await ApiKeys.open(d);
    assert.deepEqual(again.identify(k2), { kind: "app", appId: 2 });
    assert.deepEqual(again.identify(k3), { kind: "app", appId: 3 });
    await rm(d, { recursive: true });
  });

  test("a readable file is tightened to 0600 on open", async () => {
    const file = path.join(dir, "api-keys.json");
    await chmod(file, 0o644);
    await ApiKeys.open(dir);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test("a damaged file is EV_STATE_CORRUPT, never silently replaced", async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), "ev-keys-bad-"));
    await writeFile(path.join(d, "api-keys.json"), "{not json");
    await assert.rejects(ApiKeys.open(d), { code: "EV_STATE_CORRUPT" });
    await writeFile(path.join(d, "api-keys.json"), JSON.stringify({ global: "short" }));
    await assert.rejects(ApiKeys.open(d), { code: "EV_STATE_CORRUPT" });
    assert.equal(await readFile(path.join(d, "api-keys.json"), "utf8"), '{"global":"short"}');
    await rm(d, { recursive: true });
  });
});
