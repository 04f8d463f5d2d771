// The long-running agent: keeps the device on its target. Wakes on a changed target file,
// on engine events about its containers, on requests from the local API, and on a periodic
// resync; a newer target aborts the pass in progress at the next safe point. A reached
// release runs a test window before it is committed, and a failing one is rolled back.
// SIGTERM ends the agent, never the app.
import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Agent } from "../agent.ts";
import { toEvError } from "../errors.ts";
import type { EngineEvent } from "../engine/types.ts";
import type { Release } from "../release/types.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { afterApplied, chooseGoal } from "./lifecycle.ts";
import { DEFAULT_TRIAL_WINDOW_MS } from "./trial.ts";
import { watchEngineEvents, watchTargetFile } from "./wake-sources.ts";

export interface DaemonOptions {
  targetFile: string;
  loadTarget: (file: string) => Promise<Release>;
  log: (line: string) => void;
  /** Resync even without events, to notice what events miss. */
  resyncMs?: number;
  /** How long a reached release must run well before it is committed (0 commits at once). */
  testWindowMs?: number;
  signal: AbortSignal;
  /** Called after every pass and idle wake: the loop is alive. */
  onLoopTick?: (now: number) => void;
  /** Every engine event about the app's objects (the OOM log listens here). */
  onEngineEvent?: (e: EngineEvent) => void;
}

/** One-off work the API asked for, run by the loop at its next safe point. */
export type LoopJob = (release: Release) => Promise<void>;

export class Daemon {
  readonly agent: Agent;
  private readonly opts: DaemonOptions;
  private wake: () => void = () => {};
  private pending = true;
  private current: AbortController | undefined;
  private targetKey: string | undefined;
  private loadedDigest: string | undefined;
  /** Consecutive passes that failed, for the retry backoff (1 s … 5 min). */
  private failures = 0;
  private recheckAt: number | undefined;
  private readonly jobs: LoopJob[] = [];
  /** Services held stopped through the API; in memory, so a reboot brings them back. */
  readonly stopped = new Set<string>();
  forceNext = false;
  readonly startedAt = new Date().toISOString();

  constructor(agent: Agent, opts: DaemonOptions) {
    this.agent = agent;
    this.opts = opts;
  }

  async run(): Promise<void> {
    const { agent, opts } = this;
    await agent.store.load();
    await agent.store.update((s) => {
      s.device ??= { uuid: randomUUID().replaceAll("-", ""), name: os.hostname() };
      return s;
    });
    for (const f of await agent.locks.cleanAgentLocks())
      opts.log(`removed a lock left by a previous agent: ${f}`);
    const stopWatching = watchTargetFile(
      opts.targetFile,
      () => this.trigger("target file changed", true),
      opts.log,
    );
    const stopEvents = await watchEngineEvents(
      agent.engine,
      () => this.goal()?.app,
      (why) => this.trigger(why),
      opts.log,
      opts.signal,
      opts.onEngineEvent,
    );
    opts.signal.addEventListener("abort", () => {
      this.current?.abort();
      this.wake();
    });
    try {
      while (!opts.signal.aborted) {
        if (this.pending) {
          this.pending = false;
          await this.reconcile();
        }
        opts.onLoopTick?.(Date.now());
        await this.idle(opts.resyncMs ?? 30_000);
      }
    } finally {
      stopWatching();
      stopEvents();
    }
  }

  /** Queue work for the loop and wake it. */
  enqueue(job: LoopJob, why: string): void {
    this.jobs.push(job);
    this.trigger(why);
  }

  trigger(why: string, newTarget = false): void {
    this.opts.log(`wake: ${why}`);
    this.pending = true;
    if (newTarget) this.current?.abort();
    this.wake();
  }

  /** The release the loop currently works towards. */
  goal(): Release | undefined {
    return chooseGoal(this.agent.store.get())?.release;
  }

