import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import type { Progress } from "../../src/engine/types.ts";
import { testAgent } from "../support/agent.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";
import { pushImage, registryAddress } from "../support/registry.ts";
import { release, service } from "../support/release-builders.ts";

const docker = testDocker();

test("images missing on the device are pulled from a registry, with progress", async () => {
  const registry = registryAddress();
  const name = uniqueName("ev-pull");
  const local = `${name}:build`;
  const ref = `${registry}/${name}:1`;
  await buildTestImage(docker, { tag: local, files: { "/payload.bin": randomBytes(2 << 20) } });
  await pushImage(docker, local, ref);
  await docker.getImage(ref).remove();
  await docker.getImage(local).remove();
  await assert.rejects(docker.getImage(ref).inspect(), /no such image/i);

  const agent = await testAgent();
  const app = uniqueName("ev-pullapp");
  const seen: Progress[] = [];
  try {
    const engineProgress = (p: Progress) => seen.push(p);
    await agent.engine.pullImage(ref, engineProgress);
    assert.ok(
      seen.some((p) => p.phase === "pull" && p.subject === ref && (p.total ?? 0) > 0),
      JSON.stringify(seen),
    );
    await docker.getImage(ref).remove();

    const r = release([service("web", { image: ref, command: ["sleep", "3600"] })], { app });
    const outcome = await agent.reconciler.converge(r, {
      force: false,
      signal: new AbortController().signal,
      waitHealthy: true,
      timeoutMs: 60_000,
    });
    assert.deepEqual(outcome, { status: "applied" });
    assert.deepEqual(agent.steps, [
      "create network default",
      `pull ${ref}`,
      "create and start web",
    ]);
  } finally {
    await agent.cleanup(app, [ref]);
  }
});

test("a pull that fails leaves the running release alone and says which image", async () => {
  const registry = registryAddress();
  const agent = await testAgent();
  const app = uniqueName("ev-pullfail");
  const base = `${uniqueName("ev-pullbase")}:1`;
  await buildTestImage(docker, { tag: base });
  try {
    const v1 = release([service("web", { image: base, command: ["sleep", "3600"] })], { app });
    const opts = {
      force: false,
      signal: new AbortController().signal,
      waitHealthy: false,
      timeoutMs: 30_000,
    };
    assert.deepEqual(await agent.reconciler.converge(v1, opts), { status: "applied" });
    const missing = `${registry}/${uniqueName("ev-nothere")}:9`;
    const v2 = release([service("web", { image: missing, command: ["sleep", "3600"] })], { app });
    const outcome = await agent.reconciler.converge(v2, opts);
    assert.equal(outcome.status, "failed");
    assert.match(
      outcome.status === "failed" ? outcome.reason : "",
      new RegExp(`EV_IMAGE_FETCH_FAILED: pull ${missing.replace(/[.]/g, "\\.")}`),
    );
    const [c] = await docker.listContainers({ filters: { label: [`io.edgevisor.app=${app}`] } });
    assert.equal(c?.Image, base, "the old container still runs");
  } finally {
    await agent.cleanup(app, [base]);
  }
});
