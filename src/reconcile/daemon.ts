// The long-running agent: keeps the device on its target. Wakes on a changed target file,
// on engine events about its containers, and on a periodic resync; a newer target aborts
// the pass in progress at the next safe point. SIGTERM ends the agent, never the app.
import { watch, type FSWatcher } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import type { Agent } from "../agent.ts";
import { toEvError } from "../errors.ts";
import type { Release } from "../release/types.ts";
import { canonicalJson } from "../util/canonical-json.ts";

export interface DaemonOptions {
  targetFile: string;
  loadTarget: (file: string) => Promise<Release>;
  log: (line: string) => void;
  /** Resync even without events, to notice what events miss. */
  resyncMs?: number;
  signal: AbortSignal;
}

export class Daemon {
  private readonly agent: Agent;
  private readonly opts: DaemonOptions;
  private wake: () => void = () => {};
  private pending = true;
  private current: AbortController | undefined;
  private targetKey: string | undefined;
  /** Consecutive passes that failed, for the retry backoff (1 s … 5 min). */
  private failures = 0;

  constructor(agent: Agent, opts: DaemonOptions) {
    this.agent = agent;
    this.opts = opts;
  }

  async run(): Promise<void> {
    const { agent, opts } = this;
    await agent.store.load();
    for (const f of await agent.locks.cleanAgentLocks())
      opts.log(`removed a lock left by a previous agent: ${f}`);
    const stopWatching = this.watchTarget();
    const stopEvents = await this.watchEngine();
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
        await this.idle(opts.resyncMs ?? 30_000);
      }
    } finally {
      stopWatching();
      stopEvents();
    }
  }

  private async reconcile(): Promise<void> {
    const { agent, opts } = this;
    const target = await this.readTarget();
    if (!target) return;
    const ac = new AbortController();
    this.current = ac;
    const outcome = await agent.reconciler.converge(target, {
      force: false,
      signal: AbortSignal.any([ac.signal, opts.signal]),
      waitHealthy: false,
      timeoutMs: 30_000,
      pollMs: 1000,
    });
    this.current = undefined;
    if (outcome.status === "aborted") {
      if (!opts.signal.aborted) this.pending = true;
      return;
    }
    if (outcome.status === "failed") {
      this.failures++;
      opts.log(`release ${target.releaseId}: not reached yet — ${outcome.reason}`);
      this.pending = true; // keep working on it after the retry backoff
    } else {
      this.failures = 0;
    }
    if (outcome.status === "applied" && agent.store.get().status !== "applied") {
      opts.log(`release ${target.releaseId} applied`);
    }
    await agent.store.update((s) => {
      if (outcome.status === "applied") {
        s.status = "applied";
        delete s.reason;
        s.current = {
          release: target,
          appliedAt:
            s.current?.release.releaseId === target.releaseId
              ? s.current.appliedAt
              : new Date().toISOString(),
        };
      } else {
        s.status = "applying";
        s.reason = outcome.reason;
      }
      return s;
    });
  }

  /** The target file's release; an invalid file is reported and the last good target kept. */
  private async readTarget(): Promise<Release | undefined> {
    const { agent, opts } = this;
    try {
      const release = await opts.loadTarget(opts.targetFile);
      const key = canonicalJson(release);
      if (key !== this.targetKey) {
        this.targetKey = key;
        opts.log(`target: release ${release.releaseId} of ${release.app} from ${opts.targetFile}`);
        await agent.store.update((s) => {
          if (s.target?.release.releaseId !== release.releaseId) s.status = "applying";
          s.target = { release, source: path.resolve(opts.targetFile), force: false };
          return s;
        });
      }
      return release;
    } catch (e) {
      const err = toEvError(e);
      opts.log(`target ${opts.targetFile} rejected, keeping the running release: ${err.format()}`);
      return agent.store.get().target?.release;
    }
  }

  private async idle(ms: number): Promise<void> {
    if (this.pending) {
      const backoff = Math.min(1000 * 2 ** Math.max(0, this.failures - 1), 300_000);
      await sleep(backoff, undefined, { signal: this.opts.signal }).catch(() => {});
      return;
    }
    const timer = AbortSignal.timeout(ms);
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer.addEventListener("abort", () => resolve(), { once: true });
      this.opts.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.wake = () => {};
    this.pending = true;
  }

  private trigger(why: string, newTarget = false): void {
    this.opts.log(`wake: ${why}`);
    this.pending = true;
    if (newTarget) this.current?.abort();
    this.wake();
  }

  private watchTarget(): () => void {
    // Watch the directory: editors and atomic writers replace the file, which ends a file watch.
    const dir = path.dirname(path.resolve(this.opts.targetFile));
    const base = path.basename(this.opts.targetFile);
    let debounce: NodeJS.Timeout | undefined;
    let w: FSWatcher | undefined;
    try {
      w = watch(dir, (_event, name) => {
        if (name !== base && name !== ".env") return;
        clearTimeout(debounce);
        debounce = setTimeout(() => this.trigger("target file changed", true), 200);
      });
    } catch (e) {
      this.opts.log(
        `cannot watch ${dir} (${(e as Error).message}); relying on the periodic resync`,
      );
    }
    return () => {
      clearTimeout(debounce);
      w?.close();
    };
  }

  private async watchEngine(): Promise<() => void> {
    const interesting = new Set([
      "die",
      "destroy",
      "stop",
      "kill",
      "oom",
      "health_status: unhealthy",
      "health_status: healthy",
    ]);
    let stop: () => void = () => {};
    const subscribe = async (): Promise<void> => {
      try {
        stop = await this.agent.engine.watchEvents(
          (e) => {
            if (e.type === "container" && interesting.has(e.action))
              this.trigger(`container ${e.labels.name ?? e.id} ${e.action}`);
          },
          (err) => {
            if (this.opts.signal.aborted) return;
            this.opts.log(`engine event stream lost (${err.message}); resubscribing`);
            setTimeout(() => void subscribe(), 2000).unref();
          },
        );
      } catch (e) {
        this.opts.log(`engine events unavailable (${toEvError(e).format()}); retrying`);
        setTimeout(() => void subscribe(), 5000).unref();
      }
    };
    await subscribe();
    return () => stop();
  }
}
