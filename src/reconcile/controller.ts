// The agent's side of the local API's port: a snapshot kept by the loop, and requests that
// become loop work. Nothing here is called by the API while holding the engine: requests
// only check preconditions (locks) and queue.
import type {
  AgentRequest,
  DeviceController,
  DeviceSnapshot,
  LogLine,
  RequestResult,
} from "../api/device-controller.ts";
import { EvError } from "../errors.ts";
import { volumeName } from "../engine/names.ts";
import type { Release } from "../release/types.ts";
import type { Daemon } from "./daemon.ts";
import { statusReport } from "./status.ts";
import type { Step } from "./steps.ts";

export interface PowerControl {
  /** Refuses (throws EvError) when the reboot guard says no; runs the device's command otherwise. */
  reboot(force: boolean): Promise<void>;
  shutdown(force: boolean): Promise<void>;
}

export interface ControllerDeps {
  daemon: Daemon;
  agentVersion: string;
  power?: PowerControl;
  /** The health monitor's facts (loop alive, engine answered); default: never healthy. */
  health?: () => DeviceSnapshot["health"];
  /** Runtime guards' findings for status (OOM kills seen, clock). */
  alerts?: () => string[];
}

export class AgentController implements DeviceController {
  private readonly deps: ControllerDeps;

  constructor(deps: ControllerDeps) {
    this.deps = deps;
  }

  snapshot(): DeviceSnapshot {
    const { daemon } = this.deps;
    const state = daemon.agent.store.get();
    const last = daemon.agent.reconciler.last;
    const status = statusReport(state, last?.engine, last?.plan, this.deps.alerts?.() ?? []);
    return {
      uuid: state.device?.uuid ?? "",
      deviceName: state.device?.name ?? "",
      appId: 1,
      appName: state.target?.release.app,
      agentVersion: this.deps.agentVersion,
      startedAt: daemon.startedAt,
      status,
      target: state.target?.release,
      current: state.current?.release,
      health: this.deps.health?.() ?? { loopAliveAt: 0, engineOkAt: 0, engineOk: false },
      stoppedServices: [...daemon.stopped],
      unusedVolumes: status.unusedVolumes,
    };
  }

  async request(r: AgentRequest): Promise<RequestResult> {
    const { daemon } = this.deps;
    switch (r.kind) {
      case "reboot":
      case "shutdown": {
        const power = this.deps.power;
        if (!power) {
          throw new EvError("EV_USAGE", `${r.kind} is not configured on this device`, {
            hint: "start the agent with --reboot-command / --shutdown-command",
          });
        }
        await this.checkLocks(Object.keys(this.release().services), r.force);
        await (r.kind === "reboot" ? power.reboot(r.force) : power.shutdown(r.force));
        return { message: `${r.kind} requested` };
      }
      case "update":
        if (r.force) daemon.forceNext = true;
        daemon.trigger("update requested through the API");
        return { message: "update triggered" };
      case "restartApp":
      case "restartService": {
        const release = this.release();
        const services =
          r.kind === "restartService"
            ? [this.service(release, r.service)]
            : Object.keys(release.services);
        await this.checkLocks(services, r.force);
        daemon.enqueue(
          (goal) => this.restart(goal, services, r.force),
          `restart ${services.join(", ")} requested`,
        );
        return { message: `restarting ${services.join(", ")}` };
      }
      case "stopApp":
      case "stopService": {
        const release = this.release();
        const services =
          r.kind === "stopService"
            ? [this.service(release, r.service)]
            : Object.keys(release.services);
        await this.checkLocks(services, r.force);
        for (const s of services) daemon.stopped.add(s);
        if (r.force) daemon.forceNext = true;
        daemon.trigger(`stop ${services.join(", ")} requested`);
        return { message: `stopping ${services.join(", ")}` };
      }
      case "startApp":
      case "startService": {
        const release = this.release();
        const services =
          r.kind === "startService"
            ? [this.service(release, r.service)]
            : Object.keys(release.services);
        for (const s of services) daemon.stopped.delete(s);
        daemon.trigger(`start ${services.join(", ")} requested`);
        return { message: `starting ${services.join(", ")}` };
      }
      case "purge": {
        const release = this.release();
        await this.checkLocks(Object.keys(release.services), r.force);
        daemon.enqueue((goal) => this.purge(goal, r.force), "purge requested");
        return {
          message: `purging ${release.app}: containers and volumes removed, then started again`,
        };
      }
      case "setTarget":
        await daemon.setTarget(r.release, "api", r.force);
        daemon.trigger("target set through the API", true);
        return { message: `target set to release ${r.release.releaseId}` };
      case "cleanupVolumes": {
        const unused = this.snapshot().unusedVolumes;
        daemon.enqueue(async () => {
          for (const v of unused) {
            // A volume an old container still mounts (an update in progress) stays for now.
            await daemon.agent.engine.removeVolume(v).catch((e: unknown) => {
              if (!(e instanceof EvError && /in use/.test(e.message))) throw e;
            });
          }
        }, "volume cleanup requested");
        return { message: unused.length ? `removing ${unused.join(", ")}` : "no unused volumes" };
      }
    }
  }

