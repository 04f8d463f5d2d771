// ServiceSpec → the engine's container-create body. Pure: no engine calls, so it is unit
// tested field by field. Docker API 1.41 (Debian's docker.io 20.10) attaches one network at
// create time; the others are connected before start (see extraNetworks).
import type { ContainerCreateOptions } from "./api/shapes.ts";
import type { ServiceSpec } from "../release/types.ts";
import type { CreateContainerRequest } from "./types.ts";
import { LABEL, managedLabels } from "./labels.ts";
import { containerName, networkName, volumeName } from "./names.ts";

/** Where balena services expect their update-lock directory. */
export const LOCK_MOUNTS = ["/tmp/balena", "/tmp/resin"] as const;

export interface ContainerPlan {
  name: string;
  options: ContainerCreateOptions;
  /** Release networks to connect after create, with their aliases. */
  extraNetworks: { name: string; aliases: string[]; ipv4Address?: string }[];
}

export function containerPlan(req: CreateContainerRequest): ContainerPlan {
  const { release, service: s, configHash, lockDir } = req;
  const app = release.app;
  const name = containerName(app, s.name, configHash);
  const networks = Object.entries(s.networks).map(([net, cfg]) => ({
    name: networkName(app, net),
    aliases: [...new Set([s.name, ...cfg.aliases])],
    ipv4Address: cfg.ipv4Address,
  }));
  // Services that use the local API also join the agent's supervisor network.
  if (req.supervisor?.network && s.networkMode === undefined) {
    networks.push({ name: req.supervisor.network, aliases: [], ipv4Address: undefined });
  }
  const [first, ...rest] = s.networkMode === undefined ? networks : [];

  const options: ContainerCreateOptions = {
    name,
    Image: s.image,
    Cmd: s.command,
    Entrypoint: s.entrypoint,
    Env: Object.entries({ ...balenaEnv(app, s), ...s.environment, ...req.supervisor?.env }).map(
      ([k, v]) => `${k}=${v}`,
    ),
    Labels: {
      ...s.labels,
      ...managedLabels(app),
      [LABEL.service]: s.name,
      [LABEL.release]: release.releaseId,
      [LABEL.configHash]: configHash,
      ...(req.netnsContainerId ? { [LABEL.netnsOf]: req.netnsContainerId } : {}),
    },
    ExposedPorts: exposedPorts(s),
    Hostname: s.networkMode === undefined ? (s.hostname ?? undefined) : undefined,
    User: s.user,
    WorkingDir: s.workingDir,
    Healthcheck: s.healthcheck && {
      Test: s.healthcheck.test,
      Interval: msToNs(s.healthcheck.intervalMs),
      Timeout: msToNs(s.healthcheck.timeoutMs),
      Retries: s.healthcheck.retries,
      StartPeriod: msToNs(s.healthcheck.startPeriodMs),
    },
    StopSignal: s.stopSignal,
    StopTimeout:
      s.stopGracePeriodMs === undefined ? undefined : Math.ceil(s.stopGracePeriodMs / 1000),
    HostConfig: {
      Mounts: [
        ...s.volumes.map((v) => mountOf(app, v)),
        ...LOCK_MOUNTS.map((target) => ({
          Type: "bind" as const,
          Source: lockDir,
          Target: target,
          ReadOnly: false,
        })),
      ],
      PortBindings: portBindings(s),
      Devices: s.devices.map((d) => ({
        PathOnHost: d.pathOnHost,
        PathInContainer: d.pathInContainer,
        CgroupPermissions: d.permissions,
      })),
      CapAdd: s.capAdd,
      CapDrop: s.capDrop,
      Privileged: s.privileged,
      NetworkMode: networkMode(s, req.netnsContainerId, first?.name),
      RestartPolicy: {
        Name: s.restart === "no" ? "" : s.restart,
        MaximumRetryCount: s.restart === "on-failure" ? (s.restartMaxRetries ?? 0) : 0,
      },
      Memory: s.memLimit,
      MemoryReservation: s.memReservation,
      NanoCpus: s.cpus === undefined ? undefined : Math.round(s.cpus * 1e9),
      CpuShares: s.cpuShares,
      CpusetCpus: s.cpuset,
      Ulimits: Object.entries(withDeviceUlimits(s)).map(([n, u]) => ({
        Name: n,
        Soft: u.soft,
        Hard: u.hard,
      })),
      Sysctls: s.sysctls,
      Dns: s.dns,
      ExtraHosts: s.extraHosts,
      Init: s.init,
      ReadonlyRootfs: s.readOnly,
      ShmSize: s.shmSize,
      LogConfig: s.logging
        ? { Type: s.logging.driver, Config: s.logging.options }
        : DEFAULT_LOGGING,
      SecurityOpt: s.securityOpt,
      GroupAdd: s.groupAdd,
      PidMode: s.pid,
      IpcMode: s.ipc,
      OomScoreAdj: s.oomScoreAdj,
    },
    NetworkingConfig: first
      ? {
          EndpointsConfig: {
            [first.name]: {
              Aliases: first.aliases,
              ...(first.ipv4Address ? { IPAMConfig: { IPv4Address: first.ipv4Address } } : {}),
            },
          },
        }
      : undefined,
  };
  return { name, options: dropUndefined(options), extraNetworks: rest };
}

