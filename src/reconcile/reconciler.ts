// The level-triggered loop: read the engine, plan, run one pass, read again — until the
// plan is empty and nothing waits. Every pass starts from what the engine really has, so a
// container removed by hand, or an agent killed mid-update, is simply the next input.
import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerEngine, ContainerState, EngineSnapshot } from "../engine/types.ts";
import type { Release } from "../release/types.ts";
import { toEvError } from "../errors.ts";
import type { Executor } from "./executor.ts";
import type { LockDirs } from "./locks.ts";
import { planUpdate, type Plan } from "./planner.ts";
import { serviceConfigHash } from "./config-hash.ts";

export type ConvergeOutcome =
  | { status: "applied" }
  | { status: "aborted" }
  | { status: "failed"; reason: string; waiting: string[] };

export interface ConvergeOptions {
  force: boolean;
  signal: AbortSignal;
  /** Also wait until every service runs (not restarting) and is healthy where it has a check. */
  waitHealthy: boolean;
  timeoutMs: number;
  /** Poll interval while only waiting (health, hand-over, backoff). */
  pollMs?: number;
  maxPasses?: number;
  now?: () => number;
  /** Services held stopped through the API. */
  stopped?: readonly string[];
}

export interface ReconcilerDeps {
  engine: ContainerEngine;
  locks: LockDirs;
  executor: Executor;
}

export class Reconciler {
  private readonly deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  /** The engine as last read, with the plan made from it (for status and the API). */
  last: { engine: EngineSnapshot; plan: Plan; at: number } | undefined;

  /** One read of the engine and one plan, without running anything. */
  async plan(
    target: Release,
    force: boolean,
    now = Date.now(),
    stopped: readonly string[] = [],
  ): Promise<Plan> {
    const engine = await this.deps.engine.snapshot(target.app);
    const services = new Set([
      ...Object.keys(target.services),
      ...engine.containers.map((c) => c.service),
    ]);
    const locks = await this.deps.locks.read(target.app, services);
    const plan = planUpdate({
      target,
      engine,
      locks,
      now,
      force,
      backoffUntil: this.deps.executor.backoffUntil(),
      stopped,
    });
    this.last = { engine, plan, at: now };
    return plan;
  }

  async converge(target: Release, opts: ConvergeOptions): Promise<ConvergeOutcome> {
    const now = opts.now ?? Date.now;
    const deadline = now() + opts.timeoutMs;
    let waiting: string[] = [];
    for (let pass = 0; pass < (opts.maxPasses ?? 10_000); pass++) {
      if (opts.signal.aborted) return { status: "aborted" };
      let plan: Plan;
      try {
        plan = await this.plan(target, opts.force, now(), opts.stopped);
        if (plan.steps.length > 0) {
          await this.deps.executor.runPass(plan.steps, {
            release: target,
            force: opts.force,
            signal: opts.signal,
          });
          continue;
        }
      } catch (e) {
        if (opts.signal.aborted) return { status: "aborted" };
        const err = toEvError(e);
        return { status: "failed", reason: err.format(), waiting };
      }
      waiting = plan.waiting.length
        ? plan.waiting
        : opts.waitHealthy
          ? await this.unsettled(target)
          : [];
      if (waiting.length === 0) return { status: "applied" };
      if (now() >= deadline)
        return { status: "failed", reason: `timed out: ${waiting.join("; ")}`, waiting };
      try {
        await sleep(opts.pollMs ?? 500, undefined, { signal: opts.signal });
      } catch {
        return { status: "aborted" };
      }
    }
    return { status: "failed", reason: "too many passes without converging", waiting };
  }

  /** Services that are created and started but not (yet) running steadily or healthy. */
  async unsettled(target: Release): Promise<string[]> {
    const engine = await this.deps.engine.snapshot(target.app);
    const out: string[] = [];
    for (const s of Object.values(target.services)) {
      const hash = serviceConfigHash(target.app, s);
      const c: ContainerState | undefined = engine.containers.find(
        (x) => x.service === s.name && x.configHash === hash,
      );
      if (!c) out.push(`${s.name}: no container`);
      else if (c.status === "restarting") out.push(`${s.name}: restarting (crash loop?)`);
      else if (
        c.status === "exited" &&
        s.restart !== "no" &&
        !(s.restart === "on-failure" && c.exitCode === 0)
      )
        out.push(`${s.name}: exited with code ${c.exitCode}`);
      else if (c.health && c.health !== "healthy") out.push(`${s.name}: health ${c.health}`);
    }
    return out;
  }
}
