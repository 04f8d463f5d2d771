// Reliability: the engine is killed (SIGKILL) in the middle of an update and comes back a
// few seconds later. The running agent waits for it, then finishes the update: one
// container per service, the new release everywhere, the volume's data intact.
import assert from "node:assert/strict";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { LABEL } from "../../src/engine/labels.ts";
import { spawnCli, type CliProcess } from "../support/cli.ts";
import { execIn } from "../support/agent.ts";
import { uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";
import { startPrivateEngine, type PrivateEngine } from "../support/private-engine.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const name = uniqueName("ev-rel-kill");
const dir = path.join(root, "var", "test", name);
const base = "ev-rel-base:1";
let engine: PrivateEngine;
let agent: CliProcess;

async function writeRelease(version: string): Promise<void> {
  for (const s of ["a", "b", "c"]) {
    await mkdir(path.join(dir, "ctx", version, s), { recursive: true });
    await writeFile(
      path.join(dir, "ctx", version, s, "Dockerfile"),
      `FROM ${base}\nRUN echo ${s}-${version} > /version\n`,
    );
  }
  const svc = (s: string, extra = "") =>
    `  ${s}:\n    build: ./ctx/${version}/${s}\n    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]\n${extra}`;
  const text = `services:\n${svc("a", "    volumes: [data:/data]\n")}${svc("b")}${svc("c")}volumes:\n  data: {}\n`;
  await writeFile(path.join(dir, "target.tmp"), text);
  await rename(path.join(dir, "target.tmp"), path.join(dir, "docker-compose.yml"));
}

async function versions(): Promise<string[]> {
  const out: string[] = [];
  for (const c of await engine.docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.app}=${name}`] },
  })) {
    out.push(
      `${c.Labels[LABEL.service]}:${c.State}:${(await execIn(engine.docker, name, c.Labels[LABEL.service]!, ["cat", "/version"]).catch(() => "?")).trim()}`,
    );
  }
  return out.sort();
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(300);
  }
  assert.fail(`timed out waiting for: ${what}\n--- agent log ---\n${agent.output()}`);
}

before(async () => {
  engine = await startPrivateEngine(path.join(dir, "engine"));
  await buildTestImage(engine.docker, { tag: base });
  await writeRelease("v1");
  agent = spawnCli(
    ["run", "--target", path.join(dir, "docker-compose.yml"), "--app", name, "--api-port", "0"],
    { dir, dockerHost: `unix://${engine.socket}` },
  );
});

after(async () => {
  if (agent.child.exitCode === null) agent.child.kill("SIGKILL");
  await engine.destroy();
  await rm(dir, { recursive: true, force: true });
});

test(
  "the engine killed mid-update: the agent waits for it and completes the update",
  { timeout: 300_000 },
  async () => {
    await until(
      "v1 running",
      async () => (await versions()).join() === "a:running:a-v1,b:running:b-v1,c:running:c-v1",
    );
    await execIn(engine.docker, name, "a", ["sh", "-c", "echo kept > /data/file"]);

    await writeRelease("v2");
    await until("the update under way", async () =>
      /→ (build|remove|create)/.test(
        agent.output().split("wake: target file changed").at(-1) ?? "",
      ),
    );
    await engine.kill("SIGKILL");
    await sleep(3000);
    await engine.start();

    await until(
      "v2 running everywhere",
      async () => (await versions()).join() === "a:running:a-v2,b:running:b-v2,c:running:c-v2",
    );
    assert.equal((await execIn(engine.docker, name, "a", ["cat", "/data/file"])).trim(), "kept");
    assert.equal(agent.child.exitCode, null, "the agent kept running through the engine's death");
  },
);
