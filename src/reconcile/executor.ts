// Runs one pass of planned steps on the engine. One handler per action (the mapped type
// makes a missing handler a compile error). Consecutive steps of the same kind (fetches,
// container removes, creates, starts) run side by side when they concern different services
// that do not depend on each other; every other step runs alone, and a newer target (the
// abort signal) stops the pass between batches.
import { EvError } from "../errors.ts";
import type { ContainerEngine, CreateContainerRequest, ProgressSink } from "../engine/types.ts";
import type { Release, ServiceSpec } from "../release/types.ts";
import type { LockDirs } from "./locks.ts";
import { parallelBatch, serviceChains } from "./parallel.ts";
import { describePlan, describeStep, type Action, type Step, type StepOf } from "./steps.ts";

export interface ExecutorDeps {
  engine: ContainerEngine;
  locks: LockDirs;
  progress: ProgressSink;
  /** Called around every step; the crash tests kill the process here. No-op in production. */
  faultPoint: (where: string) => void;
  /** Persist the step in flight (undefined when the pass is over). */
  recordInFlight: (step: string | undefined) => Promise<void>;
  /** Step lifecycle, for progress output. */
  onStep: (e: {
    step: Step;
    description: string;
    phase: "start" | "done" | "failed";
    error?: Error;
  }) => void;
  /** How a missing image is fetched: pull or build, behind the disk guard; deltas plug in here. */
  fetchImage: (
    service: ServiceSpec,
    progress: ProgressSink,
    signal: AbortSignal,
    release: Release,
  ) => Promise<void>;
  /** The local API's network and variables for services that use it (undefined: none). */
  supervisorFor?: (service: ServiceSpec) => CreateContainerRequest["supervisor"];
}

export interface PassContext {
  release: Release;
  force: boolean;
  signal: AbortSignal;
}

type Handlers = { [A in Action]: (step: StepOf<A>, ctx: PassContext) => Promise<void> };

export class Executor {
  private readonly deps: ExecutorDeps;
  private readonly handlers: Handlers;
  /** Containers the executor restarted: id → restarts so far, for the backoff. */
  readonly restarts = new Map<string, { count: number; last: number }>();

  constructor(deps: ExecutorDeps) {
    this.deps = deps;
    this.handlers = this.makeHandlers();
  }

  async runPass(steps: Step[], ctx: PassContext): Promise<void> {
    if (steps.length === 0) return;
    // One record per pass, not per step: it only tells a restarted agent what was under way
    // (the engine is what it plans from), and every write is an fsync on flash.
    await this.deps.recordInFlight(describePlan(steps));
    try {
      for (let i = 0; i < steps.length;) {
        if (ctx.signal.aborted) throw aborted();
        const chains = serviceChains(steps.slice(i), ctx.release);
        if (chains && chains.length > 1) {
          await this.runChains(chains, ctx);
          break;
        }
        const batch = parallelBatch(steps, i, ctx.release);
        // Every step of a batch ends before the pass goes on or fails: nothing runs on after.
        const results = await Promise.allSettled(batch.map((s) => this.runStep(s, ctx)));
        const failed = results.find((r) => r.status === "rejected");
        if (failed) throw failed.reason;
        i += batch.length;
      }
    } finally {
      await this.deps.recordInFlight(undefined);
    }
  }

