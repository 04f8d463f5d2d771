// A small Docker Engine API client on node:http, shaped like the subset of dockerode that
// edgevisor used, so call sites read the same. Why not dockerode: docs/architecture.md
// ("Engine client: why not dockerode").
import type { IncomingMessage } from "node:http";
import { call, Container, type CallOptions } from "./container.ts";
import {
  DEFAULT_DOCKER_HOST,
  formatAddress,
  parseDockerHost,
  type EngineAddress,
} from "./docker-host.ts";
import { Image, pullParams, registryAuthHeader, type AuthConfig } from "./image.ts";
import { pathSegment } from "./query.ts";
import type {
  ContainerCreateOptions,
  ContainerInfo,
  ImageInfo,
  NetworkCreateOptions,
  NetworkInspectInfo,
  VolumeCreateOptions,
  VolumeInspectInfo,
} from "./shapes.ts";
import { Transport, type TransportOptions } from "./transport.ts";

/** Label/name/status filters: `{ label: ["a=b"] }`, sent as the engine's JSON form. */
export type Filters = Record<string, string[]>;

export interface EngineClientOptions {
  /** DOCKER_HOST form: unix:///path, /path, tcp://host:port. */
  dockerHost?: string;
  /** Shorthand for a unix socket (what dockerode's `socketPath` was). */
  socketPath?: string;
  apiVersion?: string;
  timeoutMs?: number;
}

export interface BuildOptions extends CallOptions {
  t?: string;
  dockerfile?: string;
  buildargs?: Record<string, string>;
  labels?: Record<string, string>;
  target?: string;
  rm?: boolean;
  forcerm?: boolean;
  nocache?: boolean;
  pull?: boolean;
  networkmode?: string;
}

export class EngineClient {
  readonly transport: Transport;

  constructor(o: EngineClientOptions = {}) {
    const address: EngineAddress = o.socketPath
      ? { kind: "unix", socketPath: o.socketPath }
      : parseDockerHost(o.dockerHost ?? DEFAULT_DOCKER_HOST);
    const t: TransportOptions = { address };
    if (o.apiVersion) t.apiVersion = o.apiVersion;
    if (o.timeoutMs !== undefined) t.timeoutMs = o.timeoutMs;
    this.transport = new Transport(t);
  }

  /** The engine at `env.DOCKER_HOST` (default unix:///var/run/docker.sock). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): EngineClient {
    return new EngineClient({ dockerHost: env.DOCKER_HOST || DEFAULT_DOCKER_HOST });
  }

  /** "unix:///var/run/docker.sock": where this client connects, for messages. */
  get address(): string {
    return formatAddress(this.transport.address);
  }

  // ── system ──
  async ping(o: CallOptions = {}): Promise<string> {
    const body = await this.transport.buffer({
      ...call(o),
      method: "GET",
      path: "/_ping",
      versioned: false,
    });
    return body.toString("utf8");
  }

  info(o: CallOptions = {}): Promise<Record<string, unknown>> {
    return this.transport.json({ ...call(o), method: "GET", path: "/info" });
  }

  version(
    o: CallOptions = {},
  ): Promise<{ Version?: string; ApiVersion?: string; MinAPIVersion?: string }> {
    return this.transport.json({ ...call(o), method: "GET", path: "/version" });
  }

  /** The event feed as JSON lines (see json-lines.ts); with `until` it ends by itself. */
  getEvents(
    o: CallOptions & { since?: number | string; until?: number | string; filters?: Filters } = {},
  ): Promise<IncomingMessage> {
    return this.transport.stream({
      ...call(o),
      method: "GET",
      path: "/events",
      query: { since: o.since, until: o.until, filters: o.filters },
    });
  }

