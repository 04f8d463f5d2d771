import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ConvergeOutcome } from "../../src/reconcile/reconciler.ts";
import type { Release, ServiceSpec } from "../../src/release/types.ts";
import { LABEL } from "../../src/engine/labels.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";
import { execIn, testAgent, type TestAgent } from "../support/agent.ts";
import { release, service } from "../support/release-builders.ts";

const docker = testDocker();
const base = `${uniqueName("ev-it-base")}:1`;
let contexts: string;

before(async () => {
  await buildTestImage(docker, { tag: base });
  contexts = await mkdtemp(path.join(os.tmpdir(), "ev-ctx-"));
});

after(async () => {
  await docker
    .getImage(base)
    .remove({ force: true })
    .catch(() => {});
  await rm(contexts, { recursive: true, force: true });
});

/** A build service whose image content is `version`; its tag changes with it. */
async function built(
  name: string,
  app: string,
  version: string,
  over: Partial<ServiceSpec> = {},
): Promise<ServiceSpec> {
  const dir = path.join(contexts, `${app}-${name}-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "Dockerfile"), `FROM ${base}\nRUN echo ${version} > /version\n`);
  return service(name, {
    image: `${app}_${name}:${version}`,
    build: { context: dir, dockerfile: "Dockerfile", args: {}, labels: {} },
    ...over,
  });
}

const dataVolume = { type: "volume" as const, source: "data", target: "/data", readOnly: false };
const sleeper = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"];

async function converge(
  agent: TestAgent,
  target: Release,
  timeoutMs = 60_000,
): Promise<ConvergeOutcome> {
  return agent.reconciler.converge(target, {
    force: false,
    signal: new AbortController().signal,
    waitHealthy: true,
    timeoutMs,
    pollMs: 200,
  });
}

async function containersOf(app: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL.app}=${app}`] } });
}

