// The planner: (what the engine has, what the release wants) → the steps that can run now,
// and what is waiting. Pure: no I/O, time comes in as `now`. The loop calls it again after
// every pass, so each call only has to find the next safe move; convergence is "no steps
// and nothing waiting".
import type { Release, ServiceSpec } from "../release/types.ts";
import type { ContainerState, EngineSnapshot } from "../engine/types.ts";
import { networkName, volumeName } from "../engine/names.ts";
import { isNone, netnsService, PlanContext, StepBuckets } from "./plan-context.ts";
import { dependencyDepths, unmetDependencies } from "./plan-dependencies.ts";
import type { ContainerRef, Step } from "./steps.ts";

export interface ServiceLocks {
  /** updates.lock (or resin-updates.lock) exists in the service's lock directory. */
  locked: boolean;
  /** The new container of a hand-over wrote handover-complete (or resin-kill-me). */
  handoverComplete: boolean;
}

export interface PlannerInput {
  target: Release;
  engine: EngineSnapshot;
  /** By service name; services without an entry hold no lock. */
  locks: Record<string, ServiceLocks>;
  now: number;
  /** Override update locks (balena's "force"). */
  force: boolean;
  /** Container id → epoch ms before which the agent must not restart it. */
  backoffUntil: Record<string, number>;
  /** Services held stopped through the API: never started, stopped if running. */
  stopped?: readonly string[];
}

export interface Plan {
  steps: Step[];
  /** Why the release is not reached yet although no step can run now. */
  waiting: string[];
}

const DEFAULT_STOP_GRACE_MS = 10_000;

export function planUpdate(input: PlannerInput): Plan {
  const { target, engine } = input;
  const app = target.app;
  const ctx = new PlanContext(input);

  const infra: Step[] = [];
  for (const n of Object.values(target.networks)) {
    if (!engine.networks.some((e) => e.name === networkName(app, n.name)))
      infra.push({ action: "createNetwork", network: n });
  }
  for (const v of Object.values(target.volumes)) {
    if (!engine.volumes.some((e) => e.name === volumeName(app, v.name)))
      infra.push({ action: "createVolume", volume: v });
  }

  const out = new StepBuckets();
  for (const service of Object.values(target.services))
    planService(ctx, service, out, infra.length === 0);
  planRemovedServices(ctx, out);
  if (out.isEmptyOfContainerWork()) planRemovedNetworks(ctx, out);
  // Dependents go before what they depend on (a network_mode: service:X container before X).
  const depth = dependencyDepths(target);
  out.remove.sort((a, b) => serviceDepth(depth, b) - serviceDepth(depth, a));
  return { steps: [...infra, ...out.ordered()], waiting: ctx.waiting };
}

function serviceDepth(depth: Map<string, number>, step: Step): number {
  return step.action === "removeContainer" ? (depth.get(step.container.service) ?? 0) : 0;
}

function ref(c: ContainerState): ContainerRef {
  return { id: c.id, name: c.name, service: c.service };
}

function removeStep(
  s: { name: string; stopGracePeriodMs?: number } | undefined,
  c: ContainerState,
  reason: string,
  clearHandover = false,
): Step {
  return {
    action: "removeContainer",
    container: ref(c),
    graceMs: s?.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS,
    reason,
    clearHandover,
  };
}

function planService(
  ctx: PlanContext,
  s: ServiceSpec,
  out: StepBuckets,
  infraReady: boolean,
): void {
  const all = ctx.containersOf(s.name);
  const current = all.filter((c) => ctx.isCurrent(s, c));
  const outdated = all.filter((c) => !ctx.isCurrent(s, c));
  const [cur, ...duplicates] = [...current].sort((a, b) => rank(b) - rank(a));
  for (const d of duplicates) out.remove.push(removeStep(s, d, "duplicate"));
  const imagePresent = ctx.imageId(s.image) !== undefined;

  if (!cur) {
    if (outdated.length > 0) return planReplace(ctx, s, outdated, imagePresent, out, infraReady);
    if (!imagePresent) {
      out.fetch.push({ action: "fetchImage", service: s });
      return;
    }
    if (infraReady) planCreate(ctx, s, out, false);
    return;
  }

  if (outdated.length > 0) {
    // A hand-over in progress (or leftovers of an interrupted update): the old containers
    // go once the new one has taken over.
    if (s.updateStrategy === "hand-over") planHandoverEnd(ctx, s, cur, outdated, out);
    else if (ctx.locked(s.name)) ctx.wait(`${s.name}: update lock held, old container kept`);
    else for (const c of outdated) out.remove.push(removeStep(s, c, "outdated"));
  }
  planRunning(ctx, s, cur, out);
}

