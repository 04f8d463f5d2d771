import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HealthMonitor } from "../../src/health/health-state.ts";
import {
  notifyAssignments,
  type NotifyMessage,
  type Notifier,
} from "../../src/health/sd-notify.ts";
import { Watchdog, watchdogFromEnv } from "../../src/health/watchdog.ts";

const T0 = 1_700_000_000_000;

function recorder(): Notifier & { sent: string[] } {
  const sent: string[] = [];
  return {
    enabled: true,
    sent,
    async send(msg: NotifyMessage) {
      sent.push(notifyAssignments(msg).join(" "));
    },
  };
}

/** A fake clock that polls the watchdog whenever it says a poll is due. */
async function runFor(wd: Watchdog, from: number, ms: number, each?: (now: number) => void) {
  let now = from;
  while (now < from + ms) {
    each?.(now);
    await wd.poll(now);
    now += Math.max(1, wd.nextPollInMs(now));
  }
  return now;
}

function setup(timeoutMs: number | undefined) {
  const monitor = new HealthMonitor({ loopMaxAgeMs: 60_000, engineMaxAgeMs: 30_000 });
  const notify = recorder();
  const logs: string[] = [];
  const wd = new Watchdog({
    monitor,
    notify,
    settings: timeoutMs === undefined ? undefined : { timeoutMs },
    pid: 4242,
    log: (l) => logs.push(l),
  });
  return { monitor, notify, wd, logs };
}

describe("watchdogFromEnv", () => {
  test("reads WATCHDOG_USEC; WATCHDOG_PID must be ours when set", () => {
    assert.deepEqual(watchdogFromEnv({ WATCHDOG_USEC: "30000000" }, 7), { timeoutMs: 30_000 });
    assert.deepEqual(watchdogFromEnv({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" }, 7), {
      timeoutMs: 30_000,
    });
    assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "8" }, 7), undefined);
    assert.equal(watchdogFromEnv({}, 7), undefined);
    assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "0" }, 7), undefined);
    assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "abc" }, 7), undefined);
  });
});

describe("Watchdog", () => {
  test("no READY and no WATCHDOG while initialising, however long it takes", async () => {
    const { monitor, notify, wd } = setup(20_000);
    // The loop ticks and the engine answers, but the daemon has not loaded its state yet.
    await runFor(wd, T0, 10 * 60_000, (now) => {
      monitor.loopTick(now);
      monitor.engineResult(true, now);
    });
    assert.deepEqual(notify.sent, [
      "STATUS=initialising: waiting for the agent state and the engine",
    ]);
    assert.equal(wd.isReadySent(), false);
  });

  test("READY=1 (with MAINPID) once initialised, then WATCHDOG=1 every half timeout", async () => {
    const { monitor, notify, wd } = setup(20_000);
    monitor.engineResult(true, T0);
    await wd.poll(T0);
    monitor.markInitialised(T0 + 3000);
    monitor.loopTick(T0 + 3000);
    const end = await runFor(wd, T0 + 3000, 100_000, (now) => {
      monitor.loopTick(now);
      monitor.engineResult(true, now);
    });
    assert.equal(notify.sent[1], "READY=1 STATUS=running MAINPID=4242");
    const pings = notify.sent.filter((m) => m === "WATCHDOG=1");
    assert.equal(pings.length, Math.floor((end - (T0 + 3000) - 1) / 10_000));
    assert.ok(pings.length >= 9 && pings.length <= 10, String(pings.length));
    assert.deepEqual(
      notify.sent.slice(2).filter((m) => m !== "WATCHDOG=1"),
      [],
      "nothing else while healthy",
    );
  });

  test("the pings are spaced by half the timeout", async () => {
    const { monitor, notify, wd } = setup(8000);
    monitor.markInitialised(T0);
    monitor.engineResult(true, T0);
    monitor.loopTick(T0);
    const at: number[] = [];
    let now = T0;
    while (now < T0 + 40_000) {
      monitor.loopTick(now);
      monitor.engineResult(true, now);
      const before = notify.sent.length;
      await wd.poll(now);
      if (notify.sent.slice(before).includes("WATCHDOG=1")) at.push(now);
      now += Math.max(1, wd.nextPollInMs(now));
    }
    assert.ok(at.length >= 9);
    for (let i = 1; i < at.length; i++) assert.equal(at[i]! - at[i - 1]!, 4000);
  });

  test("no WATCHDOG while unhealthy; STATUS says why once; pings resume on recovery", async () => {
    const { monitor, notify, wd, logs } = setup(10_000);
    monitor.markInitialised(T0);
    monitor.engineResult(true, T0);
    monitor.loopTick(T0);
    await wd.poll(T0);
    notify.sent.length = 0;
    // The engine fails for 60 s: the watchdog must not be fed.
    const now = await runFor(wd, T0, 60_000, (t) => {
      monitor.loopTick(t);
      monitor.engineResult(false, t, "connect ENOENT");
    });
    assert.deepEqual(notify.sent, [
      "STATUS=unhealthy: the engine failed its last check: connect ENOENT",
    ]);
    assert.ok(logs.some((l) => l.startsWith("unhealthy: the engine failed its last check")));
    notify.sent.length = 0;
    await runFor(wd, now, 30_000, (t) => {
      monitor.loopTick(t);
      monitor.engineResult(true, t);
    });
    assert.equal(notify.sent[0], "STATUS=running");
    assert.ok(notify.sent.filter((m) => m === "WATCHDOG=1").length >= 5);
  });

  test("a stuck loop stops the pings even though the engine is fine", async () => {
    const { monitor, notify, wd } = setup(10_000);
    monitor.markInitialised(T0);
    monitor.loopTick(T0);
    monitor.engineResult(true, T0);
    await runFor(wd, T0, 120_000, (t) => monitor.engineResult(true, t));
    const pings = notify.sent.filter((m) => m === "WATCHDOG=1").length;
    // Loop max age 60 s, a ping every 5 s: pings until 60 s, none after.
    assert.ok(pings >= 11 && pings <= 12, String(pings));
    assert.match(notify.sent.at(-1)!, /^STATUS=unhealthy: loop silent for/);
  });

  test("without WATCHDOG_USEC: READY and STATUS only", async () => {
    const { monitor, notify, wd } = setup(undefined);
    monitor.markInitialised(T0);
    monitor.engineResult(true, T0);
    monitor.loopTick(T0);
    await runFor(wd, T0, 60_000, (t) => {
      monitor.loopTick(t);
      monitor.engineResult(true, t);
    });
    assert.deepEqual(notify.sent, ["READY=1 STATUS=running MAINPID=4242"]);
  });

  test("STOPPING=1 on the way out", async () => {
    const { notify, wd } = setup(10_000);
    await wd.stopping();
    assert.deepEqual(notify.sent, ["STOPPING=1 STATUS=stopping"]);
  });

  test("STATUS cannot smuggle extra assignments", () => {
    assert.deepEqual(notifyAssignments({ status: "a\nREADY=1" }), ["STATUS=a READY=1"]);
  });
});