  // ── containers ──
  listContainers(
    o: CallOptions & { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {},
  ): Promise<ContainerInfo[]> {
    return this.transport.json({
      ...call(o),
      method: "GET",
      path: "/containers/json",
      query: { all: o.all, limit: o.limit, size: o.size, filters: o.filters },
    });
  }

  async createContainer(o: ContainerCreateOptions & CallOptions): Promise<Container> {
    const { name, abortSignal, timeoutMs, ...body } = o;
    const r = await this.transport.json<{ Id: string }>({
      ...call({ abortSignal, timeoutMs }),
      method: "POST",
      path: "/containers/create",
      query: { name },
      json: body,
    });
    return new Container(this.transport, r.Id);
  }

  getContainer(id: string): Container {
    return new Container(this.transport, id);
  }

  // ── images ──
  listImages(o: CallOptions & { all?: boolean; filters?: Filters } = {}): Promise<ImageInfo[]> {
    return this.transport.json({
      ...call(o),
      method: "GET",
      path: "/images/json",
      query: { all: o.all, filters: o.filters },
    });
  }

  getImage(name: string): Image {
    return new Image(this.transport, name);
  }

  /** The `docker save` archive of several images, as a stream; shared layers once. */
  saveImages(names: string[], o: CallOptions = {}): Promise<IncomingMessage> {
    return this.transport.stream({
      ...call(o),
      method: "GET",
      path: "/images/get",
      query: { names },
      // Docker 20.10 stages the whole archive in a temporary directory before the first byte.
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /** Pulls `ref`; progress as JSON lines, failures in-band as `error` (see json-stream.ts). */
  pull(ref: string, o: CallOptions & { authconfig?: AuthConfig } = {}): Promise<IncomingMessage> {
    return this.transport.stream({
      ...call(o),
      method: "POST",
      path: "/images/create",
      query: pullParams(ref),
      headers: registryAuthHeader(o.authconfig),
      // The engine answers only once the registry has: a slow registry is not a dead engine.
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /** Loads a `docker save` archive; the answer (JSON lines) comes once the engine has it. */
  loadImage(
    archive: NodeJS.ReadableStream | Buffer,
    o: CallOptions & { quiet?: boolean } = {},
  ): Promise<IncomingMessage> {
    return this.transport.stream({
      ...call(o),
      method: "POST",
      path: "/images/load",
      query: { quiet: o.quiet },
      upload: archive,
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /**
   * Imports a filesystem tar as a new single-layer image (`docker import -`), streamed into
   * the layer store as it arrives; the answer (JSON lines, the new id as the last `status`)
   * comes once the engine has it. `changes`: Dockerfile instructions for the new image's
   * config (e.g. `LABEL a=b`).
   */
  importImage(
    tar: NodeJS.ReadableStream,
    o: CallOptions & { changes?: string[]; message?: string } = {},
  ): Promise<IncomingMessage> {
    return this.transport.stream({
      ...call(o),
      method: "POST",
      path: "/images/create",
      query: { fromSrc: "-", changes: o.changes, message: o.message },
      upload: tar,
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /** Builds from a tar build context; output as JSON lines (`stream`, `error`, `aux`). */
  buildImage(
    context: NodeJS.ReadableStream | Buffer,
    o: BuildOptions = {},
  ): Promise<IncomingMessage> {
    return this.transport.stream({
      ...call(o),
      method: "POST",
      path: "/build",
      query: {
        t: o.t,
        dockerfile: o.dockerfile,
        buildargs: o.buildargs,
        labels: o.labels,
        target: o.target,
        rm: o.rm,
        forcerm: o.forcerm,
        nocache: o.nocache,
        pull: o.pull,
        networkmode: o.networkmode,
      },
      upload: context,
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  // ── networks ──
  listNetworks(o: CallOptions & { filters?: Filters } = {}): Promise<NetworkInspectInfo[]> {
    return this.transport.json({
      ...call(o),
      method: "GET",
      path: "/networks",
      query: { filters: o.filters },
    });
  }

  async createNetwork(o: NetworkCreateOptions & CallOptions): Promise<Network> {
    const { abortSignal, timeoutMs, ...body } = o;
    const r = await this.transport.json<{ Id: string }>({
      ...call({ abortSignal, timeoutMs }),
      method: "POST",
      path: "/networks/create",
      json: body,
    });
    return new Network(this.transport, r.Id);
  }

  getNetwork(id: string): Network {
    return new Network(this.transport, id);
  }

  // ── volumes ──
  listVolumes(
    o: CallOptions & { filters?: Filters } = {},
  ): Promise<{ Volumes: VolumeInspectInfo[] | null; Warnings: string[] | null }> {
    return this.transport.json({
      ...call(o),
      method: "GET",
      path: "/volumes",
      query: { filters: o.filters },
    });
  }

  createVolume(o: VolumeCreateOptions & CallOptions): Promise<VolumeInspectInfo> {
    const { abortSignal, timeoutMs, ...body } = o;
    return this.transport.json({
      ...call({ abortSignal, timeoutMs }),
      method: "POST",
      path: "/volumes/create",
      json: body,
    });
  }

  getVolume(name: string): Volume {
    return new Volume(this.transport, name);
  }
}

export class Network {
  readonly id: string;
  private readonly t: Transport;

  constructor(transport: Transport, id: string) {
    this.t = transport;
    this.id = id;
  }

  inspect(o: CallOptions = {}): Promise<NetworkInspectInfo> {
    return this.t.json({ ...call(o), method: "GET", path: `/networks/${pathSegment(this.id)}` });
  }

  async remove(o: CallOptions = {}): Promise<void> {
    await this.t.buffer({
      ...call(o),
      method: "DELETE",
      path: `/networks/${pathSegment(this.id)}`,
    });
  }

  async connect(
    o: CallOptions & { Container: string; EndpointConfig?: Record<string, unknown> },
  ): Promise<void> {
    const { abortSignal, timeoutMs, ...body } = o;
    await this.t.buffer({
      ...call({ abortSignal, timeoutMs }),
      method: "POST",
      path: `/networks/${pathSegment(this.id)}/connect`,
      json: body,
    });
  }

  async disconnect(o: CallOptions & { Container: string; Force?: boolean }): Promise<void> {
    const { abortSignal, timeoutMs, ...body } = o;
    await this.t.buffer({
      ...call({ abortSignal, timeoutMs }),
      method: "POST",
      path: `/networks/${pathSegment(this.id)}/disconnect`,
      json: body,
    });
  }
}

export class Volume {
  readonly name: string;
  private readonly t: Transport;

  constructor(transport: Transport, name: string) {
    this.t = transport;
    this.name = name;
  }

  inspect(o: CallOptions = {}): Promise<VolumeInspectInfo> {
    return this.t.json({ ...call(o), method: "GET", path: `/volumes/${pathSegment(this.name)}` });
  }

  async remove(o: CallOptions & { force?: boolean } = {}): Promise<void> {
    await this.t.buffer({
      ...call(o),
      method: "DELETE",
      path: `/volumes/${pathSegment(this.name)}`,
      query: { force: o.force },
    });
  }
}
