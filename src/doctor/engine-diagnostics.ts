// What the doctor reads from the engine, in our own types. The one implementation on
// The engine client lives in src/engine/docker-diagnostics.ts; tests use literal fakes.
import { LABEL } from "../engine/labels.ts";

export interface EngineInfo {
  version: string;
  apiVersion: string;
  storageDriver: string;
  /** The storage driver's backing filesystem when the engine reports one ("extfs"). */
  backingFilesystem?: string;
  /** DockerRootDir: where images, containers and volumes live. */
  dataRoot: string;
  operatingSystem: string;
  kernelVersion: string;
}

export interface UlimitSetting {
  soft: number;
  hard: number;
}

export interface ContainerDetails {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  /** Host pid of the container's first process while it runs. */
  pid?: number;
  /** HostConfig.Memory in bytes; 0 means no limit. */
  memoryLimitBytes: number;
  oomKilled: boolean;
  /** HostConfig.Ulimits "core" when the container sets one; undefined inherits the engine's. */
  coreUlimit?: UlimitSetting;
  /** Bytes in the container's writable layer (written outside volumes). */
  sizeRwBytes: number;
}

export interface OomEvent {
  containerId: string;
  name: string;
  at: Date;
}

export interface EngineDiagnostics {
  /** True when the engine is reached over a local socket, so its paths are this machine's. */
  readonly local: boolean;
  /** Where we talk to the engine, for messages ("unix:///var/run/docker.sock"). */
  readonly address: string;
  ping(signal?: AbortSignal): Promise<void>;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  /** All containers (running or not) with their limits and writable-layer size. */
  containers(signal?: AbortSignal): Promise<ContainerDetails[]>;
  /** OOM events in [since, until]; the query is bounded so it always ends. */
  oomEvents(since: Date, until: Date, signal?: AbortSignal): Promise<OomEvent[]>;
}

/** The services the doctor judges: edgevisor-managed containers, or all when none are. */
export function servicesOf(containers: ContainerDetails[]): {
  services: ContainerDetails[];
  scope: "managed" | "all";
} {
  const managed = containers.filter((c) => c.labels[LABEL.managed] === "true");
  return managed.length > 0
    ? { services: managed, scope: "managed" }
    : { services: containers, scope: "all" };
}