describe("reconciler on the real engine", () => {
  test("installs a release, then updates one service (download-then-kill) keeping the volume's data", async () => {
    const app = uniqueName("ev-dtk");
    const agent = await testAgent();
    try {
      const db = service("db", { image: base, command: sleeper, volumes: [dataVolume] });
      const v1 = release(
        [
          db,
          await built("web", app, "v1", { dependsOn: { db: { condition: "service_started" } } }),
        ],
        {
          app,
          volumes: ["data"],
        },
      );
      assert.deepEqual(await converge(agent, v1), { status: "applied" });
      assert.equal((await execIn(docker, app, "web", ["cat", "/version"])).trim(), "v1");
      await execIn(docker, app, "db", ["sh", "-c", "echo precious > /data/file"]);
      const dbBefore = (await containersOf(app)).find((c) => c.Labels[LABEL.service] === "db")!.Id;

      const v2 = release(
        [
          db,
          await built("web", app, "v2", { dependsOn: { db: { condition: "service_started" } } }),
        ],
        {
          app,
          volumes: ["data"],
          releaseId: "r2",
        },
      );
      agent.steps.length = 0;
      assert.deepEqual(await converge(agent, v2), { status: "applied" });
      assert.deepEqual(agent.steps, [
        `build ${app}_web:v2`,
        "remove web (outdated)",
        "create and start web",
      ]);
      assert.equal((await execIn(docker, app, "web", ["cat", "/version"])).trim(), "v2");
      const after = await containersOf(app);
      assert.equal(after.length, 2, "no duplicate or orphan containers");
      assert.equal(
        after.find((c) => c.Labels[LABEL.service] === "db")!.Id,
        dbBefore,
        "db untouched",
      );
      assert.equal((await execIn(docker, app, "db", ["cat", "/data/file"])).trim(), "precious");
    } finally {
      await agent.cleanup(app, [`${app}_web:v1`, `${app}_web:v2`]);
    }
  });

  test("delete-then-download removes the old image before building the new one", async () => {
    const app = uniqueName("ev-dtd");
    const agent = await testAgent();
    try {
      const v1 = release(
        [await built("web", app, "v1", { updateStrategy: "delete-then-download" })],
        { app },
      );
      assert.deepEqual(await converge(agent, v1), { status: "applied" });
      const v2 = release(
        [await built("web", app, "v2", { updateStrategy: "delete-then-download" })],
        { app },
      );
      agent.steps.length = 0;
      assert.deepEqual(await converge(agent, v2), { status: "applied" });
      assert.deepEqual(agent.steps, [
        "remove web (outdated)",
        "remove image of web",
        `build ${app}_web:v2`,
        "create and start web",
      ]);
      await assert.rejects(docker.getImage(`${app}_web:v1`).inspect(), /no such image/i);
    } finally {
      await agent.cleanup(app, [`${app}_web:v2`]);
    }
  });

  test("hand-over: the old container runs until the new one writes handover-complete", async () => {
    const app = uniqueName("ev-ho");
    const agent = await testAgent();
    const handover = {
      updateStrategy: "hand-over" as const,
      handoverTimeoutMs: 60_000,
      command: [
        "sh",
        "-c",
        "sleep 1; touch /tmp/balena/handover-complete; trap 'exit 0' TERM; while true; do sleep 1; done",
      ],
    };
    try {
      const v1 = release([await built("web", app, "v1", handover)], { app });
      assert.deepEqual(await converge(agent, v1), { status: "applied" });
      const oldId = (await containersOf(app))[0]!.Id;
      const v2 = release([await built("web", app, "v2", handover)], { app });
      agent.steps.length = 0;
      assert.deepEqual(await converge(agent, v2), { status: "applied" });
      assert.deepEqual(agent.steps, [
        `build ${app}_web:v2`,
        "create and start web",
        "remove web (handed over)",
      ]);
      const now = await containersOf(app);
      assert.equal(now.length, 1);
      assert.notEqual(now[0]!.Id, oldId);
    } finally {
      await agent.cleanup(app, [`${app}_web:v1`, `${app}_web:v2`]);
    }
  });

  test("an update lock held by the app keeps the old container until it is released", async () => {
    const app = uniqueName("ev-lock");
    const agent = await testAgent();
    try {
      const v1 = release([await built("web", app, "v1")], { app });
      assert.deepEqual(await converge(agent, v1), { status: "applied" });
      // The app takes its lock from inside the container, as balena apps do.
      await execIn(docker, app, "web", ["touch", "/tmp/balena/updates.lock"]);
      const v2 = release([await built("web", app, "v2")], { app });
      const blocked = await converge(agent, v2, 2000);
      assert.equal(blocked.status, "failed");
      assert.deepEqual(blocked.status === "failed" && blocked.waiting, [
        "web: update lock held, old container kept",
      ]);
      assert.equal((await execIn(docker, app, "web", ["cat", "/version"])).trim(), "v1");
      await execIn(docker, app, "web", ["rm", "/tmp/resin/updates.lock"]);
      assert.deepEqual(await converge(agent, v2), { status: "applied" });
      assert.equal((await execIn(docker, app, "web", ["cat", "/version"])).trim(), "v2");
    } finally {
      await agent.cleanup(app, [`${app}_web:v1`, `${app}_web:v2`]);
    }
  });

  test("restores a container removed by hand and never touches the user's own containers", async () => {
    const app = uniqueName("ev-drift");
    const agent = await testAgent();
    const mine = await docker.createContainer({
      Image: base,
      Cmd: sleeper,
      name: uniqueName("users-own"),
    });
    try {
      await mine.start();
      const v1 = release(
        [
          service("a", { image: base, command: sleeper }),
          service("b", { image: base, command: sleeper }),
        ],
        { app },
      );
      assert.deepEqual(await converge(agent, v1), { status: "applied" });
      const a = (await containersOf(app)).find((c) => c.Labels[LABEL.service] === "a")!;
      await docker.getContainer(a.Id).remove({ force: true });
      const b = (await containersOf(app)).find((c) => c.Labels[LABEL.service] === "b")!;
      await docker.getContainer(b.Id).kill();
      agent.steps.length = 0;
      assert.deepEqual(await converge(agent, v1), { status: "applied" });
      assert.deepEqual(agent.steps.sort(), ["create and start a", "restart b"]);
      assert.equal((await mine.inspect()).State.Running, true, "the user's container is untouched");
    } finally {
      await mine.remove({ force: true });
      await agent.cleanup(app);
    }
  });

  test("depends_on service_healthy: the dependent starts only once the dependency is healthy", async () => {
    const app = uniqueName("ev-dep");
    const agent = await testAgent();
    try {
      const db = service("db", {
        image: base,
        command: [
          "sh",
          "-c",
          "sleep 2; touch /tmp/ready; trap 'exit 0' TERM; while true; do sleep 1; done",
        ],
        healthcheck: { test: ["CMD", "test", "-f", "/tmp/ready"], intervalMs: 500, retries: 20 },
      });
      const web = service("web", {
        image: base,
        command: sleeper,
        dependsOn: { db: { condition: "service_healthy" } },
      });
      assert.deepEqual(await converge(agent, release([db, web], { app })), { status: "applied" });
      const byService = Object.fromEntries(
        await Promise.all(
          (await containersOf(app)).map(
            async (c) =>
              [c.Labels[LABEL.service], await docker.getContainer(c.Id).inspect()] as const,
          ),
        ),
      );
      const webStarted = Date.parse(byService.web!.State.StartedAt);
      const dbStarted = Date.parse(byService.db!.State.StartedAt);
      assert.ok(
        webStarted - dbStarted >= 2000,
        `web started ${webStarted - dbStarted} ms after db; db is healthy after ≥ 2 s`,
      );
    } finally {
      await agent.cleanup(app);
    }
  });
});

