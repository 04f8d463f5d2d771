// The composition root: everything the agent needs, wired from one AgentConfig. Nothing
// else constructs engines, stores or executors.
import { EngineClient } from "./engine/api/index.ts";
import { socketPathOf, type AgentConfig } from "./config.ts";
import { DockerEngine } from "./engine/docker-engine.ts";
import type { ContainerEngine, ProgressSink } from "./engine/types.ts";
import { Executor, type ExecutorDeps } from "./reconcile/executor.ts";
import { LockDirs } from "./reconcile/locks.ts";
import { Reconciler } from "./reconcile/reconciler.ts";
import { AgentStateStore } from "./state/agent-state.ts";
import { deferredTlsError } from "./guards/clock-guard.ts";
import {
  createGuards,
  engineFetch,
  guardedFetch,
  type FetchImage,
  type Guards,
} from "./guards/wiring.ts";

export interface Agent {
  config: AgentConfig;
  guards: Guards;
  engine: ContainerEngine;
  locks: LockDirs;
  store: AgentStateStore;
  executor: Executor;
  reconciler: Reconciler;
  /**
   * Remove reader containers of delta loads killed with an earlier process: they hold their
   * base images, which the disk guard then cannot remove. Their names.
   */
  removeDeltaLeftovers(): Promise<string[]>;
}

export interface AgentHooks {
  progress: ProgressSink;
  onStep: ExecutorDeps["onStep"];
  faultPoint?: (where: string) => void;
  supervisorFor?: ExecutorDeps["supervisorFor"];
  fetchImage?: ExecutorDeps["fetchImage"];
  log?: (line: string) => void;
}

export function createAgent(config: AgentConfig, hooks: AgentHooks): Agent {
  const docker = new EngineClient({ socketPath: socketPathOf(config.dockerHost) });
  const engine = new DockerEngine(docker);
  const locks = new LockDirs(config.lockDir);
  const store = new AgentStateStore(config.stateDir);
  const log = hooks.log ?? (() => {});
  const guards = createGuards(config, engine, log);
  const faultPoint = hooks.faultPoint ?? (() => {});
  const pull = engineFetch(engine);
  // With a delta server: a delta from the image the service runs now, else a regular pull.
  let withDeltas: Promise<FetchImage> | undefined;
  const deltaUrl = config.deltaUrl;
  const fetch: FetchImage = deltaUrl
    ? async (s, p, sig) => {
        withDeltas ??= import("./images/delta-wiring.ts").then((m) =>
          m.agentDeltaFetch({
            deltaUrl,
            trustedKeysDir: config.trustedKeys || undefined,
            stateDir: config.stateDir,
            docker,
            snapshot: () => reconciler.last?.engine,
            committed: () => store.get().current?.release,
            pull,
            log,
          }),
        );
        return (await withDeltas)(s, p, sig);
      }
    : pull;
  // Every fetch first gets its disk space (removing images no release needs), keeping the
  // target's and the rollback release's images.
  const fetchImage: ExecutorDeps["fetchImage"] =
    hooks.fetchImage ??
    ((service, progress, signal, release) =>
      guardedFetch(
        guards.disk,
        () => ({
          target: release,
          ...(store.get().current ? { rollback: store.get().current!.release } : {}),
        }),
        async (s, p, sig) => {
          if (!s.build) {
            // Registries speak TLS: with an implausible clock, certificates cannot be
            // checked, so pulls wait (with a clear reason) until NTP sets the clock.
            const tls = deferredTlsError(await guards.clock.assess(sig));
            if (tls) throw tls;
            faultPoint(`during pull ${s.image}`);
          }
          return fetch(s, p, sig);
        },
      )(service, progress, signal));
  const executor = new Executor({
    engine,
    locks,
    progress: hooks.progress,
    onStep: hooks.onStep,
    faultPoint,
    fetchImage,
    ...(hooks.supervisorFor ? { supervisorFor: hooks.supervisorFor } : {}),
    recordInFlight: (step) =>
      store
        .update((s) => {
          if (step === undefined) delete s.inFlight;
          else s.inFlight = { step, startedAt: new Date().toISOString() };
          return s;
        })
        .then(() => undefined),
  });
  const reconciler = new Reconciler({ engine, locks, executor });
  // Loaded on call: reader-owner.ts is small and needs no delta code.
  const removeDeltaLeftovers = () =>
    import("./images/reader-owner.ts").then((m) => m.removeLeftoverReaders(docker));
  return { config, guards, engine, locks, store, executor, reconciler, removeDeltaLeftovers };
}

/**
 * Crash-test hook: EDGEVISOR_FAULT_AT=N kills the process with SIGKILL at the Nth fault
 * point (before/after each step, inside long steps). Only the crash tests set it.
 */
export function faultInjectorFromEnv(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): ((where: string) => void) | undefined {
  const at = Number(env.EDGEVISOR_FAULT_AT);
  if (!Number.isInteger(at) || at <= 0) return undefined;
  let n = 0;
  return (where) => {
    if (++n === at) {
      log(`fault injection: SIGKILL at point ${n} (${where})`);
      process.kill(process.pid, "SIGKILL");
    }
  };
}
