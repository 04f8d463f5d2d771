import assert from "node:assert/strict";
import { test } from "node:test";
import { testDocker, uniqueName } from "../support/engine.ts";
import { useBaseImage } from "../support/images.ts";
import { startTestDaemon } from "../support/daemon.ts";
import { runningServiceEnv } from "../support/service-state.ts";

const docker = testDocker();
const base = useBaseImage("ev-rb-base");

function compose(version: string, command: string): string {
  return `services:
  web:
    image: ${base}
    command: ["sh", "-c", "${command}"]
    environment:
      VERSION: ${version}
  db:
    image: ${base}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`;
}
const healthy = "trap 'exit 0' TERM; while true; do sleep 1; done";

test("a release that crash-loops in its test window is rolled back and not retried until the target changes", async () => {
  const app = uniqueName("ev-rb");
  const d = await startTestDaemon(app, compose("v1", healthy), 2000);
  try {
    await d.until(
      "v1 committed",
      () => d.agent.store.get().current?.release.services.web?.environment.VERSION === "v1",
    );
    const v1Id = d.agent.store.get().current!.release.releaseId;

    await d.setTarget(compose("v2", "echo broken; exit 3"));
    await d.until("v2 rejected", () => d.agent.store.get().rejected !== undefined);
    const rejected = d.agent.store.get().rejected!;
    assert.match(
      rejected.reason,
      /^web: (crash loop|exited with code 3|restarted during the test window)/,
    );
    await d.until(
      "v1 running again",
      async () => (await runningServiceEnv(docker, app, "web", "VERSION")) === "v1",
    );
    // v1's container runs a moment before the pass that started it ends and records the
    // rollback ("rolling back to …" until then).
    await d.until("rollback recorded", () =>
      /rolled back to/.test(d.agent.store.get().reason ?? ""),
    );

    const state = d.agent.store.get();
    assert.equal(state.status, "failed");
    assert.match(state.reason!, new RegExp(`rejected .*rolled back to ${v1Id}`));
    assert.equal(state.current?.release.releaseId, v1Id);
    assert.equal(d.controller.snapshot().status.overall, "failed");

    // Not retried: over several resyncs the device stays on v1.
    await new Promise((r) => setTimeout(r, 3000)); // three resync periods
    assert.equal(await runningServiceEnv(docker, app, "web", "VERSION"), "v1");

    // A new target is tried.
    await d.setTarget(compose("v3", healthy));
    await d.until(
      "v3 committed",
      () => d.agent.store.get().current?.release.services.web?.environment.VERSION === "v3",
    );
    assert.equal(d.agent.store.get().status, "applied");
    assert.equal(await runningServiceEnv(docker, app, "web", "VERSION"), "v3");
  } finally {
    await d.stop();
  }
});