describe("container configuration on the real engine", () => {
  test("the engine runs a service with what its compose fields ask for", async () => {
    const app = uniqueName("ev-fields");
    const agent = await testAgent();
    try {
      const web = service("web", {
        image: base,
        command: sleeper,
        environment: { GREETING: "hello" },
        labels: { "com.example.role": "front" },
        ports: [{ target: 8080, published: 0, hostIp: "127.0.0.1", protocol: "tcp" }],
        volumes: [dataVolume, { type: "tmpfs", target: "/cache", sizeBytes: 4 << 20 }],
        capAdd: ["NET_RAW"],
        capDrop: ["MKNOD"],
        networks: { front: { aliases: ["www"] }, back: { aliases: [] } },
        memLimit: 48 << 20,
        cpus: 0.5,
        ulimits: { core: { soft: 0, hard: 0 }, nofile: { soft: 1024, hard: 2048 } },
        sysctls: { "net.core.somaxconn": "512" },
        extraHosts: ["fleet.example:127.0.0.2"],
        init: true,
        readOnly: true,
        shmSize: 16 << 20,
        stopSignal: "SIGINT",
        securityOpt: ["no-new-privileges"],
        oomScoreAdj: 300,
        workingDir: "/data",
      });
      const r = release([web], { app, volumes: ["data"], networks: ["front", "back"] });
      assert.deepEqual(await converge(agent, r), { status: "applied" });
      const [c] = await containersOf(app);
      const info = await docker.getContainer(c!.Id).inspect();
      assert.ok(info.Config.Env.includes("GREETING=hello"));
      assert.equal(info.Config.Labels["com.example.role"], "front");
      assert.equal((info.Config as { StopSignal?: string }).StopSignal, "SIGINT");
      assert.equal(info.Config.WorkingDir, "/data");
      assert.equal(info.HostConfig.Memory, 48 << 20);
      assert.equal(info.HostConfig.NanoCpus, 5e8);
      assert.equal(info.HostConfig.ReadonlyRootfs, true);
      assert.equal(info.HostConfig.Init, true);
      assert.equal(info.HostConfig.OomScoreAdj, 300);
      assert.deepEqual(info.HostConfig.Ulimits, [
        { Name: "core", Soft: 0, Hard: 0 },
        { Name: "nofile", Soft: 1024, Hard: 2048 },
      ]);
      assert.deepEqual(Object.keys(info.NetworkSettings.Networks).sort(), [
        `${app}_back`,
        `${app}_front`,
      ]);
      assert.ok(info.NetworkSettings.Networks[`${app}_front`]!.Aliases!.includes("www"));
      assert.match(
        (
          await execIn(docker, app, "web", [
            "sh",
            "-c",
            "ulimit -c; cat /proc/sys/net/core/somaxconn",
          ])
        ).trim(),
        /^0\n512$/,
      );
      assert.match(
        await execIn(docker, app, "web", ["cat", "/etc/hosts"]),
        /127\.0\.0\.2\s+fleet\.example/,
      );
      assert.match(
        await execIn(docker, app, "web", ["sh", "-c", "touch /x 2>&1 || echo read-only"]),
        /read-only/,
      );
      assert.match(
        await execIn(docker, app, "web", ["sh", "-c", "grep ' /cache ' /proc/mounts"]),
        /tmpfs \/cache tmpfs/,
      );
      const published = info.NetworkSettings.Ports["8080/tcp"]?.[0];
      assert.equal(published?.HostIp, "127.0.0.1");
    } finally {
      await agent.cleanup(app);
    }
  });
});
