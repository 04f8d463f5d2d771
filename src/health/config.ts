// Health settings: one table from which `run`'s flags, environment variables and defaults
// derive (like src/config.ts). Durations are given in seconds on the command line.
import type { Command } from "commander";
import { EvError } from "../errors.ts";

export interface HealthConfig {
  checkIntervalMs: number;
  checkTimeoutMs: number;
  /** Undefined: 2 × the daemon's resync period. */
  loopMaxAgeMs: number | undefined;
  restartCommand: string | undefined;
  enginePidfile: string | undefined;
  restartAfter: number;
  restartsPerHour: number;
  stopGraceMs: number;
  restartTimeoutMs: number;
}

type Kind = "seconds" | "count" | "text";

interface HealthOptionSpec {
  key: keyof HealthConfig;
  flag: string;
  env: string;
  kind: Kind;
  /** Smallest allowed count (default 0). */
  min?: number;
  describe: string;
  fallback: string | undefined;
}

export const HEALTH_OPTIONS: readonly HealthOptionSpec[] = [
  {
    key: "checkIntervalMs",
    flag: "--engine-check-interval <seconds>",
    env: "EDGEVISOR_ENGINE_CHECK_INTERVAL",
    kind: "seconds",
    describe: "how often to run the light engine check",
    fallback: "10",
  },
  {
    key: "checkTimeoutMs",
    flag: "--engine-check-timeout <seconds>",
    env: "EDGEVISOR_ENGINE_CHECK_TIMEOUT",
    kind: "seconds",
    describe: "an engine check slower than this fails",
    fallback: "2",
  },
  {
    key: "loopMaxAgeMs",
    flag: "--loop-max-age <seconds>",
    env: "EDGEVISOR_LOOP_MAX_AGE",
    kind: "seconds",
    describe: "the loop is alive when it ticked this recently (default: 2 × --resync)",
    fallback: undefined,
  },
  {
    key: "restartCommand",
    flag: "--engine-restart-command <cmd>",
    env: "EDGEVISOR_ENGINE_RESTART_COMMAND",
    kind: "text",
    describe: "shell command that restarts the engine (e.g. 'systemctl restart docker')",
    fallback: undefined,
  },
  {
    key: "enginePidfile",
    flag: "--engine-pidfile <file>",
    env: "EDGEVISOR_ENGINE_PIDFILE",
    kind: "text",
    describe: "engine pidfile: stop it with SIGTERM, then SIGKILL, before the restart command",
    fallback: undefined,
  },
  {
    key: "restartAfter",
    flag: "--engine-restart-after <checks>",
    env: "EDGEVISOR_ENGINE_RESTART_AFTER",
    kind: "count",
    min: 1,
    describe: "failed engine checks in a row before a restart",
    fallback: "3",
  },
  {
    key: "restartsPerHour",
    flag: "--engine-restarts-per-hour <n>",
    env: "EDGEVISOR_ENGINE_RESTARTS_PER_HOUR",
    kind: "count",
    describe: "never restart the engine more often than this",
    fallback: "3",
  },
  {
    key: "stopGraceMs",
    flag: "--engine-stop-grace <seconds>",
    env: "EDGEVISOR_ENGINE_STOP_GRACE",
    kind: "seconds",
    describe: "SIGTERM → SIGKILL grace when stopping the engine",
    fallback: "20",
  },
  {
    key: "restartTimeoutMs",
    flag: "--engine-restart-timeout <seconds>",
    env: "EDGEVISOR_ENGINE_RESTART_TIMEOUT",
    kind: "seconds",
    describe: "the restart command is stopped after this long",
    fallback: "120",
  },
];

export function addHealthOptions(cmd: Command): Command {
  for (const o of HEALTH_OPTIONS) cmd.option(o.flag, `${o.describe} (env ${o.env})`);
  return cmd;
}

export function resolveHealthConfig(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): HealthConfig {
  const out: Record<string, number | string | undefined> = {};
  for (const o of HEALTH_OPTIONS) {
    const flag = flags[attributeOf(o.flag)];
    const raw = typeof flag === "string" && flag ? flag : env[o.env] || o.fallback;
    out[o.key] = raw === undefined ? undefined : parse(o, raw);
  }
  return out as unknown as HealthConfig;
}

/** commander's attribute for a flag: "--engine-check-interval <s>" → "engineCheckInterval". */
export function attributeOf(flag: string): string {
  const name = flag.split(" ")[0]!.replace(/^--/, "");
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function parse(o: HealthOptionSpec, raw: string): number | string {
  if (o.kind === "text") return raw;
  const n = Number(raw);
  const min = o.min ?? 0;
  const ok = o.kind === "count" ? Number.isInteger(n) && n >= min : Number.isFinite(n) && n > 0;
  if (!ok || raw.trim() === "") {
    const want = o.kind === "count" ? `a whole number ≥ ${min}` : "a positive number of seconds";
    throw new EvError(
      "EV_CONFIG_INVALID",
      `${o.flag.split(" ")[0]} (${o.env}): "${raw}" is not ${want}`,
    );
  }
  return o.kind === "seconds" ? Math.round(n * 1000) : n;
}
