// The agent's side of the API port, on the real engine: requests become loop work.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LABEL } from "../../src/engine/labels.ts";
import { execIn } from "../support/agent.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import { useBaseImage } from "../support/images.ts";
import { startTestDaemon } from "../support/daemon.ts";

const docker = testDocker();
const base = useBaseImage("ev-ctl-base");

const loop = "echo started; trap 'exit 0' TERM; while true; do sleep 1; done";
function compose(withVolume: boolean): string {
  return `services:
  web:
    image: ${base}
    command: ["sh", "-c", "${loop}"]
${withVolume ? "    volumes: [data:/data]\n" : ""}  db:
    image: ${base}
    command: ["sh", "-c", "${loop}"]
${withVolume ? "volumes:\n  data: {}\n" : ""}`;
}

async function web(app: string) {
  const [c] = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.app}=${app}`, `${LABEL.service}=web`] },
  });
  return c ? docker.getContainer(c.Id).inspect() : undefined;
}

test("API requests act on the release through the loop", async () => {
  const app = uniqueName("ev-ctl");
  const d = await startTestDaemon(app, compose(true), 0);
  const ctl = d.controller;
  try {
    await d.until("applied", () => ctl.snapshot().status.overall === "applied");
    const snap = ctl.snapshot();
    assert.equal(snap.appName, app);
    assert.match(snap.uuid, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      snap.status.services.map((s) => [s.service, s.state]),
      [
        ["web", "running"],
        ["db", "running"],
      ],
    );

    // restart-service: same container, started again
    const before = (await web(app))!;
    await ctl.request({ kind: "restartService", service: "web", force: false });
    await d.until(
      "web restarted",
      async () => (await web(app))!.State.StartedAt !== before.State.StartedAt,
    );
    assert.equal((await web(app))!.Id, before.Id);

    // stop-service holds it stopped through resyncs; start-service brings it back
    await ctl.request({ kind: "stopService", service: "web", force: false });
    await d.until("web stopped", async () => (await web(app))!.State.Running === false);
    await new Promise((r) => setTimeout(r, 2500)); // resyncs do not restart it
    assert.equal((await web(app))!.State.Running, false);
    assert.deepEqual(ctl.snapshot().stoppedServices, ["web"]);
    await ctl.request({ kind: "startService", service: "web" });
    await d.until("web running", async () => (await web(app))!.State.Running === true);

    // locks: refused with EV_UPDATE_LOCKED, unless forced
    await execIn(docker, app, "web", ["touch", "/tmp/balena/updates.lock"]);
    await assert.rejects(ctl.request({ kind: "restartService", service: "web", force: false }), {
      code: "EV_UPDATE_LOCKED",
    });
    await assert.rejects(ctl.request({ kind: "restartService", service: "nope", force: false }), {
      code: "EV_USAGE",
    });
    await execIn(docker, app, "web", ["rm", "/tmp/balena/updates.lock"]);

    // logs
    const ac = new AbortController();
    const lines = [];
    for await (const l of ctl.logs({ follow: false, services: ["db"] }, ac.signal)) lines.push(l);
    assert.ok(
      lines.some((l) => l.service === "db" && l.message === "started" && !l.isStdErr),
      JSON.stringify(lines),
    );

    // purge: volume data gone, containers back
    await execIn(docker, app, "web", ["sh", "-c", "echo keep > /data/file"]);
    await ctl.request({ kind: "purge", force: false });
    await d.until("purged and running again", async () => {
      const w = await web(app);
      if (!w?.State.Running || w.Id === before.Id) return false;
      return (
        (
          await execIn(docker, app, "web", ["sh", "-c", "cat /data/file 2>/dev/null || echo none"])
        ).trim() === "none"
      );
    });

    // cleanup-volumes: only what the target no longer uses, only when asked
    await d.setTarget(compose(false));
    await d.until("v2 applied, volume unused", () => {
      const snap = ctl.snapshot();
      return (
        snap.status.overall === "applied" &&
        snap.status.pendingSteps === 0 &&
        snap.unusedVolumes.length === 1
      );
    });
    assert.deepEqual(ctl.snapshot().unusedVolumes, [`${app}_data`]);
    await ctl.request({ kind: "cleanupVolumes" });
    await d.until("volume removed", async () =>
      ((await docker.listVolumes()).Volumes ?? []).every((v) => v.Name !== `${app}_data`),
    );
  } finally {
    await d.stop();
  }
});