function rank(c: ContainerState): number {
  return (c.status === "running" ? 2 : 0) + (c.startedAt ? 1 : 0);
}

function planReplace(
  ctx: PlanContext,
  s: ServiceSpec,
  outdated: ContainerState[],
  imagePresent: boolean,
  out: StepBuckets,
  infraReady: boolean,
): void {
  const locked = ctx.locked(s.name);
  switch (s.updateStrategy) {
    case "download-then-kill":
      if (!imagePresent) out.fetch.push({ action: "fetchImage", service: s });
      else if (!ctx.allTargetImagesPresent())
        ctx.wait(`${s.name}: waiting for every target image before stopping`);
      else if (locked) ctx.wait(`${s.name}: update lock held, old container kept`);
      else replaceNow(ctx, s, outdated, out, infraReady);
      return;
    case "kill-then-download":
      if (locked) ctx.wait(`${s.name}: update lock held, old container kept`);
      else if (imagePresent) replaceNow(ctx, s, outdated, out, infraReady);
      else for (const c of outdated) out.remove.push(removeStep(s, c, "outdated"));
      return;
    case "delete-then-download": {
      if (locked) {
        ctx.wait(`${s.name}: update lock held, old container kept`);
        return;
      }
      for (const c of outdated) out.remove.push(removeStep(s, c, "outdated"));
      const targetIds = new Set(
        Object.values(ctx.input.target.services).map((t) => ctx.imageId(t.image)),
      );
      // Remove the reference the old container used: the engine deletes the content when it
      // was the last reference, and keeps it when something else still names it.
      const oldImages = new Set(
        outdated.filter((c) => !targetIds.has(c.imageId)).map((c) => c.image || c.imageId),
      );
      for (const image of oldImages)
        out.removeImage.push({ action: "removeImage", image, service: s.name });
      if (imagePresent && infraReady && !netnsService(s)) planCreate(ctx, s, out, false);
      return;
    }
    case "hand-over":
      if (!imagePresent) out.fetch.push({ action: "fetchImage", service: s });
      else if (infraReady) planCreate(ctx, s, out, true);
      return;
  }
}

/** Remove the old containers and create the new one in the same pass (removes run first). */
function replaceNow(
  ctx: PlanContext,
  s: ServiceSpec,
  outdated: ContainerState[],
  out: StepBuckets,
  infraReady: boolean,
): void {
  for (const c of outdated) out.remove.push(removeStep(s, c, "outdated"));
  // A service:X container waits for X's new container, which exists only after this pass.
  if (infraReady && !netnsService(s)) planCreate(ctx, s, out, false);
}

function planHandoverEnd(
  ctx: PlanContext,
  s: ServiceSpec,
  cur: ContainerState,
  outdated: ContainerState[],
  out: StepBuckets,
): void {
  const ready =
    cur.status === "running" && (!s.healthcheck || isNone(s) || cur.health === "healthy");
  if (!ready) {
    ctx.wait(
      `${s.name}: hand-over waits for the new container to be ${s.healthcheck ? "healthy" : "running"}`,
    );
    return;
  }
  const signalled = ctx.input.locks[s.name]?.handoverComplete ?? false;
  const elapsed = ctx.input.now - (cur.startedAt ?? ctx.input.now);
  if (!signalled && elapsed < s.handoverTimeoutMs) {
    ctx.wait(
      `${s.name}: hand-over waits for handover-complete (timeout in ${Math.ceil((s.handoverTimeoutMs - elapsed) / 1000)} s)`,
    );
    return;
  }
  if (ctx.locked(s.name)) {
    ctx.wait(`${s.name}: update lock held, old container kept`);
    return;
  }
  for (const c of outdated)
    out.remove.push(removeStep(s, c, signalled ? "handed over" : "hand-over timeout", true));
}

