// The watchdog end to end: a stand-in agent (real health wiring, fake engine and loop) run
// as a child with NOTIFY_SOCKET and WATCHDOG_USEC pointing at a real datagram listener.
// Asserts order and counts, not tight timings.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { startNotifyListener } from "./support.ts";

const SIM = fileURLToPath(new URL("./fixtures/agent-sim.ts", import.meta.url));
const WATCHDOG_MS = 600; // pings due every 300 ms

test("READY only after initialisation, WATCHDOG at half the timeout, none while unhealthy", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-watchdog-"));
  const listener = await startNotifyListener(path.join(dir, "notify.sock"));
  const child = spawn(process.execPath, [SIM], {
    env: {
      PATH: process.env.PATH,
      NOTIFY_SOCKET: listener.address,
      WATCHDOG_USEC: String(WATCHDOG_MS * 1000),
      EDGEVISOR_ENGINE_CHECK_INTERVAL: "0.1",
      EDGEVISOR_ENGINE_CHECK_TIMEOUT: "0.5",
      EDGEVISOR_LOOP_MAX_AGE: "0.5",
      // No restart target: engine failures are only reported.
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const say = (cmd: string) => child.stdin!.write(`${cmd}\n`);
  const data = () => listener.messages().map((m) => m.data);
  const count = (s: string, from = 0) =>
    data()
      .slice(from)
      .filter((d) => d === s).length;
  try {
    // Initialising: the engine answers and the loop ticks, but the state is not loaded.
    await listener.waitFor((d) => d.data.startsWith("STATUS=initialising"), 10_000);
    await sleep(3 * WATCHDOG_MS);
    assert.deepEqual(data(), ["STATUS=initialising: waiting for the agent state and the engine"]);

    say("init");
    const ready = await listener.waitFor((d) => d.data.startsWith("READY=1"), 5000);
    assert.equal(ready.data, `READY=1\nSTATUS=running\nMAINPID=${child.pid}`);
    assert.equal(ready.pid, process.getuid?.() === 0 ? child.pid : ready.pid);
    await sleep(2000);
    const healthyPings = count("WATCHDOG=1");
    // 2 s at one ping per 300 ms ≈ 6; a loaded machine may delay some timers.
    assert.ok(healthyPings >= 3 && healthyPings <= 8, `${healthyPings} pings in 2 s`);
    const readyIdx = data().findIndex((d) => d.startsWith("READY=1"));
    assert.equal(data().indexOf("WATCHDOG=1") > readyIdx, true, "first ping after READY");
    const pingTimes = listener
      .messages()
      .filter((m) => m.data === "WATCHDOG=1")
      .map((m) => m.t);
    const gaps = pingTimes.slice(1).map((t, i) => (t - pingTimes[i]!) * 1000);
    const median = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    assert.ok(median >= 250 && median <= 450, `median gap ${median} ms (expected ~300)`);

    // The engine fails: STATUS says so, and the pings stop.
    say("engine-fail");
    await listener.waitFor((d) => d.data.startsWith("STATUS=unhealthy"), 5000);
    const unhealthyIdx = data().findIndex((d) => d.startsWith("STATUS=unhealthy"));
    assert.equal(
      data()[unhealthyIdx],
      "STATUS=unhealthy: the engine failed its last check: EV_ENGINE_ERROR: connect ENOENT",
    );
    await sleep(4 * WATCHDOG_MS);
    assert.equal(count("WATCHDOG=1", unhealthyIdx), 0, "no WATCHDOG while unhealthy");

    // Recovery: pings resume.
    say("engine-ok");
    await listener.waitFor((d) => d.data === "STATUS=running", 5000);
    const runningIdx = data().lastIndexOf("STATUS=running");
    await sleep(1500);
    assert.ok(count("WATCHDOG=1", runningIdx) >= 2, "pings resume after recovery");

    // A stuck loop is unhealthy too, even with a fine engine.
    say("loop-stop");
    await listener.waitFor((d) => d.data.startsWith("STATUS=unhealthy: loop silent"), 5000);
    const stuckIdx = data().findIndex((d) => d.startsWith("STATUS=unhealthy: loop silent"));
    await sleep(4 * WATCHDOG_MS);
    assert.equal(count("WATCHDOG=1", stuckIdx), 0, "no WATCHDOG while the loop is stuck");

    say("exit");
    await once(child, "exit");
    assert.equal(data().at(-1), "STOPPING=1\nSTATUS=stopping");
    assert.match(out, /LOG initialised: READY=1/);
  } finally {
    child.kill("SIGKILL");
    await listener.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** One short run of the stand-in agent; resolves to the bytes it wrote after start-up. */
async function writesOfOneRun(notifySocket: string): Promise<number> {
  const child = spawn(process.execPath, [SIM], {
    env: {
      PATH: process.env.PATH,
      NOTIFY_SOCKET: notifySocket,
      WATCHDOG_USEC: "400000",
      EDGEVISOR_ENGINE_CHECK_INTERVAL: "0.05",
      EDGEVISOR_LOOP_MAX_AGE: "0.5",
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  try {
    for (const [cmd, ms] of [
      ["init", 1500],
      ["engine-fail", 700],
      ["engine-ok", 700],
      ["exit", 0],
    ] as const) {
      child.stdin!.write(`${cmd}\n`);
      await sleep(ms);
    }
    await once(child, "exit");
  } finally {
    child.kill("SIGKILL");
  }
  assert.match(out, /LOG initialised: READY=1/);
  const m = /^LOG io (\d+) bytes written$/m.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

test("the running health loop writes nothing (checks, READY/WATCHDOG/STATUS, their children)", async () => {
  // /proc/self/io of the stand-in agent from after start-up to exit, including the reaped
  // systemd-notify children. A write our code made would recur in every run; a shared host
  // can charge a one-off metadata write to whoever next reads a file (e.g. the atime of an
  // /etc/ld.so.cache that ldconfig just replaced, read by a child's exec). So: a second run
  // decides when the first one saw something.
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-watchdog-io-"));
  const listener = await startNotifyListener(path.join(dir, "notify.sock"));
  try {
    const runs = [await writesOfOneRun(listener.address)];
    if (runs[0] !== 0) runs.push(await writesOfOneRun(listener.address));
    assert.equal(runs.at(-1), 0, `bytes written per run: ${runs.join(", ")}`);
    assert.ok(listener.messages().filter((m) => m.data === "WATCHDOG=1").length >= 3);
  } finally {
    await listener.close();
    await rm(dir, { recursive: true, force: true });
  }
});
