// The engine as the agent sees it: our own small domain types, so nothing outside
// src/engine/ depends on the engine API's JSON shapes.
import type { EngineLogLine } from "./log-stream.ts";
import type { BuildSpec, NetworkSpec, Release, ServiceSpec, VolumeSpec } from "../release/types.ts";

export type ContainerStatus =
  "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface ContainerState {
  id: string;
  name: string;
  app: string;
  service: string;
  releaseId: string;
  configHash: string;
  imageId: string;
  /** The image reference the container was created from. */
  image: string;
  status: ContainerStatus;
  health?: HealthStatus;
  exitCode?: number;
  /** Epoch ms of the last start; undefined when never started. */
  startedAt?: number;
  /** Container id whose network namespace this one joined (network_mode: service:X). */
  netnsOf?: string;
  oomKilled?: boolean;
  /** Restarts the engine did under the restart policy since the container was created. */
  restartCount?: number;
}

export interface ImageState {
  id: string;
  refs: string[];
}

/** An image with what the disk guard needs to judge it (`imageUsage`). */
export interface ImageUsage {
  id: string;
  refs: string[];
  /** Bytes on disk, shared layers included (the engine's Size). */
  sizeBytes: number;
  labels: Record<string, string>;
  /** Containers (any state, any owner) created from it. */
  containers: number;
}

export interface EngineSnapshot {
  containers: ContainerState[];
  images: ImageState[];
  networks: { name: string; id: string; app: string }[];
  volumes: { name: string; app: string }[];
}

export interface Progress {
  /** Short phase name, e.g. "pull", "build", "extract". */
  phase: string;
  subject: string;
  current?: number;
  total?: number;
  detail?: string;
}

export type ProgressSink = (p: Progress) => void;

export interface CreateContainerRequest {
  release: Release;
  service: ServiceSpec;
  configHash: string;
  lockDir: string;
  /** Resolved container id for network_mode: service:X. */
  netnsContainerId?: string;
  /** For services that use the local API: the network to join and the variables to set. */
  supervisor?: { network: string | undefined; env: Record<string, string> };
}

export interface EngineEvent {
  type: string;
  action: string;
  id: string;
  labels: Record<string, string>;
}

/** Everything the executor and daemon need from a Docker-API engine. */
export interface ContainerEngine {
  ping(): Promise<void>;
  /**
   * Light health probe that writes nothing: the API ping, then one cheap read through the
   * engine's container store. Rejects when either fails or `timeoutMs` passes.
   */
  healthProbe(timeoutMs: number): Promise<void>;
  snapshot(app: string): Promise<EngineSnapshot>;
  pullImage(ref: string, progress: ProgressSink, signal?: AbortSignal): Promise<void>;
  buildImage(
    ref: string,
    build: BuildSpec,
    progress: ProgressSink,
    signal?: AbortSignal,
  ): Promise<void>;
  removeImage(ref: string): Promise<void>;
  createNetwork(app: string, network: NetworkSpec): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  /** The IPv4 gateway of a network (the host's address on it), if it has one. */
  networkGateway(name: string): Promise<string | undefined>;
  createVolume(app: string, volume: VolumeSpec): Promise<void>;
  /** Only ever called on explicit request (purge, cleanup-volumes): volumes hold user data. */
  removeVolume(name: string): Promise<void>;
  createContainer(req: CreateContainerRequest): Promise<string>;
  /** Start; with `networksOf`, first connect the release networks create could not attach. */
  startContainer(id: string, networksOf?: CreateContainerRequest): Promise<void>;
  /** Graceful stop (SIGTERM or the service's stop signal, then SIGKILL after the grace period). */
  stopContainer(id: string, graceMs: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** Where the engine keeps images, containers and volumes (DockerRootDir), for the disk guard. */
  dataRoot(): Promise<string>;
  /** Every image on the engine with its size and the containers using it, for the disk guard. */
  imageUsage(): Promise<ImageUsage[]>;
  /** The app's container output, oldest first; with `follow`, until `signal` aborts. */
  streamLogs(
    app: string,
    opts: { follow: boolean; services?: string[] },
    signal: AbortSignal,
  ): AsyncIterable<EngineLogLine>;
  /** Engine events about managed objects; returns a function that stops the subscription. */
  watchEvents(onEvent: (e: EngineEvent) => void, onError: (e: Error) => void): Promise<() => void>;
}
