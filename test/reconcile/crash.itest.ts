// Crash safety: the real CLI is killed with SIGKILL at many different points of an update
// of a five-service release (every strategy, data in named volumes), then run again. It
// must reach the target with no duplicate or orphan container, the volumes' data intact and
// the user's own container untouched.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { LABEL } from "../../src/engine/labels.ts";
import { spawnCli } from "../support/cli.ts";
import { testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";
import { execIn } from "../support/agent.ts";

const docker = testDocker();
const app = uniqueName("ev-crash");
const base = `${app}-base:1`;
const sleeper = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`;
const handover = `["sh", "-c", "touch /tmp/balena/handover-complete; trap 'exit 0' TERM; while true; do sleep 1; done"]`;
let dir: string;

function compose(version: string): string {
  const svc = (name: string, extra: string) =>
    `  ${name}:\n    build: ./${name}\n    command: ${name === "s5" ? handover : sleeper}\n    environment:\n      VERSION: ${version}\n${extra}`;
  return [
    "services:\n",
    svc("s1", "    volumes: [data1:/data]\n"),
    svc("s2", "    depends_on: [s1]\n"),
    svc(
      "s3",
      "    volumes: [data2:/data]\n    labels:\n      io.balena.update.strategy: kill-then-download\n",
    ),
    svc("s4", "    labels:\n      io.balena.update.strategy: delete-then-download\n"),
    svc(
      "s5",
      "    labels:\n      io.balena.update.strategy: hand-over\n      io.balena.update.handover-timeout: '5000'\n",
    ),
    "volumes:\n  data1: {}\n  data2: {}\n",
  ].join("");
}

async function writeRelease(version: string): Promise<string> {
  const rel = path.join(dir, version);
  for (const s of ["s1", "s2", "s3", "s4", "s5"]) {
    await mkdir(path.join(rel, s), { recursive: true });
    await writeFile(
      path.join(rel, s, "Dockerfile"),
      `FROM ${base}\nRUN echo ${s}-${version} > /version\n`,
    );
  }
  await writeFile(path.join(rel, "docker-compose.yml"), compose(version));
  return rel;
}

async function apply(
  release: string,
  faultAt?: number,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  const cli = spawnCli(["apply", release, "--app", app, "--timeout", "120"], {
    dir,
    env: faultAt ? { EDGEVISOR_FAULT_AT: String(faultAt) } : {},
  });
  const timer = setTimeout(() => cli.child.kill("SIGKILL"), 150_000);
  const { code, signal } = await cli.exited;
  clearTimeout(timer);
  return { code, signal, out: cli.output() };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ev-crash-"));
  await buildTestImage(docker, { tag: base });
});

after(async () => {
  const filters = { label: [`${LABEL.app}=${app}`] };
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker.getContainer(c.Id).remove({ force: true, v: true });
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? [])
    await docker.getVolume(v.Name).remove();
  // By tag, never by id: identical builds share an id across test runs (build cache), and
  // removing the id would take another run's tags with it.
  for (const i of await docker.listImages()) {
    for (const tag of (i.RepoTags ?? []).filter((t) => t.startsWith(app))) {
      await docker
        .getImage(tag)
        .remove()
        .catch(() => {});
    }
  }
  await rm(dir, { recursive: true, force: true });
});

test(
  "SIGKILL at 24 points of an update, then a restart, always converges with data intact",
  { timeout: 900_000 },
  async () => {
    const v1 = await writeRelease("v1");
    const v2 = await writeRelease("v2");
    const users = await docker.createContainer({
      Image: base,
      Cmd: ["sleep", "3600"],
      name: uniqueName("users-own"),
    });
    await users.start();
    const killedAt = new Set<string>();
    try {
      for (let point = 1; point <= 24; point++) {
        const reset = await apply(v1);
        assert.equal(reset.code, 0, `reset to v1 before point ${point}:\n${reset.out}`);
        const marker = `point-${point}`;
        await execIn(docker, app, "s1", ["sh", "-c", `echo ${marker} > /data/marker`]);
        await execIn(docker, app, "s3", ["sh", "-c", `echo ${marker} > /data/marker`]);

        const crashed = await apply(v2, point);
        if (crashed.signal === "SIGKILL") {
          const where = /fault injection: SIGKILL at point \d+ \((.*)\)/.exec(crashed.out)?.[1];
          assert.ok(where, `the kill should say where it happened:\n${crashed.out}`);
          killedAt.add(where);
        } else {
          assert.equal(crashed.code, 0, crashed.out); // fewer points than `point`: it simply finished
        }

        const recovered = await apply(v2);
        assert.equal(recovered.code, 0, `recovery after point ${point}:\n${recovered.out}`);
        const containers = await docker.listContainers({
          all: true,
          filters: { label: [`${LABEL.app}=${app}`] },
        });
        const services = containers.map((c) => c.Labels[LABEL.service]).sort();
        assert.deepEqual(
          services,
          ["s1", "s2", "s3", "s4", "s5"],
          `one container per service after point ${point}`,
        );
        assert.ok(
          containers.every((c) => c.State === "running"),
          `all running after point ${point}`,
        );
        for (const s of ["s1", "s2", "s3", "s4", "s5"]) {
          assert.equal((await execIn(docker, app, s, ["cat", "/version"])).trim(), `${s}-v2`);
        }
        assert.equal((await execIn(docker, app, "s1", ["cat", "/data/marker"])).trim(), marker);
        assert.equal((await execIn(docker, app, "s3", ["cat", "/data/marker"])).trim(), marker);
        const state = JSON.parse(await readFile(path.join(dir, "state", "state.json"), "utf8"));
        assert.equal(state.status, "applied");
        assert.equal(state.inFlight, undefined);
        for (const s of await readdir(path.join(dir, "locks", app))) {
          assert.deepEqual(
            (await readdir(path.join(dir, "locks", app, s))).filter((f) => f.endsWith(".lock")),
            [],
            `no lock left behind for ${s}`,
          );
        }
      }
      assert.ok(
        killedAt.size >= 20,
        `killed at ${killedAt.size} distinct points: ${[...killedAt].join(" | ")}`,
      );
      assert.equal(
        (await users.inspect()).State.Running,
        true,
        "the user's container is untouched",
      );
    } finally {
      await users.remove({ force: true });
    }
  },
);
