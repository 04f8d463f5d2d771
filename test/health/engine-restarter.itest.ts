// The graceful stop and the restart command against real processes we start here (never
// the shared private engine): SIGTERM honoured, SIGTERM ignored → SIGKILL after the grace
// period, pidfiles, a command that overruns its timeout, and the whole restarter.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  EngineRestarter,
  restartEngine,
  runWithTimeout,
} from "../../src/health/engine-restarter.ts";
import { readPidfile, stopGracefully } from "../../src/health/process-stop.ts";
import { RestartPolicy } from "../../src/health/restart-policy.ts";
import { nodeChild, stop } from "./support.ts";

const IGNORES_TERM = `process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)`;
const HONOURS_TERM = `process.on("SIGTERM", () => setTimeout(() => process.exit(0), 100)); setInterval(() => {}, 1000)`;

describe("stopGracefully", () => {
  test("a process that honours SIGTERM ends without SIGKILL", async () => {
    const child = await nodeChild(HONOURS_TERM);
    const exited = once(child, "exit");
    const logs: string[] = [];
    const t = performance.now();
    assert.equal(
      await stopGracefully(child.pid!, 5000, { log: (l) => logs.push(l) }),
      "terminated",
    );
    assert.ok(performance.now() - t < 3000);
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [0, null], "exited by itself after SIGTERM");
    assert.deepEqual(logs, [`engine restart: SIGTERM to pid ${child.pid}, SIGKILL after 5000 ms`]);
  });

  test("a process that ignores SIGTERM gets SIGKILL after the grace period", async () => {
    const child = await nodeChild(IGNORES_TERM);
    const exited = once(child, "exit");
    const logs: string[] = [];
    const t = performance.now();
    assert.equal(await stopGracefully(child.pid!, 400, { log: (l) => logs.push(l) }), "killed");
    const took = performance.now() - t;
    assert.ok(took >= 380 && took < 3000, `${took} ms`);
    const [, signal] = await exited;
    assert.equal(signal, "SIGKILL");
    assert.match(logs[1]!, /still runs after 400 ms: SIGKILL$/);
  });

  test("a pid that is not running is left alone", async () => {
    const child = await nodeChild("setInterval(() => {}, 1000)");
    const pid = child.pid!;
    await stop(child);
    assert.equal(await stopGracefully(pid, 100), "not-running");
    await assert.rejects(stopGracefully(1, 100), RangeError);
  });
});

describe("restart through a pidfile and a command", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ev-restart-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("pidfiles are read; junk is no pid", async () => {
    await writeFile(path.join(dir, "ok.pid"), "1234\n");
    await writeFile(path.join(dir, "junk.pid"), "hello\n");
    assert.equal(await readPidfile(path.join(dir, "ok.pid")), 1234);
    assert.equal(await readPidfile(path.join(dir, "junk.pid")), undefined);
    assert.equal(await readPidfile(path.join(dir, "absent.pid")), undefined);
  });

  test("a command that overruns its timeout: its group gets SIGTERM, then SIGKILL", async () => {
    const marker = path.join(dir, "grandchild.pid");
    // The shell and a grandchild both ignore SIGTERM; the whole group must go.
    const cmd = `trap '' TERM; sh -c 'trap "" TERM; echo $$ > ${marker}; sleep 30' & wait`;
    const t = performance.now();
    const r = await runWithTimeout(cmd, { env: process.env, timeoutMs: 300, graceMs: 300 });
    assert.ok(performance.now() - t < 3000);
    assert.deepEqual(r, { ok: false, detail: "timed out after 300 ms; SIGKILL after 300 ms" });
    const grandchild = Number((await readFile(marker, "utf8")).trim());
    // Gone, or a zombie waiting for a reaper (orphans go to PID 1, which may not reap).
    const state = await readFile(`/proc/${grandchild}/stat`, "utf8").then(
      (s) => s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3),
      () => "gone",
    );
    assert.ok(state === "gone" || state === "Z", `grandchild state ${state}`);
  });

  test("command results: exit status and the last stderr line", async () => {
    const env = { PATH: process.env.PATH };
    assert.deepEqual(await runWithTimeout("true", { env, timeoutMs: 5000, graceMs: 100 }), {
      ok: true,
      detail: "exit 0",
    });
    const r = await runWithTimeout("echo 'no such unit' >&2; exit 5", {
      env,
      timeoutMs: 5000,
      graceMs: 100,
    });
    assert.equal(r.ok, false);
    assert.match(r.detail, /^exit 5/);
  });

  test("the command does not inherit NOTIFY_SOCKET or WATCHDOG_*", async () => {
    const out = path.join(dir, "env.txt");
    await restartEngine(
      { command: `env > ${out}`, graceMs: 100, commandTimeoutMs: 5000 },
      { PATH: process.env.PATH, NOTIFY_SOCKET: "/run/x", WATCHDOG_USEC: "1", KEEP: "yes" },
      () => {},
    );
    const env = await readFile(out, "utf8");
    assert.match(env, /^KEEP=yes$/m);
    assert.doesNotMatch(env, /NOTIFY_SOCKET|WATCHDOG_/);
  });

  test("the restarter: 3 failed checks → the engine stand-in is stopped gracefully, then started", async () => {
    const engine = await nodeChild(IGNORES_TERM);
    const exited = once(engine, "exit");
    const pidfile = path.join(dir, "engine.pid");
    const started = path.join(dir, "started");
    await writeFile(pidfile, `${engine.pid}\n`);
    const logs: string[] = [];
    const r = new EngineRestarter({
      target: { pidfile, command: `echo ok > ${started}`, graceMs: 300, commandTimeoutMs: 5000 },
      policy: new RestartPolicy({ failuresBeforeRestart: 3 }),
      env: { PATH: process.env.PATH },
      log: (l) => logs.push(l),
    });
    const now = Date.now();
    await r.onCheck(false, 1, now);
    await r.onCheck(false, 2, now + 1000);
    assert.equal(engine.exitCode, null, "still running after 2 failures");
    await r.onCheck(false, 3, now + 2000);
    const [, signal] = await exited;
    assert.equal(signal, "SIGKILL");
    assert.equal((await readFile(started, "utf8")).trim(), "ok");
    assert.deepEqual(
      logs.map((l) => l.replace(String(engine.pid), "PID")),
      [
        "engine failed 3 checks in a row: restarting it",
        "engine restart: SIGTERM to pid PID, SIGKILL after 300 ms",
        "engine restart: pid PID still runs after 300 ms: SIGKILL",
        `engine restart: running \`echo ok > ${started}\``,
        "engine restart done — stop: killed; command: ok (exit 0)",
      ],
    );
  });
});
