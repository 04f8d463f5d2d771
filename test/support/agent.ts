// An agent wired to the private engine, with its state and lock directories in a fresh
// temp folder, and a cleanup that removes exactly what the test's app created.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { createAgent, type Agent } from "../../src/agent.ts";
import { LABEL } from "../../src/engine/labels.ts";
import type { Step } from "../../src/reconcile/steps.ts";
import { engineHost, testDocker } from "./engine.ts";

export interface TestAgent extends Agent {
  dir: string;
  docker: Docker;
  steps: string[];
  cleanup(app: string, images?: string[]): Promise<void>;
}

export async function testAgent(): Promise<TestAgent> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-agent-"));
  const steps: string[] = [];
  const agent = createAgent(
    {
      stateDir: path.join(dir, "state"),
      lockDir: path.join(dir, "locks"),
      dockerHost: engineHost(),
    },
    {
      progress: () => {},
      onStep: (e: { step: Step; description: string; phase: string }) => {
        if (e.phase === "done") steps.push(e.description);
      },
    },
  );
  const docker = testDocker();
  return {
    ...agent,
    dir,
    docker,
    steps,
    async cleanup(app: string, images: string[] = []) {
      const filters = { label: [`${LABEL.app}=${app}`] };
      for (const c of await docker.listContainers({ all: true, filters })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
      }
      for (const n of await docker.listNetworks({ filters }))
        await docker.getNetwork(n.Id).remove();
      for (const v of (await docker.listVolumes({ filters })).Volumes ?? [])
        await docker.getVolume(v.Name).remove();
      for (const i of images)
        await docker
          .getImage(i)
          .remove({ force: true })
          .catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Run a command in a service's running container and return its stdout. */
export async function execIn(
  docker: Docker,
  app: string,
  service: string,
  cmd: string[],
): Promise<string> {
  const [c] = await docker.listContainers({
    filters: { label: [`${LABEL.app}=${app}`, `${LABEL.service}=${service}`], status: ["running"] },
  });
  if (!c) throw new Error(`no running container for ${app}/${service}`);
  const exec = await docker
    .getContainer(c.Id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (b: Buffer) => chunks.push(b));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const raw = Buffer.concat(chunks);
  let out = "";
  for (let i = 0; i + 8 <= raw.length;) {
    const len = raw.readUInt32BE(i + 4);
    if (raw[i] === 1) out += raw.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}
