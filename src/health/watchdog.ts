// The systemd side of health: READY=1 once the daemon is initialised (never before, and no
// watchdog while initialising: systemd arms WatchdogSec= only at READY), then WATCHDOG=1
// every half of WATCHDOG_USEC, but only while the agent is healthy. When it is not, the
// pings stop, and systemd restarts the agent once WatchdogSec passes. No timers here: the
// caller polls with the current time, so tests drive it with a fake clock.
import type { HealthMonitor } from "./health-state.ts";
import type { Notifier } from "./sd-notify.ts";

export interface WatchdogSettings {
  /** The watchdog timeout systemd enforces (WATCHDOG_USEC / 1000). */
  timeoutMs: number;
}

/**
 * WATCHDOG_USEC, when it is meant for this process: systemd sets WATCHDOG_PID to the main
 * pid; a child that inherited the variables (WATCHDOG_PID ≠ our pid) must not ping.
 */
export function watchdogFromEnv(env: NodeJS.ProcessEnv, pid: number): WatchdogSettings | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== "" && Number(env.WATCHDOG_PID) !== pid)
    return undefined;
  return { timeoutMs: usec / 1000 };
}

export interface WatchdogDeps {
  monitor: Pick<HealthMonitor, "ready" | "report">;
  notify: Notifier;
  /** Undefined: no watchdog configured; READY/STATUS are still sent. */
  settings: WatchdogSettings | undefined;
  pid: number;
  log: (line: string) => void;
}

/** How often to look for READY while initialising (the daemon may finish at any moment). */
const INIT_POLL_MS = 500;

export class Watchdog {
  private readonly deps: WatchdogDeps;
  private readySent = false;
  private lastPingAt = 0;
  private lastStatus: string | undefined;
  private healthy = true;

  constructor(deps: WatchdogDeps) {
    this.deps = deps;
  }

  /** Half the timeout, as sd_watchdog_enabled(3) recommends. */
  get pingEveryMs(): number | undefined {
    const s = this.deps.settings;
    return s ? s.timeoutMs / 2 : undefined;
  }

  isReadySent(): boolean {
    return this.readySent;
  }

  /** Look at the monitor and send what is due. Safe to call at any time, as often as wanted. */
  async poll(now: number): Promise<void> {
    const { monitor, notify, pid, log } = this.deps;
    if (!this.readySent) {
      if (!monitor.ready()) {
        await this.status("initialising: waiting for the agent state and the engine");
        return;
      }
      this.readySent = true;
      this.lastPingAt = now; // systemd arms the watchdog at READY=1
      this.lastStatus = "running";
      log("initialised: READY=1");
      await notify.send({ ready: true, status: "running", mainPid: pid });
      return;
    }
    const report = monitor.report(now);
    if (report.healthy !== this.healthy) {
      // STATUS only on a change: the reasons carry ages that differ at every poll.
      this.healthy = report.healthy;
      const why = report.reasons.join("; ");
      log(report.healthy ? "healthy again" : `unhealthy: ${why}`);
      await this.status(report.healthy ? "running" : `unhealthy: ${why}`);
    }
    const every = this.pingEveryMs;
    if (every === undefined || !report.healthy || now - this.lastPingAt < every) return;
    this.lastPingAt = now;
    await notify.send({ watchdog: true });
  }

  /** Milliseconds until the next poll is useful. */
  nextPollInMs(now: number): number {
    const every = this.pingEveryMs;
    if (!this.readySent) return Math.min(INIT_POLL_MS, every ?? INIT_POLL_MS);
    if (every === undefined) return 5_000; // only STATUS changes left to report
    // While unhealthy, look more often so pings resume promptly after recovery.
    if (!this.healthy) return Math.max(50, Math.min(1000, every / 4));
    return Math.max(0, this.lastPingAt + every - now);
  }

  async stopping(): Promise<void> {
    this.lastStatus = "stopping";
    await this.deps.notify.send({ stopping: true, status: "stopping" });
  }

  private async status(text: string): Promise<void> {
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    await this.deps.notify.send({ status: text });
  }
}