  private async reconcile(): Promise<void> {
    const { agent, opts } = this;
    await this.readTarget();
    const goal = chooseGoal(agent.store.get());
    if (!goal) return;
    await this.runJobs(goal.release);
    const ac = new AbortController();
    // Shutdown aborts this.current through run()'s listener; no per-pass listener on the
    // long-lived signal (AbortSignal.any kept ~200 bytes per pass alive, for ever).
    if (opts.signal.aborted) ac.abort();
    this.current = ac;
    const force = this.forceNext;
    this.forceNext = false;
    const outcome = await agent.reconciler.converge(goal.release, {
      force,
      signal: ac.signal,
      waitHealthy: false,
      timeoutMs: 30_000,
      pollMs: 1000,
      stopped: [...this.stopped],
    });
    this.current = undefined;
    if (outcome.status === "aborted") {
      if (!opts.signal.aborted) this.pending = true;
      return;
    }
    if (outcome.status === "failed") {
      this.failures++;
      opts.log(`release ${goal.release.releaseId}: not reached yet — ${outcome.reason}`);
      this.pending = true; // keep working on it after the retry backoff
      await agent.store.update((s) => ({
        ...s,
        status: s.status === "failed" ? "failed" : "applying",
        reason: outcome.reason,
      }));
      return;
    }
    this.failures = 0;
    const engine = agent.reconciler.last?.engine;
    if (!engine) return;
    const next = afterApplied(
      agent.store.get(),
      goal,
      engine,
      Date.now(),
      opts.testWindowMs ?? DEFAULT_TRIAL_WINDOW_MS,
    );
    if (next.event) opts.log(next.event);
    await agent.store.update(() => next.state);
    this.recheckAt =
      next.recheckMs === undefined ? undefined : Date.now() + Math.min(next.recheckMs, 5000);
    // A rejection switches the goal to the last committed release: go there now.
    if (chooseGoal(next.state)?.release.releaseId !== goal.release.releaseId) this.pending = true;
  }

  private async runJobs(release: Release): Promise<void> {
    while (this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      try {
        await job(release);
      } catch (e) {
        this.opts.log(`request failed: ${toEvError(e).format()}`);
      }
    }
  }

  /** The target: the API's, until the target file changes; an invalid file keeps the last good one. */
  private async readTarget(): Promise<void> {
    const { agent, opts } = this;
    const state = agent.store.get();
    let digest: string;
    try {
      digest = await this.fileDigest();
    } catch (e) {
      if (!state.target) opts.log(`target ${opts.targetFile} unreadable: ${(e as Error).message}`);
      return;
    }
    if (state.target?.source === "api" && state.targetFileDigest === digest) return;
    // Parse (and hash build contexts) only when the file or its .env changed since last time.
    if (digest === this.loadedDigest && state.target?.source !== "api") return;
    try {
      const release = await opts.loadTarget(opts.targetFile);
      this.loadedDigest = digest;
      const key = canonicalJson(release);
      if (key === this.targetKey && state.target?.source !== "api") return;
      this.targetKey = key;
      await this.setTarget(release, path.resolve(opts.targetFile), false);
    } catch (e) {
      this.loadedDigest = digest; // report a bad file once, not at every resync
      opts.log(
        `target ${opts.targetFile} rejected, keeping the running release: ${toEvError(e).format()}`,
      );
    }
  }

  /** Digest of the target file and the .env beside it. */
  private async fileDigest(): Promise<string> {
    const h = createHash("sha256").update(await readFile(this.opts.targetFile));
    const env = await readFile(path.join(path.dirname(this.opts.targetFile), ".env")).catch(() =>
      Buffer.alloc(0),
    );
    return h.update(env).digest("hex");
  }

  /** Make `release` the target (from the file, or from the API with source "api"). */
  async setTarget(release: Release, source: string, force: boolean): Promise<void> {
    const { agent, opts } = this;
    let digest: string | undefined;
    if (source === "api") {
      digest = await this.fileDigest().catch(() => undefined);
    }
    const changed = agent.store.get().target?.release.releaseId !== release.releaseId;
    if (changed) {
      opts.log(`target: release ${release.releaseId} of ${release.app} from ${source}`);
      this.stopped.clear();
    }
    await agent.store.update((s) => {
      if (changed) {
        s.status = "applying";
        delete s.reason;
        delete s.trial;
      }
      s.target = { release, source, force };
      if (digest) s.targetFileDigest = digest;
      else delete s.targetFileDigest;
      return s;
    });
    if (force) this.forceNext = true;
  }

  private async idle(ms: number): Promise<void> {
    if (this.pending) {
      const backoff = Math.min(1000 * 2 ** Math.max(0, this.failures - 1), 300_000);
      await sleep(backoff, undefined, { signal: this.opts.signal }).catch(() => {});
      return;
    }
    const until = this.recheckAt ? Math.max(0, this.recheckAt - Date.now()) : ms;
    const timer = AbortSignal.timeout(Math.min(ms, until));
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer.addEventListener("abort", () => resolve(), { once: true });
      // Shutdown calls this.wake (run()'s listener); a listener added here at every idle
      // would stay on the long-lived signal and grow the heap pass after pass.
      if (this.opts.signal.aborted) resolve();
    });
    this.wake = () => {};
    this.pending = true;
  }
}
