// Each step's predicted effect on the engine snapshot, without running it. Used to show a
// whole update ahead of time (apply --dry-run) and to test multi-pass plans without an
// engine. Ids are made up but stable, so the same plan always prints the same way.
import { createHash } from "node:crypto";
import type { Release } from "../release/types.ts";
import type { EngineSnapshot } from "../engine/types.ts";
import { containerName, networkName, volumeName } from "../engine/names.ts";
import { planUpdate, type PlannerInput } from "./planner.ts";
import { describePlan, type Step } from "./steps.ts";

function fakeId(kind: string, key: string): string {
  return `sha256:${createHash("sha256").update(`${kind}:${key}`).digest("hex")}`;
}

export function predictEffect(
  release: Release,
  before: EngineSnapshot,
  step: Step,
  now: number,
): EngineSnapshot {
  const s: EngineSnapshot = structuredClone(before);
  const app = release.app;
  switch (step.action) {
    case "createNetwork": {
      const name = networkName(app, step.network.name);
      s.networks.push({ name, id: fakeId("network", name), app });
      break;
    }
    case "createVolume":
      s.volumes.push({ name: volumeName(app, step.volume.name), app });
      break;
    case "fetchImage": {
      const ref = step.service.image;
      const existing = s.images.find((i) => i.refs.includes(ref));
      if (!existing) s.images.push({ id: fakeId("image", ref), refs: [ref] });
      break;
    }
    case "removeContainer":
      s.containers = s.containers.filter((c) => c.id !== step.container.id);
      break;
    case "removeImage":
      // By id: the image goes. By reference: the reference goes, the content with its last one.
      s.images = s.images
        .filter((img) => img.id !== step.image)
        .map((img) => ({ ...img, refs: img.refs.filter((r) => r !== step.image) }))
        .filter(
          (img) =>
            img.refs.length > 0 ||
            !before.images.some((b) => b.id === img.id && b.refs.includes(step.image)),
        );
      break;
    case "createContainer": {
      const svc = step.service;
      const name = containerName(app, svc.name, step.configHash);
      const image = s.images.find((i) => i.refs.includes(svc.image) || i.id === svc.image);
      s.containers.push({
        id: fakeId("container", name).slice("sha256:".length),
        name,
        app,
        service: svc.name,
        releaseId: release.releaseId,
        configHash: step.configHash,
        imageId: image?.id ?? "",
        image: svc.image,
        status: step.start ? "running" : "created",
        ...(step.start ? { startedAt: now } : {}),
        ...(step.start && svc.healthcheck ? { health: "healthy" as const } : {}),
        ...(step.netnsContainerId ? { netnsOf: step.netnsContainerId } : {}),
      });
      break;
    }
    case "startContainer": {
      const c = s.containers.find((x) => x.id === step.container.id);
      if (c) {
        c.status = "running";
        c.startedAt = now;
        if (step.service.healthcheck) c.health = "healthy";
      }
      break;
    }
    case "stopContainer": {
      const c = s.containers.find((x) => x.id === step.container.id);
      if (c) c.status = "exited";
      break;
    }
    case "restartContainer": {
      const c = s.containers.find((x) => x.id === step.container.id);
      if (c) {
        c.status = "running";
        c.startedAt = now;
        if (c.health) c.health = "healthy";
      }
      break;
    }
    case "removeNetwork":
      s.networks = s.networks.filter((n) => n.name !== step.name);
      break;
  }
  return s;
}

export interface SimulatedPass {
  plan: string;
  waiting: string[];
}

/**
 * Plan, apply the predicted effects, plan again — until nothing is left or maxPasses.
 * Time advances by `tickMs` per pass so timeouts (hand-over) can elapse.
 */
export function simulate(
  input: PlannerInput,
  opts: {
    maxPasses?: number;
    tickMs?: number;
    afterPass?: (engine: EngineSnapshot, pass: number) => EngineSnapshot;
  } = {},
): { passes: SimulatedPass[]; final: EngineSnapshot; converged: boolean } {
  let engine = input.engine;
  let now = input.now;
  const passes: SimulatedPass[] = [];
  for (let i = 0; i < (opts.maxPasses ?? 20); i++) {
    const plan = planUpdate({ ...input, engine, now });
    if (plan.steps.length === 0) {
      if (plan.waiting.length === 0) return { passes, final: engine, converged: true };
      passes.push({ plan: "", waiting: plan.waiting });
    } else {
      passes.push({ plan: describePlan(plan.steps), waiting: plan.waiting });
      for (const step of plan.steps) engine = predictEffect(input.target, engine, step, now);
    }
    if (opts.afterPass) engine = opts.afterPass(engine, i);
    now += opts.tickMs ?? 1000;
  }
  return { passes, final: engine, converged: false };
}
