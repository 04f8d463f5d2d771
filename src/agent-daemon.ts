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
import { AgentController } from "./reconcile/controller.ts";
import { protectAgentFromOom } from "./guards/agent-self.ts";
import type { ClockAssessment } from "./guards/clock-guard.ts";
import { describeOoms } from "./guards/memory-guard.ts";
import { GuardedPower, type PowerCommands } from "./guards/power.ts";
import { Daemon } from "./reconcile/daemon.ts";
import type { Release } from "./release/types.ts";
import { waitForEngine } from "./engine/wait.ts";
import { setTimeout as sleep } from "node:timers/promises";

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
  power: PowerCommands;
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
    log: o.log,
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

  const self = await protectAgentFromOom();
  o.log(`agent memory protection: ${JSON.stringify(self)}`);
  const clock = watchClock(agent.guards.clock, o.log, o.signal);

  // The engine may come up after the agent (boot order); no watchdog timeout meanwhile.
  await waitForEngine(agent.engine, o.log, o.signal);
  const leftovers = await agent.removeDeltaLeftovers();
  if (leftovers.length > 0)
    o.log(`removed reader containers left by interrupted delta loads: ${leftovers.join(", ")}`);
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
    onEngineEvent: (e) => {
      const oom = agent.guards.ooms.onEvent(e, Date.now());
      if (oom) o.log(`service ${oom.service} was killed for lack of memory (OOM)`);
    },
    onLoopTick: (now) => {
      parts.monitor.loopTick(now);
      parts.monitor.markInitialised(now);
      health.poke();
    },
  });
  const controller = new AgentController({
    daemon,
    agentVersion: o.agentVersion,
    power: new GuardedPower({ guard: agent.guards.reboot, commands: o.power, log: o.log }),
    health: () => parts.monitor.facts(),
    alerts: () => {
      const out: string[] = [];
      const ooms = agent.guards.ooms.report(Date.now());
      if (ooms.total) out.push(`OOM kills in the last 24 h: ${describeOoms(ooms)}`);
      const c = clock.latest();
      if (c && c.status !== "ok") out.push(`clock: ${c.message}`);
      return out;
    },
  });
  const api = createApiServer({
    controller,
    keys,
    log: o.log,
    healthPolicy: parts.monitor.policy,
  });
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
    await clock.stopped;
  }
}

export { DEFAULT_API_PORT };

/** Assess the clock at start and every 10 minutes; log when its status changes. */
function watchClock(
  monitor: { assess(signal?: AbortSignal): Promise<ClockAssessment> },
  log: (line: string) => void,
  signal: AbortSignal,
): { latest(): ClockAssessment | undefined; stopped: Promise<void> } {
  let latest: ClockAssessment | undefined;
  const stopped = (async () => {
    while (!signal.aborted) {
      const a = await monitor.assess(signal).catch(() => undefined);
      if (a && a.status !== latest?.status) log(`clock: ${a.message}`);
      if (a) latest = a;
      await sleep(600_000, undefined, { signal }).catch(() => {});
    }
  })();
  return { latest: () => latest, stopped };
}
