// The doctor's options: one typed shape with documented defaults. The CLI flags and the
// environment variables are derived from DOCTOR_FLAGS below, so they cannot drift apart.
import { EvError } from "../errors.ts";

export interface DoctorThresholds {
  /** Free space below this share of a filesystem is a warning… */
  spaceWarnPercent: number;
  /** …and below this one a failure (the same applies to free inodes). */
  spaceFailPercent: number;
  /** A service whose writable layer holds more than this many bytes is a warning. */
  writableLayerWarnBytes: number;
  /** Sustained writes to the data root's device above this many bytes/s are a warning. */
  writeRateWarnBytesPerSec: number;
  /** MemAvailable below this share of MemTotal is a warning… */
  memoryWarnPercent: number;
  /** …and below this one a failure. */
  memoryFailPercent: number;
  /** How far back OOM kills count. */
  oomWindowMs: number;
}

export interface DoctorOptions {
  /** Fleet endpoint URL to resolve and connect to; falls back to config.json's apiEndpoint. */
  endpoint?: string;
  /** Data partitions to check for free space, in addition to the engine's data root. */
  dataPaths: string[];
  /** How long the write-rate sample lasts. */
  sampleMs: number;
  /** Time limit of each check. */
  checkTimeoutMs: number;
  /** Time limit of the one TCP connection attempt to the endpoint. */
  connectTimeoutMs: number;
  configJsonPath: string;
  configTxtPath: string;
  thresholds: DoctorThresholds;
}

export const DEFAULT_THRESHOLDS: DoctorThresholds = {
  spaceWarnPercent: 15,
  spaceFailPercent: 5,
  writableLayerWarnBytes: 10 * 1024 * 1024,
  writeRateWarnBytesPerSec: 1024 * 1024,
  memoryWarnPercent: 15,
  memoryFailPercent: 5,
  oomWindowMs: 24 * 3600 * 1000,
};

/** The user-settable options, as strings from flags or the environment. */
export interface DoctorFlagValues {
  endpoint?: string;
  dataPath?: string[];
  sample?: string;
  timeout?: string;
  configJson?: string;
  configTxt?: string;
}

interface FlagSpec {
  key: keyof DoctorFlagValues;
  flags: string;
  env: string;
  description: string;
  repeatable?: boolean;
}

export const DOCTOR_FLAGS: FlagSpec[] = [
  {
    key: "endpoint",
    flags: "--endpoint <url>",
    env: "EDGEVISOR_ENDPOINT",
    description: "fleet endpoint to resolve and reach (default: config.json apiEndpoint)",
  },
  {
    key: "dataPath",
    flags: "--data-path <path>",
    env: "EDGEVISOR_DATA_PATHS",
    description:
      "data partition to check for free space, repeatable (default: /mnt/data if present)",
    repeatable: true,
  },
  {
    key: "sample",
    flags: "--sample <seconds>",
    env: "EDGEVISOR_DOCTOR_SAMPLE",
    description: "length of the write-rate sample in seconds (default: 3)",
  },
  {
    key: "timeout",
    flags: "--timeout <seconds>",
    env: "EDGEVISOR_DOCTOR_TIMEOUT",
    description: "time limit of each check in seconds (default: 10)",
  },
  {
    key: "configJson",
    flags: "--config-json <path>",
    env: "EDGEVISOR_CONFIG_JSON",
    description: "device config.json to validate (default: /mnt/boot/config.json)",
  },
  {
    key: "configTxt",
    flags: "--config-txt <path>",
    env: "EDGEVISOR_CONFIG_TXT",
    description: "Raspberry Pi config.txt to validate (default: /mnt/boot/config.txt)",
  },
];

/**
 * Flags win over the environment; `exists` decides whether default paths are included.
 * `stateDir` is the agent's state directory (src/config.ts), checked when it exists.
 */
export function resolveDoctorOptions(
  flags: DoctorFlagValues,
  env: Record<string, string | undefined>,
  exists: (path: string) => boolean,
  stateDir?: string,
): DoctorOptions {
  const pick = (key: keyof DoctorFlagValues): string | undefined => {
    const v = flags[key];
    if (Array.isArray(v)) return v.length > 0 ? v.join(":") : undefined;
    if (v !== undefined) return v;
    const spec = DOCTOR_FLAGS.find((f) => f.key === key)!;
    return env[spec.env] || undefined;
  };
  const seconds = (key: keyof DoctorFlagValues, fallback: number): number => {
    const raw = pick(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new EvError("EV_USAGE", `--${key} must be a positive number of seconds, got "${raw}"`, {
        hint: "give seconds, e.g. --sample 3",
      });
    return Math.round(n * 1000);
  };
  const explicitData = pick("dataPath")?.split(":").filter(Boolean);
  const dataPaths = explicitData ?? (exists("/mnt/data") ? ["/mnt/data"] : []);
  if (stateDir && exists(stateDir) && !dataPaths.includes(stateDir)) dataPaths.push(stateDir);
  const endpoint = pick("endpoint");
  return {
    ...(endpoint ? { endpoint } : {}),
    dataPaths,
    sampleMs: seconds("sample", 3000),
    checkTimeoutMs: seconds("timeout", 10_000),
    connectTimeoutMs: 3000,
    configJsonPath: pick("configJson") ?? "/mnt/boot/config.json",
    configTxtPath: pick("configTxt") ?? "/mnt/boot/config.txt",
    thresholds: DEFAULT_THRESHOLDS,
  };
}
