// The notifier against a real AF_UNIX datagram socket, path and abstract: what arrives, in
// what order, and with which sender pid (systemd attributes messages by that pid).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createNotifier, notifierFromEnv } from "../../src/health/sd-notify.ts";
import { startNotifyListener, type NotifyListener } from "./support.ts";

const isRoot = process.getuid?.() === 0;

for (const kind of ["path", "abstract"] as const) {
  describe(`systemd-notify to a ${kind} socket`, () => {
    let dir: string;
    let listener: NotifyListener;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "ev-notify-"));
      const address =
        kind === "path" ? path.join(dir, "notify.sock") : `@ev-notify-${process.pid}-${Date.now()}`;
      listener = await startNotifyListener(address);
    });
    after(async () => {
      await listener.close();
      await rm(dir, { recursive: true, force: true });
    });

    test("READY, STATUS, WATCHDOG and STOPPING arrive in order, one datagram each", async () => {
      const logs: string[] = [];
      const n = notifierFromEnv({ NOTIFY_SOCKET: listener.address, PATH: process.env.PATH }, (l) =>
        logs.push(l),
      );
      assert.equal(n.enabled, true);
      // Not awaited one by one: the notifier itself must keep the order.
      const sends = [
        n.send({ ready: true, status: "running", mainPid: process.pid }),
        n.send({ watchdog: true }),
        n.send({ status: "unhealthy: engine" }),
        n.send({ watchdog: true }),
        n.send({ stopping: true }),
      ];
      await Promise.all(sends);
      await listener.waitFor((d) => d.data === "STOPPING=1", 5000);
      assert.deepEqual(
        listener.messages().map((d) => d.data),
        [
          `READY=1\nSTATUS=running\nMAINPID=${process.pid}`,
          "WATCHDOG=1",
          "STATUS=unhealthy: engine",
          "WATCHDOG=1",
          "STOPPING=1",
        ],
      );
      assert.deepEqual(logs, []);
      if (isRoot)
        for (const d of listener.messages())
          assert.equal(d.pid, process.pid, "as root the message carries the agent's own pid");
    });
  });
}

test("no NOTIFY_SOCKET: disabled, sends nothing, spawns nothing", async () => {
  const spawned: string[] = [];
  const n = createNotifier({
    socket: undefined,
    log: () => {},
    run: async (file) => {
      spawned.push(file);
    },
  });
  assert.equal(n.enabled, false);
  await n.send({ ready: true });
  assert.deepEqual(spawned, []);
});

test("a missing systemd-notify is reported once and then disables notification", async () => {
  const logs: string[] = [];
  const n = createNotifier({
    socket: "/run/nonexistent/notify",
    command: "/nonexistent/systemd-notify",
    log: (l) => logs.push(l),
  });
  await n.send({ ready: true });
  await n.send({ watchdog: true });
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /systemd notification disabled: \/nonexistent\/systemd-notify not found/);
});

test("a socket nobody listens on is logged, not thrown", async () => {
  const logs: string[] = [];
  const n = createNotifier({ socket: "/run/ev-no-such-dir/notify", log: (l) => logs.push(l) });
  await n.send({ watchdog: true });
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^systemd notification WATCHDOG=1 failed: /);
});
