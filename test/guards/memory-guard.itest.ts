// The memory guard fed by the real engine's event stream: a managed service killed by the OOM
// killer under its mem_limit shows up in the per-service report. Runs on the shared private
// engine; only the container and image made here are touched.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import type { EngineClient, Container } from "../../src/engine/api/index.ts";
import { DockerEngine } from "../../src/engine/docker-engine.ts";
import { describeOoms, OomLog } from "../../src/guards/memory-guard.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";

let docker: EngineClient;
let tag: string;
const created: Container[] = [];

before(async () => {
  docker = testDocker();
  tag = `${uniqueName("ev-memguard")}:1`;
  await buildTestImage(docker, { tag });
});

after(async () => {
  for (const c of created) await c.remove({ force: true }).catch(() => {});
  await docker
    .getImage(tag)
    .remove({ force: true })
    .catch(() => {});
});

describe("memory guard on the engine's events", { timeout: 60_000 }, () => {
  test("an OOM kill of a managed service is reported per service", async () => {
    const engine = new DockerEngine(docker);
    const oomLog = new OomLog(3_600_000);
    const seen: string[] = [];
    const stop = await engine.watchEvents(
      (e) => {
        const r = oomLog.onEvent(e, Date.now());
        if (r) seen.push(r.service);
      },
      () => {},
    );
    try {
      const service = uniqueName("hog");
      const hog = await docker.createContainer({
        name: service,
        Image: tag,
        Labels: {
          "io.edgevisor.managed": "true",
          "io.edgevisor.app": "memguard",
          "io.edgevisor.service": service,
        },
        // A 64 MiB shell variable under a 16 MiB limit: the kernel's OOM killer ends it.
        Cmd: ["sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\000' a); echo ${#x}"],
        HostConfig: { Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024, NetworkMode: "none" },
      });
      created.push(hog);
      await hog.start();
      await hog.wait();
      for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(100);
      assert.deepEqual(seen, [service]);
      const report = oomLog.report(Date.now());
      assert.equal(report.total, 1);
      assert.equal(describeOoms(report), `${service} ×1`);
    } finally {
      stop();
    }
  });
});
