// The daemon as users run it: `edgevisor run --target <file>` as a child process on the
// real engine.
import assert from "node:assert/strict";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { LABEL } from "../../src/engine/labels.ts";
import { spawnCli, type CliProcess } from "../support/cli.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";

const docker = testDocker();
const app = uniqueName("ev-daemon");
const base = `${app}-base:1`;
let dir: string;
let target: string;
let daemon: CliProcess;

function compose(version: string, extra = ""): string {
  const svc = (name: string) =>
    `  ${name}:\n    image: ${base}\n    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]\n    environment:\n      VERSION: ${version}\n`;
  return `services:\n${svc("a")}${svc("b")}${extra}`;
}

/** Replace the target the way deploy tools do: write a temp file, rename it over. */
async function setTarget(text: string): Promise<void> {
  await writeFile(`${target}.tmp`, text);
  await rename(`${target}.tmp`, target);
}

async function containers() {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL.app}=${app}`] } });
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  assert.fail(`timed out waiting for: ${what}\n--- daemon log ---\n${daemon.output()}`);
}

async function versionsRunning(): Promise<string[]> {
  const out: string[] = [];
  for (const c of await containers()) {
    // The daemon may remove a replaced container between the list and this inspect.
    const info = await docker
      .getContainer(c.Id)
      .inspect()
      .catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
      });
    if (info?.State.Running)
      out.push(
        `${c.Labels[LABEL.service]}=${info.Config.Env.find((e) => e.startsWith("VERSION="))}`,
      );
  }
  return out.sort();
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ev-daemon-"));
  target = path.join(dir, "docker-compose.yml");
  await buildTestImage(docker, { tag: base });
  await setTarget(compose("v1"));
  daemon = spawnCli(["run", "--target", target, "--app", app, "--resync", "5", "--api-port", "0"], {
    dir,
  });
});

after(async () => {
  if (daemon.child.exitCode === null) daemon.child.kill("SIGKILL");
  for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL.app}=${app}`] } }))
    await docker.getNetwork(n.Id).remove();
  await docker
    .getImage(base)
    .remove({ force: true })
    .catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

test("the daemon applies its target, repairs drift, follows target changes and stops without stopping the app", async () => {
  await until(
    "v1 running",
    async () => (await versionsRunning()).join() === "a=VERSION=v1,b=VERSION=v1",
  );

  // Killed by hand: the engine does not restart a container someone stopped; the agent does.
  const a = (await containers()).find((c) => c.Labels[LABEL.service] === "a")!;
  await docker.getContainer(a.Id).kill();
  await until("a restarted", async () => (await docker.getContainer(a.Id).inspect()).State.Running);

  // Removed by hand: recreated.
  const b = (await containers()).find((c) => c.Labels[LABEL.service] === "b")!;
  await docker.getContainer(b.Id).remove({ force: true });
  await until(
    "b recreated",
    async () => (await versionsRunning()).join() === "a=VERSION=v1,b=VERSION=v1",
  );

  // A new target is picked up from the file.
  await setTarget(compose("v2"));
  await until("v2 running", async () => {
    const all = await containers();
    return all.length === 2 && (await versionsRunning()).join() === "a=VERSION=v2,b=VERSION=v2";
  });

  // An invalid target is refused; the running release is untouched.
  const before = (await containers()).map((c) => c.Id).sort();
  await setTarget(compose("v3", "  c:\n    image: ${base}\n    mem_limit: lots\n"));
  await until("the invalid target reported", async () =>
    /rejected, keeping the running release/.test(daemon.output()),
  );
  assert.match(daemon.output(), /services\.c\.mem_limit/);
  await sleep(1000);
  assert.deepEqual((await containers()).map((c) => c.Id).sort(), before);
  assert.equal((await versionsRunning()).join(), "a=VERSION=v2,b=VERSION=v2");

  // SIGTERM ends the agent, not the app.
  daemon.child.kill("SIGTERM");
  assert.equal((await daemon.exited).code, 0, daemon.output());
  assert.equal((await versionsRunning()).join(), "a=VERSION=v2,b=VERSION=v2");
});
