// Restart the engine after it failed its light check N times in a row: gracefully, so its
// metadata is not cut off mid-write (SIGTERM, wait, then SIGKILL), through what the device
// configures: the engine's pid or pidfile, a command (e.g. `systemctl restart docker`), or
// both (stop by pid, then start by command). Policy: restart-policy.ts. Every decision that
// changes something is logged.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { readPidfile, stopGracefully, type StopOutcome } from "./process-stop.ts";
import { RestartPolicy } from "./restart-policy.ts";

export interface RestartTarget {
  /** The engine's pid, stopped with SIGTERM then SIGKILL after `graceMs`. */
  pid?: number;
  /** Or a file holding it (e.g. /run/docker.pid), read at restart time. */
  pidfile?: string;
  /** Shell command run after the stop (if any), e.g. "systemctl restart docker". */
  command?: string;
  /** SIGTERM → SIGKILL grace for the pid, and for a command that overran its timeout. */
  graceMs: number;
  commandTimeoutMs: number;
}

export interface RestartResult {
  stop?: StopOutcome;
  command?: { ok: boolean; detail: string };
}

/** Runs the restart; injectable so the policy can be tested without processes. */
export type RestartAction = (
  target: RestartTarget,
  log: (line: string) => void,
) => Promise<RestartResult>;

export interface EngineRestarterDeps {
  target: RestartTarget;
  policy: RestartPolicy;
  log: (line: string) => void;
  /** Environment for the command; NOTIFY_SOCKET and WATCHDOG_* are removed from it. */
  env: NodeJS.ProcessEnv;
  action?: RestartAction;
}

export class EngineRestarter {
  private readonly deps: EngineRestarterDeps;
  private running: Promise<void> | undefined;
  private lastRefusal: string | undefined;

  constructor(deps: EngineRestarterDeps) {
    if (deps.target.pid === undefined && !deps.target.pidfile && !deps.target.command)
      throw new RangeError("an engine restart target needs a pid, a pidfile or a command");
    this.deps = deps;
  }

  /** A restart is under way (checks keep running; their failures are expected meanwhile). */
  busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Feed every engine check result. Starts a restart when the policy allows one and
   * resolves when it is done (or at once when there is nothing to do).
   */
  async onCheck(ok: boolean, consecutiveFailures: number, now: number): Promise<void> {
    const { policy, log } = this.deps;
    if (ok) {
      policy.recordHealthy();
      this.lastRefusal = undefined;
      return;
    }
    if (this.running) return;
    const decision = policy.decide(consecutiveFailures, now);
    if (!decision.restart) {
      // Below the threshold is routine; a refusal by the hourly cap or backoff is news once.
      if (
        consecutiveFailures >= policy.settings.failuresBeforeRestart &&
        refusalKind(decision.why) !== this.lastRefusal
      ) {
        this.lastRefusal = refusalKind(decision.why);
        log(
          `engine failed ${consecutiveFailures} checks in a row; not restarting it: ${decision.why}`,
        );
      }
      return;
    }
    this.lastRefusal = undefined;
    policy.recordRestart(now);
    log(`engine failed ${consecutiveFailures} checks in a row: restarting it`);
    this.running = this.restart().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async restart(): Promise<void> {
    const { target, log } = this.deps;
    const action = this.deps.action ?? ((t, l) => restartEngine(t, this.deps.env, l));
    try {
      const r = await action(target, log);
      const parts = [
        r.stop ? `stop: ${r.stop}` : undefined,
        r.command ? `command: ${r.command.ok ? "ok" : "failed"} (${r.command.detail})` : undefined,
      ].filter(Boolean);
      log(`engine restart done — ${parts.join("; ")}`);
    } catch (e) {
      log(`engine restart failed: ${(e as Error).message}`);
    }
  }
}

/** "backing off: next restart possible in 30 s" → "backing off": logged once per kind. */
function refusalKind(why: string): string {
  return why.split(":")[0] ?? why;
}

export async function restartEngine(
  target: RestartTarget,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<RestartResult> {
  const result: RestartResult = {};
  const pid = target.pid ?? (target.pidfile ? await readPidfile(target.pidfile) : undefined);
  if (target.pidfile && pid === undefined) log(`engine restart: no pid in ${target.pidfile}`);
  if (pid !== undefined) result.stop = await stopGracefully(pid, target.graceMs, { log });
  if (target.command) {
    log(`engine restart: running \`${target.command}\``);
    result.command = await runWithTimeout(target.command, {
      env: commandEnv(env),
      timeoutMs: target.commandTimeoutMs,
      graceMs: target.graceMs,
    });
  }
  return result;
}

/** The command must not talk to systemd as if it were the agent. */
function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"])
    delete out[k];
  return out;
}

/**
 * `sh -c command` in its own process group; past the timeout the whole group gets SIGTERM,
 * then SIGKILL after the grace period.
 */
export async function runWithTimeout(
  command: string,
  opts: { env: NodeJS.ProcessEnv; timeoutMs: number; graceMs: number },
): Promise<{ ok: boolean; detail: string }> {
  const child = spawn("/bin/sh", ["-c", command], {
    env: opts.env,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => {
    if (stderr.length < 2000) stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once("error", reject);
      // "exit", not "close": a daemon the command starts may keep our stderr pipe open.
      child.once("exit", (code, signal) => resolve({ code, signal }));
    },
  );
  const group = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone already
    }
  };
  const timer = sleep(opts.timeoutMs, "timeout" as const, { ref: false });
  const first = await Promise.race([exited, timer]);
  if (first !== "timeout") {
    const detail = first.code === 0 ? "exit 0" : exitText(first, stderr);
    return { ok: first.code === 0, detail };
  }
  group("SIGTERM");
  const afterTerm = await Promise.race([
    exited,
    sleep(opts.graceMs, "grace" as const, { ref: false }),
  ]);
  if (afterTerm === "grace") {
    group("SIGKILL");
    await exited;
    return {
      ok: false,
      detail: `timed out after ${opts.timeoutMs} ms; SIGKILL after ${opts.graceMs} ms`,
    };
  }
  return { ok: false, detail: `timed out after ${opts.timeoutMs} ms; stopped by SIGTERM` };
}

function exitText(
  e: { code: number | null; signal: NodeJS.Signals | null },
  stderr: string,
): string {
  const how = e.signal ? `killed by ${e.signal}` : `exit ${e.code}`;
  const last = stderr.trim().split("\n").at(-1);
  return last ? `${how}: ${last}` : how;
}
