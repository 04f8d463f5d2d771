// `edgevisor run` wired: the agent, its loop, the local API on loopback and on the
// supervisor network's gateway, and the health checks that feed the systemd watchdog.
import { DEFAULT_API_PORT, createApiServer } from "./api/server.ts";
import { ApiKeys } from "./api/api-keys.ts";
import { supervisorEnv, wantsSupervisorApi } from "./api/supervisor-env.ts";
import { createAgent, type AgentHooks } from "./agent.ts";
import type { AgentConfig } from "./config.ts";
import { networkName } from "./engine/names.ts";
import type { HealthConfig } from "./health/config.ts";
import { healthParts, startHealth } from "./health/start.ts";
import { AgentController, type PowerControl } from "./reconcile/controller.ts";
import { Daemon } from "./reconcile/daemon.ts";
import type { Release } from "./release/types.ts";
import { waitForEngine } from "./engine/wait.ts";

/** The agent's own network, which services using the local API join. */
export const SUPERVISOR_APP = "edgevisor-agent";
export const SUPERVISOR_NETWORK = "supervisor";

export interface AgentDaemonOptions {
  config: AgentConfig;
  health: HealthConfig;
  targetFile: string;
  loadTarget: (file: string) => Promise<Release>;
  resyncMs: number;
  testWindowMs: number;
  apiPort: number;
  agentVersion: string;
  power?: PowerControl;
  hooks: Pick<AgentHooks, "progress" | "onStep">;
  log: (line: string) => void;
  signal: AbortSignal;
}

export async function runAgentDaemon(o: AgentDaemonOptions): Promise<void> {
  const keys = await ApiKeys.open(o.config.stateDir);
  const appKey = await keys.appKey(1);
  // Known once the engine answers and the API listens; read when containers are created.
  const listening = { gateway: undefined as string | undefined, port: o.apiPort };
  const network = networkName(SUPERVISOR_APP, SUPERVISOR_NETWORK);
  const parts = healthParts(o.health, {
    resyncMs: o.resyncMs,
    env: process.env,
    pid: process.pid,
    log: o.log,
  });
  // A long pull or build is the loop at work: every step and progress event counts as alive.
  const tick = () => parts.monitor.loopTick(Date.now());
  const agent = createAgent(o.config, {
    progress: (p) => {
      tick();
      o.hooks.progress(p);
    },
    onStep: (e) => {
      tick();
      o.hooks.onStep(e);
    },
    supervisorFor: (s) => {
      if (!wantsSupervisorApi(s)) return undefined;
      const host = s.networkMode === "host" || !listening.gateway ? "127.0.0.1" : listening.gateway;
      return {
        network: s.networkMode === undefined && listening.gateway ? network : undefined,
        env: supervisorEnv({ address: host, port: listening.port, apiKey: appKey }),
      };
    },
  });
  const health = startHealth({
    ...parts,
    engine: agent.engine,
    log: o.log,
    signal: o.signal,
    checkIntervalMs: o.health.checkIntervalMs,
    checkTimeoutMs: o.health.checkTimeoutMs,
    pid: process.pid,
  });

  // The engine may come up after the agent (boot order); no watchdog timeout meanwhile.
  await waitForEngine(agent.engine, o.log, o.signal);
  await agent.engine.createNetwork(SUPERVISOR_APP, {
    name: SUPERVISOR_NETWORK,
    driver: "bridge",
    driverOpts: {},
    labels: {},
    internal: false,
  });
  const gateway = await agent.engine.networkGateway(network);
  listening.gateway = gateway;

  const daemon = new Daemon(agent, {
    targetFile: o.targetFile,
    loadTarget: o.loadTarget,
    log: o.log,
    resyncMs: o.resyncMs,
    testWindowMs: o.testWindowMs,
    signal: o.signal,
    onLoopTick: (now) => {
      parts.monitor.loopTick(now);
      parts.monitor.markInitialised(now);
      health.poke();
    },
  });
  const controller = new AgentController({
    daemon,
    agentVersion: o.agentVersion,
    ...(o.power ? { power: o.power } : {}),
    health: () => parts.monitor.facts(),
  });
  const api = createApiServer({ controller, keys, log: o.log });
  // Loopback first: with port 0 (tests) the gateway then listens on the same port.
  const bound = await api.listen([{ host: "127.0.0.1", port: o.apiPort }]);
  listening.port = bound[0]!.port;
  if (gateway) bound.push(...(await api.listen([{ host: gateway, port: listening.port }])));
  o.log(`local API on ${bound.map((a) => `${a.host}:${a.port}`).join(", ")}`);
  try {
    await daemon.run();
  } finally {
    await api.close();
    await health.stopped;
  }
}

export { DEFAULT_API_PORT };
