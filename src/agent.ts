// The composition root: everything the agent needs, wired from one AgentConfig. Nothing
// else constructs engines, stores or executors.
import Docker from "dockerode";
import { socketPathOf, type AgentConfig } from "./config.ts";
import { DockerEngine } from "./engine/docker-engine.ts";
import type { ContainerEngine, ProgressSink } from "./engine/types.ts";
import { Executor, type ExecutorDeps } from "./reconcile/executor.ts";
import { LockDirs } from "./reconcile/locks.ts";
import { Reconciler } from "./reconcile/reconciler.ts";
import { AgentStateStore } from "./state/agent-state.ts";

export interface Agent {
  config: AgentConfig;
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
}

export function createAgent(config: AgentConfig, hooks: AgentHooks): Agent {
  const engine = new DockerEngine(new Docker({ socketPath: socketPathOf(config.dockerHost) }));
  const locks = new LockDirs(config.lockDir);
  const store = new AgentStateStore(config.stateDir);
  const executor = new Executor({
    engine,
    locks,
    progress: hooks.progress,
    onStep: hooks.onStep,
    faultPoint: hooks.faultPoint ?? (() => {}),
    ...(hooks.supervisorFor ? { supervisorFor: hooks.supervisorFor } : {}),
    ...(hooks.fetchImage ? { fetchImage: hooks.fetchImage } : {}),
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
  return { config, engine, locks, store, executor, reconciler };
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
