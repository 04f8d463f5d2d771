// `edgevisor run` fully wired: the local API on loopback and on the supervisor network,
// services using it find it through the injected BALENA_SUPERVISOR_* variables.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { spawnSync } from "node:child_process";
import { ApiKeys } from "../src/api/api-keys.ts";
import { DELTA_BASE_LABEL, makerLabel, thisMaker } from "../src/images/reader-owner.ts";
import { LABEL } from "../src/engine/labels.ts";
import { execIn } from "./support/agent.ts";
import { startNotifyListener, type NotifyListener } from "./health/support.ts";
import { spawnCli, type CliProcess } from "./support/cli.ts";
import { testDocker, uniqueName } from "./support/engine.ts";
import { useBaseImage } from "./support/images.ts";

const docker = testDocker();
const base = useBaseImage("ev-run-base");
const app = uniqueName("ev-run");
let dir: string;
let daemon: CliProcess;
let notify: NotifyListener;
let leftover: string;

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    await sleep(200);
  }
  assert.fail(`timed out waiting for: ${what}\n--- daemon log ---\n${daemon.output()}`);
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ev-run-"));
  // The client asks the API for the device name, as balena apps do, and keeps the answer.
  const client = `wget -q -O /tmp/name \\"$$BALENA_SUPERVISOR_ADDRESS/v2/device/name?apikey=$$BALENA_SUPERVISOR_API_KEY\\"; trap 'exit 0' TERM; while true; do sleep 1; done`;
  await writeFile(
    path.join(dir, "docker-compose.yml"),
    `services:
  client:
    image: ${base}
    command: ["sh", "-c", "${client}"]
    labels:
      io.balena.features.supervisor-api: "1"
  other:
    image: ${base}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`,
  );
  // A reader container of a delta load killed with an earlier agent (its maker has exited).
  const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
  leftover = uniqueName("ev-run-leftover-reader");
  // The base image's own before() may still be building it (hooks do not wait for each other).
  for (
    let i = 0;
    i < 300 &&
    !(await docker
      .getImage(base)
      .inspect()
      .catch(() => undefined));
    i++
  )
    await sleep(200);
  await docker.createContainer({
    name: leftover,
    Image: base,
    Cmd: ["true"],
    Labels: { [DELTA_BASE_LABEL]: makerLabel({ boot: thisMaker().boot, pid: gone }) },
  });
  notify = await startNotifyListener(path.join(dir, "notify.sock"));
  daemon = spawnCli(
    [
      "run",
      "--target",
      path.join(dir, "docker-compose.yml"),
      "--app",
      app,
      "--api-port",
      "0",
      "--test-window",
      "0",
      "--reboot-command",
      `echo reboot >> ${path.join(dir, "power.log")}`,
    ],
    // systemd's side: a real notify socket, and a 2 s watchdog.
    { dir, env: { NOTIFY_SOCKET: notify.address, WATCHDOG_USEC: "2000000" } },
  );
});

after(async () => {
  if (daemon.child.exitCode === null) daemon.child.kill("SIGKILL");
  await notify.close();
  await docker
    .getContainer(leftover)
    .remove({ force: true })
    .catch(() => {});
  for (const c of await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.app}=${app}`] },
  })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL.app}=${app}`] } }))
    await docker.getNetwork(n.Id).remove();
  await rm(dir, { recursive: true, force: true });
});

