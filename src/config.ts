// The agent's configuration: one table from which CLI flags, environment variables and
// defaults are derived, so they cannot drift apart. `env` is a parameter, never read deep
// inside the code.
import { existsSync } from "node:fs";
import type { Command } from "commander";

export interface AgentConfig {
  /** Where the agent persists its state (target, current release). On flash: written rarely. */
  stateDir: string;
  /** Root of the per-service update-lock directories; tmpfs on a device (no flash writes). */
  lockDir: string;
  /** The engine's socket, unix://PATH (or a plain path). */
  dockerHost: string;
  /** Delta server for updates (`?src=&dest=` are appended); empty or absent: no deltas. */
  deltaUrl?: string;
  /** Directory of trusted delta signing keys; with any key there, deltas must be signed by one. */
  trustedKeys?: string;
}

/** Same as DEFAULT_KEYS_DIR in src/images/trusted-keys.ts (not imported: it pulls in valibot). */
const DEFAULT_KEYS_DIR = "/etc/edgevisor/delta-keys";

interface OptionSpec {
  key: keyof AgentConfig;
  flag: string;
  env: string;
  describe: string;
  fallback: (env: NodeJS.ProcessEnv) => string;
}

export const CONFIG_OPTIONS: readonly OptionSpec[] = [
  {
    key: "stateDir",
    flag: "--state-dir <dir>",
    env: "EDGEVISOR_STATE_DIR",
    describe: "where the agent keeps its state",
    fallback: () => "/var/lib/edgevisor",
  },
  {
    key: "lockDir",
    flag: "--lock-dir <dir>",
    env: "EDGEVISOR_LOCK_DIR",
    describe: "root of the services' update-lock directories (tmpfs)",
    fallback: () => "/run/edgevisor/locks",
  },
  {
    key: "dockerHost",
    flag: "--docker-host <url>",
    env: "DOCKER_HOST",
    describe: "engine socket (unix:///path)",
    fallback: () => "unix:///var/run/docker.sock",
  },
  {
    key: "deltaUrl",
    flag: "--delta-url <url>",
    env: "EDGEVISOR_DELTA_URL",
    describe: "delta server for updates; none: every image is pulled in full",
    fallback: () => "",
  },
  {
    key: "trustedKeys",
    flag: "--trusted-keys <dir>",
    env: "EDGEVISOR_DELTA_KEYS",
    describe: `trusted delta signing keys (default ${DEFAULT_KEYS_DIR} when it exists)`,
    fallback: () => (existsSync(DEFAULT_KEYS_DIR) ? DEFAULT_KEYS_DIR : ""),
  },
];

export function addConfigOptions(cmd: Command): Command {
  for (const o of CONFIG_OPTIONS) cmd.option(o.flag, `${o.describe} (env ${o.env})`);
  return cmd;
}

export function resolveConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): AgentConfig {
  const out = {} as AgentConfig;
  for (const o of CONFIG_OPTIONS) {
    const flag = flags[o.key];
    out[o.key] = typeof flag === "string" && flag ? flag : (env[o.env] ?? o.fallback(env));
  }
  return out;
}

export function socketPathOf(dockerHost: string): string {
  if (dockerHost.startsWith("unix://")) return dockerHost.slice("unix://".length);
  if (dockerHost.startsWith("/")) return dockerHost;
  throw new Error(`only unix sockets are supported for the engine, got ${dockerHost}`);
}
