// The one entry point the daemon calls: runs the light engine check on a timer, feeds the
// monitor and the restarter, and drives the systemd watchdog. Everything is passed in;
// `healthParts` builds the usual parts from a HealthConfig and the environment.
import { setTimeout as sleep } from "node:timers/promises";
import type { ContainerEngine } from "../engine/types.ts";
import type { HealthConfig } from "./config.ts";
import { checkEngine } from "./engine-check.ts";
import { EngineRestarter } from "./engine-restarter.ts";
import { HealthMonitor } from "./health-state.ts";
import { RestartPolicy } from "./restart-policy.ts";
import { notifierFromEnv, type Notifier } from "./sd-notify.ts";
import { Watchdog, watchdogFromEnv, type WatchdogSettings } from "./watchdog.ts";

export interface HealthDeps {
  engine: Pick<ContainerEngine, "healthProbe">;
  monitor: HealthMonitor;
  notify: Notifier;
  /** From watchdogFromEnv(); undefined when systemd set no watchdog. */
  watchdog: WatchdogSettings | undefined;
  /** Undefined: engine failures are reported, never acted on. */
  restarter: EngineRestarter | undefined;
  log: (line: string) => void;
  /** Aborting it stops the checks and sends STOPPING=1. */
  signal: AbortSignal;
  checkIntervalMs: number;
  checkTimeoutMs: number;
  pid: number;
  /** Epoch ms; default Date.now. */
  now?: () => number;
}

export interface HealthHandle {
  watchdog: Watchdog;
  /** Resolves after the signal aborted, the loops ended and STOPPING=1 went out. */
  stopped: Promise<void>;
  /** Look at the monitor now (e.g. right after the daemon marked itself initialised). */
  poke(): void;
}

export function startHealth(deps: HealthDeps): HealthHandle {
  const now = deps.now ?? Date.now;
  const { monitor, signal, log } = deps;
  const watchdog = new Watchdog({
    monitor,
    notify: deps.notify,
    settings: deps.watchdog,
    pid: deps.pid,
    log,
  });
  let wake: () => void = () => {};
  const pause = async (ms: number): Promise<void> => {
    const early = new AbortController();
    wake = () => early.abort();
    await sleep(ms, undefined, { signal: AbortSignal.any([signal, early.signal]) }).catch(() => {});
  };

  let engineWasOk: boolean | undefined;
  const checks = (async () => {
    while (!signal.aborted) {
      const r = await checkEngine(deps.engine, deps.checkTimeoutMs);
      if (signal.aborted) break;
      const at = now();
      monitor.engineResult(r.ok, at, r.error);
      if (r.ok !== engineWasOk) {
        log(r.ok ? `engine check ok (${Math.round(r.ms)} ms)` : `engine check failed: ${r.error}`);
        engineWasOk = r.ok;
      }
      // Not awaited: a restart takes a while, and the checks keep running meanwhile.
      void deps.restarter?.onCheck(r.ok, monitor.consecutiveEngineFailures(), at);
      wake();
      await sleep(deps.checkIntervalMs, undefined, { signal }).catch(() => {});
    }
  })();

  const pings = (async () => {
    while (!signal.aborted) {
      await watchdog.poll(now());
      await pause(watchdog.nextPollInMs(now()));
    }
  })();

  const stopped = Promise.all([checks, pings]).then(async () => {
    log("health: stopping");
    await watchdog.stopping();
  });
  return { watchdog, stopped, poke: () => wake() };
}

export interface HealthParts {
  monitor: HealthMonitor;
  notify: Notifier;
  watchdog: WatchdogSettings | undefined;
  restarter: EngineRestarter | undefined;
}

/** The usual parts for `edgevisor run`, from the health config and the process environment. */
export function healthParts(
  config: HealthConfig,
  opts: { resyncMs: number; env: NodeJS.ProcessEnv; pid: number; log: (line: string) => void },
): HealthParts {
  const monitor = new HealthMonitor({
    loopMaxAgeMs: config.loopMaxAgeMs ?? 2 * opts.resyncMs,
    engineMaxAgeMs: 3 * config.checkIntervalMs + config.checkTimeoutMs,
  });
  const hasTarget = Boolean(config.restartCommand || config.enginePidfile);
  const restarter = hasTarget
    ? new EngineRestarter({
        target: {
          command: config.restartCommand,
          pidfile: config.enginePidfile,
          graceMs: config.stopGraceMs,
          commandTimeoutMs: config.restartTimeoutMs,
        },
        policy: new RestartPolicy({
          failuresBeforeRestart: config.restartAfter,
          maxPerHour: config.restartsPerHour,
        }),
        env: opts.env,
        log: opts.log,
      })
    : undefined;
  return {
    monitor,
    notify: notifierFromEnv(opts.env, opts.log),
    watchdog: watchdogFromEnv(opts.env, opts.pid),
    restarter,
  };
}
