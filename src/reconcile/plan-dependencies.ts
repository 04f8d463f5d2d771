// depends_on for the planner: how deep a service sits (dependents are removed first) and
// which conditions (started / healthy / completed) are not met yet. Pure.
import type { DependsOnCondition, Release, ServiceSpec } from "../release/types.ts";
import type { ContainerState } from "../engine/types.ts";
import { isNone, netnsService, type PlanContext } from "./plan-context.ts";

/** 0 for a service that depends on nothing, 1 + the deepest dependency otherwise. */
export function dependencyDepths(target: Release): Map<string, number> {
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const s = target.services[name];
    if (!s || seen.has(name)) return 0;
    seen.add(name);
    const deps = [...Object.keys(s.dependsOn), ...(netnsService(s) ? [netnsService(s)!] : [])];
    const d = deps.length ? 1 + Math.max(...deps.map((x) => visit(x, seen))) : 0;
    depth.set(name, d);
    return d;
  };
  for (const name of Object.keys(target.services)) visit(name, new Set());
  return depth;
}

export function unmetDependencies(ctx: PlanContext, s: ServiceSpec): string[] {
  const unmet: string[] = [];
  for (const [dep, { condition }] of Object.entries(s.dependsOn)) {
    const spec = ctx.input.target.services[dep];
    const c = spec && ctx.currentOf(spec);
    if (!c || !conditionMet(condition, c, spec))
      unmet.push(`${dep} to be ${conditionWord(condition)}`);
  }
  const netns = netnsService(s);
  if (netns && !s.dependsOn[netns]) {
    const owner = ctx.input.target.services[netns];
    const c = owner && ctx.currentOf(owner);
    if (!c || c.status !== "running") unmet.push(`${netns} to be running`);
  }
  return unmet;
}

function conditionMet(
  condition: DependsOnCondition,
  c: ContainerState,
  spec: ServiceSpec,
): boolean {
  switch (condition) {
    case "service_started":
      return c.status === "running" || (c.status === "exited" && c.startedAt !== undefined);
    case "service_healthy":
      return (
        c.status === "running" && (!spec.healthcheck || isNone(spec) || c.health === "healthy")
      );
    case "service_completed_successfully":
      return c.status === "exited" && c.exitCode === 0 && c.startedAt !== undefined;
  }
}

function conditionWord(condition: DependsOnCondition): string {
  return {
    service_started: "started",
    service_healthy: "healthy",
    service_completed_successfully: "completed",
  }[condition];
}
