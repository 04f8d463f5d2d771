import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { ContainerEngine } from "../../src/engine/types.ts";
import { Executor } from "../../src/reconcile/executor.ts";
import { LockDirs } from "../../src/reconcile/locks.ts";
import type { Step } from "../../src/reconcile/steps.ts";
import { release, service } from "../support/release-builders.ts";

/** An engine that records calls; only what these tests use is implemented. */
function recordingEngine(
  calls: string[],
  onCall: (name: string) => void = () => {},
): ContainerEngine {
  const record = (name: string) => async () => {
    calls.push(name);
    onCall(name);
  };
  return new Proxy({} as ContainerEngine, { get: (_t, prop) => record(String(prop)) });
}

const r = release([service("web")], { volumes: ["data"] });
const steps: Step[] = [
  { action: "createNetwork", network: r.networks.default! },
  { action: "createVolume", volume: r.volumes.data! },
  {
    action: "removeContainer",
    container: { id: "c1", name: "demo_web_x", service: "web" },
    graceMs: 1000,
    reason: "outdated",
    clearHandover: false,
  },
];

async function executor(
  engine: ContainerEngine,
  lockRoot: string,
  inFlight: (string | undefined)[],
) {
  return new Executor({
    engine,
    locks: new LockDirs(lockRoot),
    progress: () => {},
    onStep: () => {},
    faultPoint: () => {},
    recordInFlight: async (s) => {
      inFlight.push(s);
    },
    fetchImage: async () => {},
  });
}

test("a newer target stops the pass at the next safe point: between two steps", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-exec-"));
  try {
    const calls: string[] = [];
    const ac = new AbortController();
    const inFlight: (string | undefined)[] = [];
    const ex = await executor(
      recordingEngine(calls, () => ac.abort()),
      dir,
      inFlight,
    );
    await assert.rejects(ex.runPass(steps, { release: r, force: false, signal: ac.signal }), {
      code: "EV_ABORTED",
    });
    assert.deepEqual(calls, ["createNetwork"], "the step under way finished; nothing after it ran");
    assert.deepEqual(
      inFlight,
      ["create network default; create volume data; remove web (outdated)", undefined],
      "the pass is recorded once, then cleared",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("stopping a container takes the service's update lock and gives it back", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-exec-"));
  try {
    const calls: string[] = [];
    const locksSeen: string[][] = [];
    const lockDir = path.join(dir, "demo", "web");
    const ex = await executor(
      recordingEngine(calls, async (name) => {
        if (name === "stopContainer") locksSeen.push(await readdir(lockDir));
      }),
      dir,
      [],
    );
    await ex.runPass([steps[2]!], {
      release: r,
      force: false,
      signal: new AbortController().signal,
    });
    assert.deepEqual(calls, ["stopContainer", "removeContainer"]);
    assert.deepEqual(locksSeen, [["updates.lock"]]);
    assert.deepEqual(await readdir(lockDir), [], "released after the step");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
