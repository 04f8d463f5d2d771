import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EngineRestarter, type RestartTarget } from "../../src/health/engine-restarter.ts";
import { RestartPolicy } from "../../src/health/restart-policy.ts";

const T0 = 1_700_000_000_000;
const MIN = 60_000;

describe("RestartPolicy", () => {
  test("restarts only after N failures in a row (default 3)", () => {
    const p = new RestartPolicy();
    assert.deepEqual(p.decide(1, T0), { restart: false, why: "1 of 3 failed checks" });
    assert.deepEqual(p.decide(2, T0), { restart: false, why: "2 of 3 failed checks" });
    assert.deepEqual(p.decide(3, T0), { restart: true });
  });

  test("backs off after a restart, doubling while restarts do not help", () => {
    const p = new RestartPolicy({ backoffMs: MIN, maxBackoffMs: 4 * MIN, maxPerHour: 100 });
    p.recordRestart(T0);
    assert.equal(p.decide(3, T0 + MIN - 1).restart, false);
    assert.match(
      (p.decide(3, T0 + 30_000) as { why: string }).why,
      /^backing off: next restart possible in 30 s$/,
    );
    assert.equal(p.decide(3, T0 + MIN).restart, true);
    p.recordRestart(T0 + MIN);
    assert.equal(p.decide(3, T0 + 2 * MIN).restart, false, "second wait is 2 min");
    assert.equal(p.decide(3, T0 + 3 * MIN).restart, true);
    p.recordRestart(T0 + 3 * MIN);
    p.recordRestart(T0 + 7 * MIN);
    assert.equal(p.decide(3, T0 + 10 * MIN).restart, false, "capped at 4 min, not 8");
    assert.equal(p.decide(3, T0 + 11 * MIN).restart, true);
  });

  test("a healthy check resets the backoff", () => {
    const p = new RestartPolicy({ backoffMs: MIN, maxBackoffMs: 8 * MIN, maxPerHour: 100 });
    p.recordRestart(T0);
    p.recordRestart(T0 + MIN);
    p.recordHealthy();
    assert.equal(p.decide(3, T0 + 2 * MIN).restart, true);
  });

  test("never more than M restarts in any hour", () => {
    const p = new RestartPolicy({ maxPerHour: 3, backoffMs: 0, maxBackoffMs: 0 });
    for (const t of [0, 10, 20]) {
      assert.equal(p.decide(3, T0 + t * MIN).restart, true);
      p.recordRestart(T0 + t * MIN);
    }
    assert.deepEqual(p.decide(3, T0 + 59 * MIN), {
      restart: false,
      why: "already restarted 3 times in the last hour (limit 3)",
    });
    assert.equal(p.decide(3, T0 + 60 * MIN).restart, true, "the first one left the window");
  });

  test("maxPerHour 0 means never; bad settings are refused", () => {
    assert.equal(new RestartPolicy({ maxPerHour: 0 }).decide(10, T0).restart, false);
    assert.throws(() => new RestartPolicy({ failuresBeforeRestart: 0 }), RangeError);
    assert.throws(() => new RestartPolicy({ backoffMs: 10, maxBackoffMs: 5 }), RangeError);
  });
});

describe("EngineRestarter", () => {
  const target: RestartTarget = { command: "true", graceMs: 100, commandTimeoutMs: 1000 };

  function setup() {
    const logs: string[] = [];
    const runs: number[] = [];
    let release: () => void = () => {};
    const r = new EngineRestarter({
      target,
      policy: new RestartPolicy({ maxPerHour: 2, backoffMs: MIN, maxBackoffMs: MIN }),
      env: {},
      log: (l) => logs.push(l),
      action: async () => {
        runs.push(runs.length);
        await new Promise<void>((resolve) => (release = resolve));
        return { command: { ok: true, detail: "exit 0" } };
      },
    });
    return { r, logs, runs, release: () => release() };
  }

  test("restarts at the Nth failure, once while it runs, and logs each", async () => {
    const { r, logs, runs, release } = setup();
    await r.onCheck(false, 1, T0);
    await r.onCheck(false, 2, T0 + 10_000);
    assert.equal(runs.length, 0);
    const restart = r.onCheck(false, 3, T0 + 20_000);
    await r.onCheck(false, 4, T0 + 30_000); // during the restart: ignored
    assert.equal(r.busy(), true);
    release();
    await restart;
    assert.equal(runs.length, 1);
    assert.deepEqual(logs, [
      "engine failed 3 checks in a row: restarting it",
      "engine restart done — command: ok (exit 0)",
    ]);
  });

  test("after the hourly cap it says so once, not at every check", async () => {
    const { r, logs, runs, release } = setup();
    for (let i = 0; i < 40; i++) {
      const p = r.onCheck(false, 3 + i, T0 + i * MIN);
      release();
      await p;
    }
    assert.equal(runs.length, 2);
    const refusals = logs.filter((l) => l.includes("not restarting it: already restarted"));
    assert.equal(refusals.length, 1, logs.join("\n"));
  });

  test("a target needs a pid, a pidfile or a command", () => {
    assert.throws(
      () =>
        new EngineRestarter({
          target: { graceMs: 1, commandTimeoutMs: 1 },
          policy: new RestartPolicy(),
          env: {},
          log: () => {},
        }),
      RangeError,
    );
  });
});
