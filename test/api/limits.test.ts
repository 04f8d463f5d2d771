// The protective limits, each tripped on purpose: body size (413), rate (429 + Retry-After,
// per key and per address), pools (503 + Retry-After), the agent's deadline (504).
import assert from "node:assert/strict";
import net from "node:net";
import { describe, test } from "node:test";
import { ConcurrencyLimit } from "../../src/api/concurrency.ts";
import { RateLimiter } from "../../src/api/rate-limit.ts";
import type { RequestResult } from "../../src/api/device-controller.ts";
import { APP_KEY, GLOBAL_KEY, call, serve } from "./fake.ts";

describe("RateLimiter", () => {
  test("burst, then one token per 1/rate s; Retry-After rounds up to whole seconds", () => {
    let now = 0;
    const rl = new RateLimiter({ ratePerSec: 2, burst: 3 }, 100, () => now);
    for (let i = 0; i < 3; i++) assert.deepEqual(rl.take("a"), { ok: true });
    assert.deepEqual(rl.take("a"), { ok: false, retryAfterSec: 1 });
    assert.deepEqual(rl.take("b"), { ok: true }, "buckets are per client");
    now += 500;
    assert.deepEqual(rl.take("a"), { ok: true });
    assert.deepEqual(rl.take("a"), { ok: false, retryAfterSec: 1 });
    const slow = new RateLimiter({ ratePerSec: 0.1, burst: 1 }, 100, () => now);
    slow.take("x");
    assert.deepEqual(slow.take("x"), { ok: false, retryAfterSec: 10 });
  });

  test("memory stays bounded: idle full buckets, then the least recently used, are dropped", () => {
    let now = 0;
    const rl = new RateLimiter({ ratePerSec: 1, burst: 1 }, 3, () => now);
    for (const c of ["a", "b", "c"]) rl.take(c);
    now += 100;
    rl.take("a");
    rl.take("d");
    assert.equal(rl.size, 3);
    // "a" was used last before "d", so it kept its (empty) bucket.
    assert.equal(rl.take("a").ok, false);
  });
});

describe("ConcurrencyLimit", () => {
  test("refuses over the limit; release is idempotent", () => {
    const c = new ConcurrencyLimit(1);
    const r = c.tryAcquire();
    assert.ok(r);
    assert.equal(c.tryAcquire(), undefined);
    r();
    r();
    assert.equal(c.inUse, 0);
    assert.ok(c.tryAcquire());
  });
});

describe("over HTTP", () => {
  test("413 for a body over the limit, before the agent hears of it", async () => {
    const s = await serve({ limits: { bodyBytes: 1024 } });
    try {
      const r = await call(s, "/v2/local/target-state", {
        method: "POST",
        body: { compose: "x".repeat(4096) },
      });
      assert.equal(r.status, 413);
      assert.deepEqual(await r.json(), {
        status: "failed",
        message: "request body larger than 1024 bytes",
      });
      assert.deepEqual(s.fake.requests, []);
    } finally {
      await s.close();
    }
  });

  test("429 + Retry-After per key; another key and /ping are unaffected", async () => {
    const s = await serve({ limits: { perKey: { ratePerSec: 1, burst: 3 } } });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await call(s, "/v2/version")).status);
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      const limited = await call(s, "/v2/version");
      assert.equal(limited.headers.get("retry-after"), "1");
      assert.deepEqual(await limited.json(), {
        status: "failed",
        message: "too many requests; retry in 1 s",
      });
      assert.equal((await call(s, "/v2/version", { key: APP_KEY })).status, 200);
      assert.equal((await call(s, "/ping", { key: null })).status, 200);
      assert.equal((await call(s, "/v1/healthy", { key: null })).status, 200);
    } finally {
      await s.close();
    }
  });

  test("429 per address for requests without a valid key; a valid key still passes", async () => {
    const s = await serve({ limits: { perAddress: { ratePerSec: 0.5, burst: 2 } } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await call(s, "/v1/device", { key: "guess" + i })).status);
      assert.deepEqual(statuses, [401, 401, 429, 429]);
      const r = await call(s, "/v1/device", { key: null });
      assert.equal(r.headers.get("retry-after"), "2");
      assert.equal((await call(s, "/v1/device", { key: GLOBAL_KEY })).status, 200);
    } finally {
      await s.close();
    }
  });

  test("503 + Retry-After when the expensive pool is full; the slot frees on completion", async () => {
    const s = await serve({ limits: { expensiveConcurrency: 1 } });
    try {
      let finish!: (r: RequestResult) => void;
      s.fake.answer = async (r) =>
        r.kind === "purge"
          ? new Promise<RequestResult>((resolve) => (finish = resolve))
          : { message: "ok" };
      const first = call(s, "/v2/applications/1/purge", { method: "POST" });
      while (s.fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      const second = await call(s, "/v2/cleanup-volumes");
      assert.equal(second.status, 503);
      assert.equal(second.headers.get("retry-after"), "1");
      assert.deepEqual(await second.json(), {
        status: "failed",
        message: "1 expensive requests already in progress; retry shortly",
      });
      // Cheap calls are not in the pool.
      assert.equal((await call(s, "/v2/applications/1/restart", { method: "POST" })).status, 200);
      finish({ message: "ok" });
      assert.equal((await first).status, 200);
      assert.equal((await call(s, "/v2/cleanup-volumes")).status, 200);
      assert.deepEqual(
        s.fake.requests.map((r) => r.kind),
        ["purge", "restartApp", "cleanupVolumes"],
      );
    } finally {
      await s.close();
    }
  });

  test("504 EV_TIMEOUT when the agent does not take a request in time", async () => {
    const s = await serve({ limits: { requestTimeoutMs: 50 } });
    try {
      s.fake.answer = () => new Promise<RequestResult>(() => {});
      const r = await call(s, "/v2/applications/1/restart", { method: "POST" });
      assert.equal(r.status, 504);
      const body = (await r.json()) as { code: string; message: string };
      assert.equal(body.code, "EV_TIMEOUT");
      assert.match(body.message, /did not take the restartApp request within 50 ms/);
    } finally {
      await s.close();
    }
  });

  test("a client that never finishes its request is cut off (408)", async () => {
    const s = await serve({ limits: { receiveTimeoutMs: 300 } });
    try {
      const url = new URL(s.base);
      const sock = net.connect(Number(url.port), url.hostname);
      sock.write(
        `POST /v1/update HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${GLOBAL_KEY}\r\n` +
          "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
      );
      let got = "";
      sock.on("data", (d) => (got += d.toString()));
      const t0 = Date.now();
      await new Promise((resolve) => sock.on("close", resolve));
      assert.ok(Date.now() - t0 < 5000);
      assert.match(got, /^HTTP\/1\.1 408/);
      assert.deepEqual(s.fake.requests, []);
    } finally {
      await s.close();
    }
  });
});