/**
 * Logs go through the engine with rotation unless the service chooses its own logging:
 * unrotated json-file logs are a classic way to fill a device's data partition.
 */
export const DEFAULT_LOGGING = {
  Type: "json-file",
  Config: { "max-size": "10m", "max-file": "3" },
};

/** Label with which a service asks for core dumps (they are off by default). */
export const CORE_DUMPS_LABEL = "io.edgevisor.core-dumps";

/**
 * No core dumps unless the service sets `ulimits: core` itself or the label: a crash-looping
 * service writing a core per crash fills the storage.
 */
function withDeviceUlimits(s: ServiceSpec): ServiceSpec["ulimits"] {
  if (s.ulimits.core || /^(1|true|enabled)$/i.test(s.labels[CORE_DUMPS_LABEL] ?? ""))
    return s.ulimits;
  return { core: { soft: 0, hard: 0 }, ...s.ulimits };
}

function balenaEnv(app: string, s: ServiceSpec): Record<string, string> {
  // The variables balena services commonly read; a user's environment overrides them.
  return {
    BALENA: "1",
    BALENA_APP_NAME: app,
    BALENA_SERVICE_NAME: s.name,
    BALENA_APP_LOCK_PATH: "/tmp/balena/updates.lock",
    RESIN: "1",
    RESIN_APP_NAME: app,
    RESIN_SERVICE_NAME: s.name,
    RESIN_APP_LOCK_PATH: "/tmp/resin/resin-updates.lock",
  };
}

function networkMode(
  s: ServiceSpec,
  netnsId: string | undefined,
  firstNetwork: string | undefined,
): string {
  if (s.networkMode?.startsWith("service:")) {
    if (!netnsId)
      throw new Error(`network_mode ${s.networkMode} of ${s.name} needs the target container id`);
    return `container:${netnsId}`;
  }
  return s.networkMode ?? firstNetwork ?? "none";
}

function mountOf(app: string, v: ServiceSpec["volumes"][number]) {
  switch (v.type) {
    case "volume":
      return {
        Type: "volume" as const,
        Source: volumeName(app, v.source),
        Target: v.target,
        ReadOnly: v.readOnly,
      };
    case "bind":
      return { Type: "bind" as const, Source: v.source, Target: v.target, ReadOnly: v.readOnly };
    case "tmpfs":
      return {
        Type: "tmpfs" as const,
        Source: "",
        Target: v.target,
        ...(v.sizeBytes === undefined
          ? {}
          : { TmpfsOptions: { SizeBytes: v.sizeBytes, Mode: 0o1777 } }),
      };
  }
}

function exposedPorts(s: ServiceSpec): Record<string, object> {
  const out: Record<string, object> = {};
  for (const p of s.ports) out[`${p.target}/${p.protocol}`] = {};
  for (const e of s.expose) out[e.includes("/") ? e : `${e}/tcp`] = {};
  return out;
}

function portBindings(s: ServiceSpec): Record<string, { HostIp?: string; HostPort?: string }[]> {
  const out: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
  for (const p of s.ports) {
    const key = `${p.target}/${p.protocol}`;
    (out[key] ??= []).push({
      HostIp: p.hostIp ?? "",
      HostPort: p.published === undefined ? "" : String(p.published),
    });
  }
  return out;
}

function msToNs(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms * 1_000_000;
}

function dropUndefined<T extends object>(o: T): T {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) delete (o as Record<string, unknown>)[k];
    else if (v !== null && typeof v === "object" && !Array.isArray(v)) dropUndefined(v);
  }
  return o;
}
