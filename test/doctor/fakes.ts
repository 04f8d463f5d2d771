// Literal fakes of the engine and the host, so checks are tested without either.
import type {
  ContainerDetails,
  EngineDiagnostics,
  EngineInfo,
  OomEvent,
} from "../../src/doctor/engine-diagnostics.ts";
import type { FsSpace, HostProbe, NtpState } from "../../src/doctor/host.ts";
import type { DoctorOptions } from "../../src/doctor/options.ts";
import { DEFAULT_THRESHOLDS } from "../../src/doctor/options.ts";
import { runChecks } from "../../src/doctor/runner.ts";
import type { Check, CheckOutcome } from "../../src/doctor/types.ts";

export const INFO: EngineInfo = {
  version: "27.5.1",
  apiVersion: "1.47",
  storageDriver: "overlay2",
  backingFilesystem: "extfs",
  dataRoot: "/var/lib/docker",
  operatingSystem: "balenaOS 6",
  kernelVersion: "6.6.0",
};

export function container(name: string, over: Partial<ContainerDetails> = {}): ContainerDetails {
  return {
    id: `id-${name}`,
    name,
    labels: { "io.edgevisor.managed": "true" },
    running: true,
    pid: 100,
    memoryLimitBytes: 64 * 1024 * 1024,
    oomKilled: false,
    sizeRwBytes: 0,
    ...over,
  };
}

export function fakeEngine(
  over: Partial<EngineDiagnostics> & {
    list?: ContainerDetails[];
    ooms?: OomEvent[];
    infoOver?: Partial<EngineInfo>;
  } = {},
): EngineDiagnostics {
  const { list = [], ooms = [], infoOver = {}, ...rest } = over;
  return {
    local: true,
    address: "unix:///fake.sock",
    ping: async () => {},
    info: async () => ({ ...INFO, ...infoOver }),
    containers: async () => list,
    oomEvents: async () => ooms,
    ...rest,
  };
}

export interface FakeHostSpec {
  files?: Record<string, string>;
  space?: Record<string, FsSpace>;
  ntp?: NtpState;
  dns?: Record<string, string[]>;
  /** "address:port" → ms, or an Error to throw. */
  tcp?: Record<string, number | Error>;
  /** Applied to /proc/diskstats on the second read. */
  diskstatsAfter?: string;
}

export function fakeHost(spec: FakeHostSpec = {}): HostProbe & { connects: string[] } {
  const files = { ...spec.files };
  let clock = 0;
  let diskReads = 0;
  const connects: string[] = [];
  return {
    connects,
    exists: (p) => p in files || p in (spec.space ?? {}),
    async readText(p) {
      if (p === "/proc/diskstats" && diskReads++ > 0 && spec.diskstatsAfter)
        return spec.diskstatsAfter;
      return files[p];
    },
    async statfs(p) {
      const s = spec.space?.[p];
      if (!s) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      return s;
    },
    ntp: async () => spec.ntp ?? { synced: "unknown", source: "fake" },
    async resolve(host) {
      const a = spec.dns?.[host];
      if (!a)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return a;
    },
    async connect(address, port) {
      connects.push(`${address}:${port}`);
      const r = spec.tcp?.[`${address}:${port}`];
      if (r === undefined) throw new Error("connect ECONNREFUSED");
      if (r instanceof Error) throw r;
      return r;
    },
    async sleep(ms) {
      clock += ms;
    },
    monotonicMs: () => clock,
  };
}

export function options(over: Partial<DoctorOptions> = {}): DoctorOptions {
  return {
    dataPaths: [],
    sampleMs: 1000,
    checkTimeoutMs: 1000,
    connectTimeoutMs: 500,
    configJsonPath: "/boot/config.json",
    configTxtPath: "/boot/config.txt",
    thresholds: DEFAULT_THRESHOLDS,
    ...over,
  };
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function space(totalBytes: number, availableBytes: number, inodes = [1000, 500]): FsSpace {
  return { totalBytes, availableBytes, totalInodes: inodes[0]!, freeInodes: inodes[1]! };
}

/** Run one check (plus the engine check when it needs the engine) and return its outcome. */
export async function runOne(
  check: Check,
  deps: { engine?: EngineDiagnostics; host?: HostProbe; options?: DoctorOptions; now?: () => Date },
): Promise<CheckOutcome> {
  const outcomes = await runChecks([check], {
    engine: deps.engine ?? fakeEngine(),
    host: deps.host ?? fakeHost(),
    options: deps.options ?? options(),
    ...(deps.now ? { now: deps.now } : {}),
  });
  return outcomes[0]!;
}