test("the daemon serves the local API, and a labelled service reaches it with its injected key", async () => {
  const port = await until(
    "the API address in the log",
    async () => /local API on 127\.0\.0\.1:(\d+)/.exec(daemon.output())?.[1],
  );
  const url = `http://127.0.0.1:${port}`;
  assert.equal(await (await fetch(`${url}/ping`)).text(), "OK");
  await until(
    "healthy",
    async () => (await fetch(`${url}/v1/healthy`)).status === 200 || undefined,
  );

  // The labelled service got the variables and reached the API through the supervisor network.
  const name = await until("the client's answer", async () => {
    const out = await execIn(docker, app, "client", ["cat", "/tmp/name"]);
    return out.trim() || undefined;
  });
  assert.equal(JSON.parse(name).status, "success");
  const env = await execIn(docker, app, "client", ["sh", "-c", "echo $BALENA_SUPERVISOR_ADDRESS"]);
  assert.match(env.trim(), /^http:\/\/\d+\.\d+\.\d+\.\d+:\d+$/);
  assert.doesNotMatch(
    env,
    /127\.0\.0\.1/,
    "a bridged service uses the gateway, not its own loopback",
  );
  assert.equal(
    (
      await execIn(docker, app, "other", ["sh", "-c", "echo ${BALENA_SUPERVISOR_API_KEY:-none}"])
    ).trim(),
    "none",
  );

  // Mutating calls need a key; with the global key, a service restart goes through the loop.
  const key = (await ApiKeys.open(path.join(dir, "state"))).globalKey;
  const restart = (auth?: string) =>
    fetch(`${url}/v2/applications/1/restart-service`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: JSON.stringify({ serviceName: "other" }),
    });
  assert.equal((await restart()).status, 401);
  const [other] = await docker.listContainers({
    filters: { label: [`${LABEL.app}=${app}`, `${LABEL.service}=other`] },
  });
  const startedBefore = (await docker.getContainer(other!.Id).inspect()).State.StartedAt;
  assert.equal((await restart(key)).status, 200);
  await until(
    "other restarted",
    async () => (await docker.getContainer(other!.Id).inspect()).State.StartedAt !== startedBefore,
  );

  const status = (await (
    await fetch(`${url}/v2/state/status`, { headers: { authorization: `Bearer ${key}` } })
  ).json()) as { status: string };
  assert.equal(status.status, "success");

  // Reboot storm: the guard accepts 3 an hour and refuses the rest, force or not.
  const reboot = (force: boolean) =>
    fetch(`${url}/v1/reboot`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ force }),
    });
  const codes = [];
  for (let i = 0; i < 5; i++) codes.push((await reboot(i === 4)).status);
  assert.deepEqual(
    codes.slice(0, 3).every((c) => c >= 200 && c < 300),
    true,
    String(codes),
  );
  assert.deepEqual(codes.slice(3), [429, 429]);
  const refused = await reboot(true);
  assert.match(await refused.text(), /reboot/i);
  const ran = await until("the reboot command ran three times", async () => {
    const text = await readFile(path.join(dir, "power.log"), "utf8");
    return text.split("\n").filter(Boolean).length === 3 ? text : undefined;
  });
  assert.equal(ran, "reboot\nreboot\nreboot\n");

  // Under systemd: READY=1 once initialised, then WATCHDOG=1 every half period, from the agent.
  const ready = await notify.waitFor((d) => d.data.split("\n").includes("READY=1"), 10_000);
  assert.equal(ready.pid, daemon.child.pid);
  await notify.waitFor((d) => d.data === "WATCHDOG=1" && d.t > ready.t + 1.5, 10_000);
  const first = notify.messages().findIndex((d) => d.data.split("\n").includes("READY=1"));
  const firstPing = notify.messages().findIndex((d) => d.data === "WATCHDOG=1");
  assert.ok(first >= 0 && first < firstPing, "READY=1 before the first WATCHDOG=1");

  daemon.child.kill("SIGTERM");
  assert.equal((await daemon.exited).code, 0, daemon.output());
  await notify.waitFor((d) => d.data.split("\n").includes("STOPPING=1"), 5000);
  await assert.rejects(fetch(`${url}/ping`), "the API is closed with the agent");
});

test("at start, the daemon removes reader containers left by interrupted delta loads", async () => {
  await until("the removal in the log", async () =>
    daemon.output().includes(`left by interrupted delta loads: ${leftover}`) ? true : undefined,
  );
  await assert.rejects(docker.getContainer(leftover).inspect(), { statusCode: 404 });
});
