// What the planner asks for. Steps are plain data; describeStep says in words what a step
// does, and the executor has one handler per action (a new action without a handler fails
// to compile there).
import type { NetworkSpec, ServiceSpec, VolumeSpec } from "../release/types.ts";

export interface ContainerRef {
  id: string;
  name: string;
  service: string;
}

export type Step =
  | { action: "createNetwork"; network: NetworkSpec }
  | { action: "createVolume"; volume: VolumeSpec }
  | { action: "fetchImage"; service: ServiceSpec }
  | {
      action: "removeContainer";
      container: ContainerRef;
      graceMs: number;
      reason: string;
      clearHandover: boolean;
    }
  | { action: "removeImage"; image: string; service: string }
  | {
      action: "createContainer";
      service: ServiceSpec;
      configHash: string;
      /** Container whose network namespace this one joins (network_mode: service:X). */
      netnsContainerId?: string;
      clearHandover: boolean;
      /** Start it right after creating (its dependencies are met). */
      start: boolean;
    }
  | { action: "startContainer"; service: ServiceSpec; container: ContainerRef; restart: boolean }
  /** Stop and keep the container (a service held stopped through the API). */
  | { action: "stopContainer"; container: ContainerRef; graceMs: number }
  /** Stop then start the same container (unhealthy, or asked for through the API). */
  | {
      action: "restartContainer";
      service: ServiceSpec;
      container: ContainerRef;
      graceMs: number;
      reason: string;
    }
  | { action: "removeNetwork"; name: string };

export type Action = Step["action"];
export type StepOf<A extends Action> = Extract<Step, { action: A }>;

export function describeStep(step: Step): string {
  switch (step.action) {
    case "createNetwork":
      return `create network ${step.network.name}`;
    case "createVolume":
      return `create volume ${step.volume.name}`;
    case "fetchImage":
      return `${step.service.build ? "build" : "pull"} ${step.service.image}`;
    case "removeContainer":
      return `remove ${step.container.service} (${step.reason})`;
    case "removeImage":
      return `remove image of ${step.service}`;
    case "createContainer":
      return `${step.start ? "create and start" : "create"} ${step.service.name}`;
    case "startContainer":
      return `${step.restart ? "restart" : "start"} ${step.service.name}`;
    case "stopContainer":
      return `stop ${step.container.service}`;
    case "restartContainer":
      return `restart ${step.service.name} (${step.reason})`;
    case "removeNetwork":
      return `remove network ${step.name}`;
  }
}

/** The plan as one readable line: "stop web; pull app:2 ∥ pull db:2; start web". */
export function describePlan(steps: readonly Step[]): string {
  const parts: string[] = [];
  let fetches: string[] = [];
  const flush = () => {
    if (fetches.length) parts.push(fetches.join(" ∥ "));
    fetches = [];
  };
  for (const s of steps) {
    if (s.action === "fetchImage") fetches.push(describeStep(s));
    else {
      flush();
      parts.push(describeStep(s));
    }
  }
  flush();
  return parts.join("; ");
}
