// The typed release: what a compose file means once parsed, normalised and validated.
// Everything downstream (planner, engine adapter, lint, API) works on these types and
// never on raw YAML. Durations are milliseconds, sizes are bytes.

export type UpdateStrategy =
  "download-then-kill" | "kill-then-download" | "delete-then-download" | "hand-over";

export const UPDATE_STRATEGIES: readonly UpdateStrategy[] = [
  "download-then-kill",
  "kill-then-download",
  "delete-then-download",
  "hand-over",
];

export type DependsOnCondition =
  "service_started" | "service_healthy" | "service_completed_successfully";

export type RestartPolicy = "no" | "always" | "on-failure" | "unless-stopped";

export interface BuildSpec {
  /** Absolute path of the build context. */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
}

export interface PortMapping {
  /** Port inside the container. */
  target: number;
  /** Host port; undefined lets the engine choose. */
  published?: number;
  hostIp?: string;
  protocol: "tcp" | "udp";
}

export type VolumeMount =
  | { type: "volume"; source: string; target: string; readOnly: boolean }
  | { type: "bind"; source: string; target: string; readOnly: boolean }
  | { type: "tmpfs"; target: string; sizeBytes?: number };

export interface DeviceMapping {
  pathOnHost: string;
  pathInContainer: string;
  permissions: string;
}

export interface ServiceNetwork {
  aliases: string[];
  ipv4Address?: string;
}

export interface Healthcheck {
  /** Engine form: ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

export interface Ulimit {
  soft: number;
  hard: number;
}

export interface LoggingSpec {
  driver: string;
  options: Record<string, string>;
}

export interface ServiceSpec {
  name: string;
  /** Image reference the container runs. For build services, the tag edgevisor builds. */
  image: string;
  build?: BuildSpec;
  command?: string[];
  entrypoint?: string[];
  environment: Record<string, string>;
  labels: Record<string, string>;
  ports: PortMapping[];
  expose: string[];
  volumes: VolumeMount[];
  devices: DeviceMapping[];
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  /** "host", "none", "bridge", "service:<name>" or "container:<id>"; undefined = release networks. */
  networkMode?: string;
  /** Release networks this service joins (keys are release network names). */
  networks: Record<string, ServiceNetwork>;
  dependsOn: Record<string, { condition: DependsOnCondition }>;
  restart: RestartPolicy;
  restartMaxRetries?: number;
  healthcheck?: Healthcheck;
  memLimit?: number;
  memReservation?: number;
  cpus?: number;
  cpuShares?: number;
  cpuset?: string;
  ulimits: Record<string, Ulimit>;
  sysctls: Record<string, string>;
  user?: string;
  workingDir?: string;
  hostname?: string;
  dns: string[];
  extraHosts: string[];
  init?: boolean;
  readOnly: boolean;
  /** Allocate a pseudo-TTY (compose `tty`). */
  tty?: boolean;
  /** Keep stdin open (compose `stdin_open`). */
  stdinOpen?: boolean;
  shmSize?: number;
  stopSignal?: string;
  stopGracePeriodMs?: number;
  logging?: LoggingSpec;
  securityOpt: string[];
  groupAdd: string[];
  pid?: string;
  ipc?: string;
  oomScoreAdj?: number;
  // balena-compatible behaviour, from io.balena.* labels
  updateStrategy: UpdateStrategy;
  handoverTimeoutMs: number;
  /** io.balena.features.<name> labels that are set to a truthy value. */
  features: string[];
}

export interface VolumeSpec {
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  driver: string;
  driverOpts: Record<string, string>;
  labels: Record<string, string>;
  internal: boolean;
  ipam?: { subnet?: string; gateway?: string };
}

export interface Release {
  /** Application (compose project) name; prefixes every engine object. */
  app: string;
  /** Content hash of the normalised release, unless the source sets one. */
  releaseId: string;
  services: Record<string, ServiceSpec>;
  volumes: Record<string, VolumeSpec>;
  networks: Record<string, NetworkSpec>;
}

export const DEFAULT_HANDOVER_TIMEOUT_MS = 60_000;
