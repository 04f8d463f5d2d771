// One service: a table from compose field name to the parser that fills the ServiceSpec.
// Fields not in the table are warnings (known-but-unsupported ones say why).
import type { Node } from "yaml";
import { applyBalenaLabels } from "./balena-labels.ts";
import { parseBuild } from "./parse-build.ts";
import { parseDependsOn, parseRestart } from "./parse-deps.ts";
import { parseEnvFile, parseEnvironment } from "./parse-env.ts";
import { parseHealthcheck } from "./parse-healthcheck.ts";
import { parseDevices } from "./parse-devices.ts";
import { parseTmpfs, parseVolumes } from "./parse-mounts.ts";
import {
  parseDns,
  parseExtraHosts,
  parseNetworkMode,
  parseServiceNetworks,
} from "./parse-networking.ts";
import { parseExpose, parsePorts } from "./parse-ports.ts";
import type { ParseEnv, Reference, ServiceCtx } from "./service-ctx.ts";
import { IMAGE_ACCEPTS, isImageReference } from "./image-ref.ts";
import {
  readBytes,
  readCommand,
  readDuration,
  readLogging,
  readUlimits,
} from "./service-values.ts";
import { DEFAULT_HANDOVER_TIMEOUT_MS, type ServiceSpec } from "./types.ts";
import { UNSUPPORTED_SERVICE_FIELDS } from "./unsupported.ts";
import {
  expected,
  fail,
  isNullish,
  mapEntries,
  readBool,
  readInt,
  readKeyValueList,
  readKeyValues,
  readNumber,
  readString,
  readStringList,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";

type FieldParser = (s: ServiceCtx, node: Node | null, path: string) => void;

export const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function emptyService(name: string): ServiceSpec {
  return {
    name,
    image: "",
    environment: {},
    labels: {},
    ports: [],
    expose: [],
    volumes: [],
    devices: [],
    capAdd: [],
    capDrop: [],
    privileged: false,
    networks: {},
    dependsOn: {},
    restart: "always",
    ulimits: {},
    sysctls: {},
    dns: [],
    extraHosts: [],
    readOnly: false,
    securityOpt: [],
    groupAdd: [],
    updateStrategy: "download-then-kill",
    handoverTimeoutMs: DEFAULT_HANDOVER_TIMEOUT_MS,
    features: [],
  };
}

const str =
  (
    set: (spec: ServiceSpec, v: string) => void,
    accepts: string,
    valid: (v: string) => boolean = () => true,
  ): FieldParser =>
  (s, node, path) => {
    const v = readString(s.read, node, path, accepts);
    if (v !== undefined && valid(v)) set(s.spec, v);
    else if (v !== undefined) expected(s.read, node, path, accepts);
  };

/** pid / ipc: a fixed set of modes, or "service:<name>" (a dependency) / "container:<id>". */
const shareMode =
  (set: (spec: ServiceSpec, v: string) => void, modes: string[]): FieldParser =>
  (s, node, path) => {
    const accepts = `${modes.map((m) => `"${m}"`).join(", ")}, "service:<name>" or "container:<id>"`;
    const v = readString(s.read, node, path, accepts);
    if (v === undefined) return;
    const m = /^(service|container):(.+)$/.exec(v);
    if (!modes.includes(v) && !m) {
      expected(s.read, node, path, accepts);
      return;
    }
    if (m?.[1] === "service")
      s.refs.push({
        kind: "service",
        name: m[2] as string,
        from: s.spec.name,
        node,
        path,
        dependency: true,
      });
    set(s.spec, v);
  };

const bool =
  (set: (spec: ServiceSpec, v: boolean) => void): FieldParser =>
  (s, node, path) => {
    const v = readBool(s.read, node, path);
    if (v !== undefined) set(s.spec, v);
  };

const bytes =
  (set: (spec: ServiceSpec, v: number) => void): FieldParser =>
  (s, node, path) => {
    const v = readBytes(s.read, node, path);
    if (v !== undefined) set(s.spec, v);
  };

const list =
  (set: (spec: ServiceSpec, v: string[]) => void): FieldParser =>
  (s, node, path) =>
    set(s.spec, readStringList(s.read, node, path) ?? []);

const FIELDS: Record<string, FieldParser> = {
  image: (s, node, path) => {
    s.imageGiven = true;
    const image = readString(s.read, node, path, IMAGE_ACCEPTS);
    if (image !== undefined && !isImageReference(image))
      expected(s.read, node, path, IMAGE_ACCEPTS);
    else if (image !== undefined) s.spec.image = image;
  },
  build: (s, node, path) => {
    s.buildNode = node;
    s.buildPath = path;
    const build = parseBuild(s, node, path);
    if (build) s.spec.build = build;
  },
  command: (s, node, path) => {
    const v = readCommand(s.read, node, path);
    if (v) s.spec.command = v;
  },
  entrypoint: (s, node, path) => {
    const v = readCommand(s.read, node, path);
    if (v) s.spec.entrypoint = v;
  },
  environment: parseEnvironment,
  env_file: parseEnvFile,
  labels: (s, node, path) => {
    const labels = readKeyValueList(s.read, node, path) ?? [];
    for (const l of labels) s.spec.labels[l.key] = l.value ?? "";
    applyBalenaLabels(s.read, labels, s.spec);
  },
  ports: (s, node, path) => (s.spec.ports = parsePorts(s.read, node, path)),
  expose: (s, node, path) => (s.spec.expose = parseExpose(s.read, node, path)),
  volumes: (s, node, path) => s.spec.volumes.push(...parseVolumes(s, node, path)),
  tmpfs: (s, node, path) => s.spec.volumes.push(...parseTmpfs(s, node, path)),
  devices: (s, node, path) => (s.spec.devices = parseDevices(s, node, path)),
  cap_add: list((spec, v) => (spec.capAdd = v)),
  cap_drop: list((spec, v) => (spec.capDrop = v)),
  privileged: bool((spec, v) => (spec.privileged = v)),
  network_mode: (s, node, path) => {
    const mode = parseNetworkMode(s, node, path);
    if (mode !== undefined) s.spec.networkMode = mode;
  },
  networks: (s, node, path) => {
    s.hasNetworks = true;
    s.networksNode = node;
    s.spec.networks = parseServiceNetworks(s, node, path);
  },
  depends_on: parseDependsOn,
  restart: parseRestart,
  healthcheck: (s, node, path) => {
    const check = parseHealthcheck(s.read, node, path);
    if (check) s.spec.healthcheck = check;
  },
  mem_limit: bytes((spec, v) => (spec.memLimit = v)),
  mem_reservation: bytes((spec, v) => (spec.memReservation = v)),
  shm_size: bytes((spec, v) => (spec.shmSize = v)),
  cpus: (s, node, path) => {
    const v = readNumber(
      s.read,
      node,
      path,
      'a number of CPUs greater than 0, like 0.5 or "1.5"',
      (n) => n > 0,
    );
    if (v !== undefined) s.spec.cpus = v;
  },
  cpu_shares: (s, node, path) => {
    const v = readInt(s.read, node, path, "a whole number of CPU shares (0 or more)", { min: 0 });
    if (v !== undefined) s.spec.cpuShares = v;
  },
  cpuset: (s, node, path) => {
    const v = readString(s.read, node, path, 'CPU numbers like "0-2" or "0,1"');
    if (v !== undefined && /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) s.spec.cpuset = v;
    else if (v !== undefined) expected(s.read, node, path, 'CPU numbers like "0-2" or "0,1"');
  },
  ulimits: (s, node, path) => (s.spec.ulimits = readUlimits(s.read, node, path)),
  sysctls: (s, node, path) => (s.spec.sysctls = readKeyValues(s.read, node, path) ?? {}),
  user: str((spec, v) => (spec.user = v), 'a user like "1000", "app" or "1000:1000"'),
  working_dir: str(
    (spec, v) => (spec.workingDir = v),
    "an absolute path",
    (v) => v.startsWith("/"),
  ),
  hostname: str((spec, v) => (spec.hostname = v), "a host name"),
  dns: (s, node, path) => (s.spec.dns = parseDns(s.read, node, path)),
  extra_hosts: (s, node, path) => (s.spec.extraHosts = parseExtraHosts(s.read, node, path)),
  init: bool((spec, v) => (spec.init = v)),
  read_only: bool((spec, v) => (spec.readOnly = v)),
  tty: bool((spec, v) => (spec.tty = v)),
  stdin_open: bool((spec, v) => (spec.stdinOpen = v)),
  stop_signal: str(
    (spec, v) => (spec.stopSignal = v),
    'a signal like "SIGTERM" or "SIGRTMIN+3"',
    (v) => /^(SIG[A-Z0-9]+([+-]\d+)?|\d+)$/.test(v),
  ),
  stop_grace_period: (s, node, path) => {
    const v = readDuration(s.read, node, path);
    if (v !== undefined) s.spec.stopGracePeriodMs = v;
  },
  logging: readLogging,
  security_opt: list((spec, v) => (spec.securityOpt = v)),
  group_add: list((spec, v) => (spec.groupAdd = v)),
  pid: shareMode((spec, v) => (spec.pid = v), ["host"]),
  ipc: shareMode((spec, v) => (spec.ipc = v), ["host", "private", "shareable", "none"]),
  oom_score_adj: (s, node, path) => {
    const v = readInt(s.read, node, path, "a whole number from -1000 to 1000", {
      min: -1000,
      max: 1000,
    });
    if (v !== undefined) s.spec.oomScoreAdj = v;
  },
};

export interface ParsedService {
  spec: ServiceSpec;
  refs: Reference[];
  buildNode?: Node | null;
  buildPath?: string;
}

/** Parse one service mapping. `keyNode` is the service's name in the file. */
export function parseService(
  read: ReadCtx,
  env: ParseEnv,
  name: string,
  keyNode: Node,
  node: Node | null,
  path: string,
): ParsedService {
  const s: ServiceCtx = {
    read,
    env,
    spec: emptyService(name),
    refs: [],
    envFileVars: {},
    environment: {},
    hasNetworks: false,
    imageGiven: false,
  };
  if (!SERVICE_NAME.test(name))
    fail(read, keyNode, path, "a service name may only use letters, digits, '_', '.' and '-'");
  const entries = mapEntries(read, node, path, "a mapping of service settings");
  for (const e of entries ?? []) {
    const parser = FIELDS[e.key];
    if (parser) {
      if (!isNullish(e.value)) parser(s, e.value, e.path);
    } else if (!e.key.startsWith("x-")) {
      const why = UNSUPPORTED_SERVICE_FIELDS[e.key];
      warn(read, e.keyNode, e.path, why ? `not supported: ${why}` : "unknown field, ignored");
    }
  }
  if (entries) finish(s, keyNode, path);
  return { spec: s.spec, refs: s.refs, buildNode: s.buildNode, buildPath: s.buildPath };
}

function finish(s: ServiceCtx, keyNode: Node, path: string): void {
  s.spec.environment = { ...s.envFileVars, ...s.environment };
  // network_mode / pid / ipc "service:X" need X running first, as compose orders them.
  for (const ref of s.refs) {
    if (ref.kind === "service" && ref.dependency && !(ref.name in s.spec.dependsOn)) {
      s.spec.dependsOn[ref.name] = { condition: "service_started" };
    }
  }
  if (!s.imageGiven && s.buildNode === undefined) {
    fail(s.read, keyNode, path, "a service needs `image` or `build`");
  }
  if (s.spec.networkMode !== undefined && s.hasNetworks) {
    fail(
      s.read,
      s.networksNode ?? keyNode,
      `${path}.networks`,
      "`networks` cannot be combined with `network_mode`",
    );
  }
  if (s.spec.networkMode === undefined && !s.hasNetworks) {
    s.spec.networks = { default: { aliases: [] } };
  }
}