  async *logs(
    opts: { follow: boolean; services?: string[] },
    signal: AbortSignal,
  ): AsyncIterable<LogLine> {
    const release = this.deps.daemon.goal();
    if (!release) return;
    yield* this.deps.daemon.agent.engine.streamLogs(release.app, opts, signal);
  }

  private release(): Release {
    const r = this.deps.daemon.goal();
    if (!r)
      throw new EvError("EV_RELEASE_NOT_FOUND", "this device has no target release yet", {
        hint: "set one first",
      });
    return r;
  }

  private service(release: Release, name: string): string {
    if (!release.services[name]) {
      throw new EvError("EV_USAGE", `no service ${name} in release ${release.releaseId}`, {
        hint: `services: ${Object.keys(release.services).join(", ")}`,
      });
    }
    return name;
  }

  private async checkLocks(services: string[], force: boolean): Promise<void> {
    if (force) return;
    const app = this.release().app;
    const locks = await this.deps.daemon.agent.locks.read(app, services);
    const held = services.filter((s) => locks[s]?.locked);
    if (held.length) {
      throw new EvError("EV_UPDATE_LOCKED", `update lock held by ${held.join(", ")}`, {
        hint: "retry when the app releases /tmp/balena/updates.lock, or pass force",
      });
    }
  }

  private async restart(release: Release, services: string[], force: boolean): Promise<void> {
    const { agent } = this.deps.daemon;
    const engine = await agent.engine.snapshot(release.app);
    const steps: Step[] = [];
    for (const c of engine.containers) {
      const spec = release.services[c.service];
      if (!spec || !services.includes(c.service) || c.status !== "running") continue;
      steps.push({
        action: "restartContainer",
        service: spec,
        container: { id: c.id, name: c.name, service: c.service },
        graceMs: spec.stopGracePeriodMs ?? 10_000,
        reason: "requested",
      });
    }
    await agent.executor.runPass(steps, { release, force, signal: new AbortController().signal });
  }

  private async purge(release: Release, force: boolean): Promise<void> {
    const { agent } = this.deps.daemon;
    const engine = await agent.engine.snapshot(release.app);
    const steps: Step[] = engine.containers.map((c) => ({
      action: "removeContainer",
      container: { id: c.id, name: c.name, service: c.service },
      graceMs: release.services[c.service]?.stopGracePeriodMs ?? 10_000,
      reason: "purge",
      clearHandover: false,
    }));
    await agent.executor.runPass(steps, { release, force, signal: new AbortController().signal });
    for (const v of Object.keys(release.volumes))
      await agent.engine.removeVolume(volumeName(release.app, v));
  }
}