function planCreate(
  ctx: PlanContext,
  s: ServiceSpec,
  out: StepBuckets,
  clearHandover: boolean,
): void {
  const netns = netnsService(s);
  let netnsContainerId: string | undefined;
  if (netns) {
    const owner = ctx.input.target.services[netns];
    const ownerContainer = owner && ctx.currentOf(owner);
    if (!ownerContainer || ownerContainer.status !== "running") {
      ctx.wait(`${s.name}: waits for ${netns} to run (network_mode: service:${netns})`);
      return;
    }
    netnsContainerId = ownerContainer.id;
  }
  out.create.push({
    action: "createContainer",
    service: s,
    configHash: ctx.hash(s),
    clearHandover,
    // Start it in the same step when nothing holds it back: one pass less per update.
    start: !ctx.input.stopped?.includes(s.name) && unmetDependencies(ctx, s).length === 0,
    ...(netnsContainerId ? { netnsContainerId } : {}),
  });
}

function planRunning(
  ctx: PlanContext,
  s: ServiceSpec,
  cur: ContainerState,
  out: StepBuckets,
): void {
  if (ctx.input.stopped?.includes(s.name)) {
    if (cur.status === "running" || cur.status === "restarting" || cur.status === "paused") {
      if (ctx.locked(s.name)) ctx.wait(`${s.name}: update lock held, not stopped`);
      else
        out.remove.push({
          action: "stopContainer",
          container: ref(cur),
          graceMs: s.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS,
        });
    }
    return;
  }
  switch (cur.status) {
    case "created": {
      const blocked = unmetDependencies(ctx, s);
      if (blocked.length) ctx.wait(`${s.name}: waits for ${blocked.join(", ")}`);
      else
        out.start.push({
          action: "startContainer",
          service: s,
          container: ref(cur),
          restart: false,
        });
      return;
    }
    case "exited": {
      const shouldRun =
        s.restart === "always" ||
        s.restart === "unless-stopped" ||
        (s.restart === "on-failure" && cur.exitCode !== 0);
      if (!shouldRun) return;
      const until = ctx.input.backoffUntil[cur.id] ?? 0;
      if (until > ctx.input.now) {
        ctx.wait(
          `${s.name}: exited (code ${cur.exitCode}), restart in ${Math.ceil((until - ctx.input.now) / 1000)} s (backoff)`,
        );
        return;
      }
      out.start.push({ action: "startContainer", service: s, container: ref(cur), restart: true });
      return;
    }
    case "dead":
      out.remove.push(removeStep(s, cur, "dead"));
      return;
    case "running":
      // The engine reports unhealthy but does not act on it; the agent restarts, with backoff.
      if (cur.health === "unhealthy") planRestart(ctx, s, cur, out, "unhealthy");
      return;
    case "restarting":
    case "paused":
    case "removing":
      return;
  }
}

function planRestart(
  ctx: PlanContext,
  s: ServiceSpec,
  cur: ContainerState,
  out: StepBuckets,
  reason: string,
): void {
  const until = ctx.input.backoffUntil[cur.id] ?? 0;
  if (until > ctx.input.now) {
    ctx.wait(
      `${s.name}: ${reason}, restart in ${Math.ceil((until - ctx.input.now) / 1000)} s (backoff)`,
    );
    return;
  }
  if (ctx.locked(s.name)) {
    ctx.wait(`${s.name}: ${reason}, but its update lock is held`);
    return;
  }
  out.start.push({
    action: "restartContainer",
    service: s,
    container: ref(cur),
    graceMs: s.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_MS,
    reason,
  });
}

function planRemovedServices(ctx: PlanContext, out: StepBuckets): void {
  const { target, engine } = ctx.input;
  for (const c of engine.containers) {
    if (c.app !== target.app || target.services[c.service]) continue;
    if (ctx.locked(c.service))
      ctx.wait(`${c.service}: removed from the release, but its update lock is held`);
    else out.remove.push(removeStep(undefined, c, "not in release"));
  }
}

function planRemovedNetworks(ctx: PlanContext, out: StepBuckets): void {
  const { target, engine } = ctx.input;
  const wanted = new Set(Object.keys(target.networks).map((n) => networkName(target.app, n)));
  const leftovers = engine.containers.some(
    (c) => c.app === target.app && !target.services[c.service],
  );
  if (leftovers) return;
  for (const n of engine.networks) {
    if (n.app === target.app && !wanted.has(n.name))
      out.network.push({ action: "removeNetwork", name: n.name });
  }
}
