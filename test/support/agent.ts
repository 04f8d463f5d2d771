// An agent wired to the private engine, with its state and lock directories in a fresh
// temp folder, and a cleanup that removes exactly what the test's app created.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { EngineClient } from "../../src/engine/api/index.ts";
import { createAgent, type Agent } from "../../src/agent.ts";
import { LABEL } from "../../src/engine/labels.ts";
import type { Step } from "../../src/reconcile/steps.ts";
import { engineHost, testDocker } from "./engine.ts";

export interface TestAgent extends Agent {
  dir: string;
  docker: EngineClient;
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

export { execIn } from "../../scripts/lib/exec-in.ts";
