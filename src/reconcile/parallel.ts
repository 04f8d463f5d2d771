// Which steps of one pass may run side by side: consecutive steps of the same kind
// (fetches, container removes, creates, starts), each for another service, none depending
// on another of the batch. Everything else runs alone, in the planner's order.
import type { Release } from "../release/types.ts";
import type { Action, Step } from "./steps.ts";

const PARALLEL: ReadonlySet<Action> = new Set([
  "fetchImage",
  "removeContainer",
  "createContainer",
  "startContainer",
]);

/**
 * The steps from `from` on that can run together: the same parallel action, each for another
 * service, and (except fetches) no service depending on another of the batch through
 * depends_on or network_mode: service:X. The planner orders dependent removes first, so
 * cutting the batch at a dependency keeps that order.
 */
export function parallelBatch(steps: readonly Step[], from: number, release: Release): Step[] {
  const first = steps[from]!;
  if (!PARALLEL.has(first.action)) return [first];
  const batch = [first];
  const services = new Set([serviceOf(first)]);
  for (let i = from + 1; i < steps.length; i++) {
    const s = steps[i]!;
    const name = serviceOf(s);
    if (s.action !== first.action || services.has(name)) break;
    if (
      s.action !== "fetchImage" &&
      [...services].some((o) => dependsOn(release, name, o) || dependsOn(release, o, name))
    )
      break;
    batch.push(s);
    services.add(name);
  }
  return batch;
}

function serviceOf(s: Step): string {
  switch (s.action) {
    case "removeContainer":
      return s.container.service;
    case "fetchImage":
    case "createContainer":
    case "startContainer":
      return s.service.name;
    default:
      return ""; // not a service's step, and never batched
  }
}

function dependsOn(release: Release, service: string, on: string): boolean {
  const s = release.services[service];
  return s !== undefined && (on in s.dependsOn || s.networkMode === `service:${on}`);
}

const CONTAINER_ACTIONS: ReadonlySet<Action> = new Set([
  "removeContainer",
  "removeImage",
  "createContainer",
  "startContainer",
  "stopContainer",
  "restartContainer",
]);

function ownerOf(s: Step): string | undefined {
  switch (s.action) {
    case "removeContainer":
    case "stopContainer":
      return s.container.service;
    case "removeImage":
      return s.service;
    case "createContainer":
    case "startContainer":
    case "restartContainer":
      return s.service.name;
    default:
      return undefined;
  }
}

/**
 * Per-service chains for container steps of services that do not depend on one another:
 * each service's steps keep their order (stop the old, then create and start the new) and
 * the chains run side by side, so a slow stop holds back only its own service. Undefined
 * when the steps cannot be split that way; then they run in batches.
 */
export function serviceChains(steps: readonly Step[], release: Release): Step[][] | undefined {
  const chains = new Map<string, Step[]>();
  for (const s of steps) {
    const owner = CONTAINER_ACTIONS.has(s.action) ? ownerOf(s) : undefined;
    if (owner === undefined) return undefined;
    chains.set(owner, [...(chains.get(owner) ?? []), s]);
  }
  const names = [...chains.keys()];
  for (const a of names) {
    if (names.some((b) => b !== a && dependsOn(release, a, b))) return undefined;
  }
  return [...chains.values()];
}