  /** Each chain in order, chains side by side; a newer target stops them between steps. */
  private async runChains(chains: Step[][], ctx: PassContext): Promise<void> {
    const results = await Promise.allSettled(
      chains.map(async (chain) => {
        for (const step of chain) {
          if (ctx.signal.aborted) throw aborted();
          await this.runStep(step, ctx);
        }
      }),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  private async runStep(step: Step, ctx: PassContext): Promise<void> {
    const description = describeStep(step);
    this.deps.faultPoint(`before ${description}`);
    this.deps.onStep({ step, description, phase: "start" });
    try {
      await (this.handlers[step.action] as (s: Step, c: PassContext) => Promise<void>)(step, ctx);
    } catch (e) {
      this.deps.onStep({ step, description, phase: "failed", error: e as Error });
      throw e;
    }
    this.deps.onStep({ step, description, phase: "done" });
    this.deps.faultPoint(`after ${description}`);
  }

  private makeHandlers(): Handlers {
    const { engine, locks, progress } = this.deps;
    return {
      createNetwork: (s, ctx) => engine.createNetwork(ctx.release.app, s.network),
      createVolume: (s, ctx) => engine.createVolume(ctx.release.app, s.volume),
      fetchImage: (s, ctx) => this.deps.fetchImage(s.service, progress, ctx.signal, ctx.release),
      removeContainer: async (s, ctx) => {
        const release = ctx.force
          ? async () => {}
          : await locks.take(ctx.release.app, s.container.service);
        try {
          await engine.stopContainer(s.container.id, s.graceMs);
          this.deps.faultPoint(`between stop and remove of ${s.container.name}`);
          await engine.removeContainer(s.container.id);
          if (s.clearHandover) await locks.clearHandover(ctx.release.app, s.container.service);
        } finally {
          await release();
        }
      },
      removeImage: async (s) => {
        // An image another container still uses stays; the engine says so with a conflict.
        await engine.removeImage(s.image).catch((e: unknown) => {
          if (!(e instanceof EvError && /conflict|in use|being used/i.test(e.message))) throw e;
        });
      },
      createContainer: async (s, ctx) => {
        const lockDir = await locks.ensure(ctx.release.app, s.service.name);
        if (s.clearHandover) await locks.clearHandover(ctx.release.app, s.service.name);
        const request = {
          release: ctx.release,
          service: s.service,
          configHash: s.configHash,
          lockDir,
          ...(s.netnsContainerId ? { netnsContainerId: s.netnsContainerId } : {}),
          supervisor: this.deps.supervisorFor?.(s.service),
        };
        const id = await engine.createContainer(request);
        // Killed between the two: the next pass finds it created and starts it.
        this.deps.faultPoint(`between create and start of ${s.service.name}`);
        if (s.start) await engine.startContainer(id, request);
      },
      startContainer: async (s, ctx) => {
        if (s.restart) this.noteRestart(s.container.id);
        await engine.startContainer(s.container.id, {
          release: ctx.release,
          service: s.service,
          configHash: "",
          lockDir: locks.dir(ctx.release.app, s.service.name),
          supervisor: this.deps.supervisorFor?.(s.service),
        });
      },
      stopContainer: async (s, ctx) => {
        const release = ctx.force
          ? async () => {}
          : await locks.take(ctx.release.app, s.container.service);
        try {
          await engine.stopContainer(s.container.id, s.graceMs);
        } finally {
          await release();
        }
      },
      restartContainer: async (s, ctx) => {
        this.noteRestart(s.container.id);
        const release = ctx.force
          ? async () => {}
          : await locks.take(ctx.release.app, s.container.service);
        try {
          await engine.stopContainer(s.container.id, s.graceMs);
          await engine.startContainer(s.container.id);
        } finally {
          await release();
        }
      },
      removeNetwork: async (s) => {
        // A network with endpoints the user attached stays; nothing else depends on it.
        await engine.removeNetwork(s.name).catch((e: unknown) => {
          if (!(e instanceof EvError && /active endpoints|in use/i.test(e.message))) throw e;
        });
      },
    };
  }

  private noteRestart(id: string): void {
    const prev = this.restarts.get(id);
    this.restarts.set(id, { count: (prev?.count ?? 0) + 1, last: Date.now() });
  }

  /** Epoch ms before which a restarted container must not be restarted again: 1 s, 2 s … 5 min. */
  backoffUntil(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, r] of this.restarts)
      out[id] = r.last + Math.min(1000 * 2 ** (r.count - 1), 300_000);
    return out;
  }
}

export function aborted(): EvError {
  return new EvError("EV_ABORTED", "interrupted by a newer target or shutdown", {
    hint: "the agent resumes from the engine's state",
  });
}
