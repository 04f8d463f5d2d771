// The composition root: everything the agent needs, wired from one AgentConfig. Nothing
// else constructs engines, stores or executors.
import path from "node:path";
import Docker from "dockerode";
import { socketPathOf, type AgentConfig } from "./config.ts";
import { DockerEngine } from "./engine/docker-engine.ts";
import type { ContainerEngine, ProgressSink } from "./engine/types.ts";
import { Executor, type ExecutorDeps } from "./reconcile/executor.ts";
import { LockDirs } from "./reconcile/locks.ts";
import { Reconciler } from "./reconcile/reconciler.ts";
import { AgentStateStore } from "./state/agent-state.ts";
import { createGuards, engineFetch, guardedFetch, type Guards } from "./guards/wiring.ts";
import { deltaFetch, previousImageId } from "./images/delta-fetch.ts";
import { manifestDigestVia } from "./images/docker-distribution.ts";
import { DockerImageStore } from "./images/docker-store.ts";
import { loadTrustedKeys } from "./images/trusted-keys.ts";

export interface Agent {
  config: AgentConfig;
  guards: Guards;
  engine: ContainerEngine;
  locks: LockDirs;
  store: AgentStateStore;
  executor: Executor;
  reconciler: Reconciler;
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
  const docker = new Docker({ socketPath: socketPathOf(config.dockerHost) });
  const engine = new DockerEngine(docker);
  const locks = new LockDirs(config.lockDir);
  const store = new AgentStateStore(config.stateDir);
  const log = hooks.log ?? (() => {});
  const guards = createGuards(config, engine, log);
  const faultPoint = hooks.faultPoint ?? (() => {});
  const pull = engineFetch(engine);
  // With a delta server: a delta from the image the service runs now, else a regular pull.
  let keys: Promise<Awaited<ReturnType<typeof loadTrustedKeys>>> | undefined;
  const fetch = config.deltaUrl
    ? deltaFetch({
        deltaUrl: config.deltaUrl,
        store: new DockerImageStore(docker),
        manifestDigest: manifestDigestVia(docker),
        baseFor: (s) =>
          previousImageId(reconciler.last?.engine, s.name, store.get().current?.release),
        trustedKeys: () =>
          (keys ??= loadTrustedKeys(config.trustedKeys || undefined).catch((e: unknown) => {
            keys = undefined; // unreadable now: deltas are refused, and it is read again next time
            throw e;
          })),
        tmpDir: path.join(config.stateDir, "delta-tmp"),
        pull,
        log,
      })
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
        (s, p, sig) => {
          if (!s.build) faultPoint(`during pull ${s.image}`);
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
  return { config, guards, engine, locks, store, executor, reconciler };
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
