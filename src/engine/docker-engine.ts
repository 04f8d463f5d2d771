// The one ContainerEngine implementation: a Docker-API engine (Docker, balenaEngine, Podman's
// Docker socket) through our own client (./api/). The engine's JSON shapes stay inside this file.
import type { EngineClient } from "./api/index.ts";
import { EvError } from "../errors.ts";
import type { BuildSpec, NetworkSpec, VolumeSpec } from "../release/types.ts";
import { containerPlan, type ContainerPlan } from "./container-config.ts";
import { engineError, isStatus } from "./engine-errors.ts";
import { LABEL, managedLabels } from "./labels.ts";
import { networkName, volumeName } from "./names.ts";
import { followJsonStream, lineSplitter } from "./json-stream.ts";
import { LogDemuxer, mergeSources, type EngineLogLine } from "./log-stream.ts";
import { toContainerState } from "./inspect.ts";
import type {
  ContainerEngine,
  CreateContainerRequest,
  EngineEvent,
  EngineSnapshot,
  ImageUsage,
  ProgressSink,
} from "./types.ts";

export class DockerEngine implements ContainerEngine {
  private readonly docker: EngineClient;

  constructor(docker: EngineClient) {
    this.docker = docker;
  }

  async ping(): Promise<void> {
    await this.call("ping", () => this.docker.ping());
  }

  async healthProbe(timeoutMs: number): Promise<void> {
    // _ping is answered before the daemon looks at any state; listing one container goes
    // through its in-memory container view, so a wedged store fails here. Both only read.
    const abortSignal = AbortSignal.timeout(timeoutMs);
    await this.call("ping", () => this.docker.ping({ abortSignal }));
    await this.call("list containers", () => this.docker.listContainers({ limit: 1, abortSignal }));
  }

  async snapshot(app: string): Promise<EngineSnapshot> {
    const labelFilter = [`${LABEL.managed}=true`, `${LABEL.app}=${app}`];
    const [list, images, networks, volumes] = await Promise.all([
      this.call("list containers", () =>
        this.docker.listContainers({ all: true, filters: { label: labelFilter } }),
      ),
      this.call("list images", () => this.docker.listImages()),
      this.call("list networks", () =>
        this.docker.listNetworks({ filters: { label: labelFilter } }),
      ),
      this.call("list volumes", () => this.docker.listVolumes({ filters: { label: labelFilter } })),
    ]);
    const inspected = await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .inspect()
          .catch((e: unknown) => (isStatus(e, 404) ? undefined : Promise.reject(e))),
      ),
    );
    return {
      containers: inspected.filter((c) => c !== undefined).map(toContainerState),
      images: images.map((i) => ({
        id: i.Id,
        refs: (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>"),
      })),
      networks: networks.map((n) => ({ name: n.Name, id: n.Id, app: n.Labels?.[LABEL.app] ?? "" })),
      volumes: (volumes.Volumes ?? []).map((v) => ({
        name: v.Name,
        app: v.Labels?.[LABEL.app] ?? "",
      })),
    };
  }

  async pullImage(ref: string, progress: ProgressSink, signal?: AbortSignal): Promise<void> {
    const stream = await this.docker.pull(ref, { abortSignal: signal }).catch((e: unknown) => {
      const err = engineError(`pull ${ref}`, e);
      if (err.code === "EV_ENGINE_UNREACHABLE") throw err;
      throw new EvError("EV_IMAGE_FETCH_FAILED", err.message, {
        hint: "check the image reference and that the registry is reachable; the running release is unchanged",
        cause: e,
      });
    });
    await followJsonStream(stream, (msg) => {
      if (msg.error) throw new EvError("EV_IMAGE_FETCH_FAILED", `pull ${ref}: ${msg.error}`);
      const detail = msg.progressDetail;
      progress({
        phase: "pull",
        subject: ref,
        detail: msg.status,
        current: detail?.current,
        total: detail?.total,
      });
    });
  }

  async buildImage(
    ref: string,
    build: BuildSpec,
    progress: ProgressSink,
    signal?: AbortSignal,
  ): Promise<void> {
    // Only builds need these (tar-fs, tar-stream, @balena/dockerignore): an agent whose
    // release has no build: services never loads them.
    const [{ pack }, { dockerignoreFilter }] = await Promise.all([
      import("tar-fs"),
      import("./dockerignore.ts"),
    ]);
    const ignore = await dockerignoreFilter(build.context);
    // tar-fs packs into a streamx stream: it pipes like a Node stream.
    const context = pack(build.context, { ignore }) as unknown as NodeJS.ReadableStream;
    const stream = await this.call(`build ${ref}`, () =>
      this.docker.buildImage(context, {
        t: ref,
        dockerfile: build.dockerfile,
        buildargs: build.args,
        target: build.target,
        labels: build.labels,
        rm: true,
        forcerm: true,
        abortSignal: signal,
      }),
    );
    let step = 0;
    await followJsonStream(stream, (msg) => {
      if (msg.error) {
        throw new EvError(
          "EV_BUILD_FAILED",
          `build ${ref} from ${build.context}: ${msg.error.trim()}`,
          {
            hint: "fix the Dockerfile or build context; the running release is unchanged",
          },
        );
      }
      const line = msg.stream?.trim();
      if (line?.startsWith("Step "))
        progress({ phase: "build", subject: ref, detail: line, current: ++step });
    });
  }

  async removeImage(ref: string): Promise<void> {
    await this.docker
      .getImage(ref)
      .remove()
      .catch((e: unknown) => {
        if (!isStatus(e, 404)) throw engineError(`remove image ${ref}`, e);
      });
  }

  async createNetwork(app: string, n: NetworkSpec): Promise<void> {
    const name = networkName(app, n.name);
    await this.docker
      .createNetwork({
        Name: name,
        Driver: n.driver,
        Options: n.driverOpts,
        Internal: n.internal,
        CheckDuplicate: true,
        Labels: { ...n.labels, ...managedLabels(app) },
        ...(n.ipam?.subnet
          ? {
              IPAM: {
                Driver: "default",
                Config: [{ Subnet: n.ipam.subnet, Gateway: n.ipam.gateway }],
              },
            }
          : {}),
      })
      .catch((e: unknown) => {
        if (!isStatus(e, 409)) throw engineError(`create network ${name}`, e);
      });
  }

  async removeNetwork(name: string): Promise<void> {
    await this.docker
      .getNetwork(name)
      .remove()
      .catch((e: unknown) => {
        if (!isStatus(e, 404)) throw engineError(`remove network ${name}`, e);
      });
  }

  async networkGateway(name: string): Promise<string | undefined> {
    const info = await this.call(`inspect network ${name}`, () =>
      this.docker.getNetwork(name).inspect(),
    );
    const configs = (info.IPAM?.Config ?? []) as { Gateway?: string }[];
    return configs.map((c) => c.Gateway).find((g) => g && !g.includes(":"));
  }

  async createVolume(app: string, v: VolumeSpec): Promise<void> {
    const name = volumeName(app, v.name);
    await this.call(`create volume ${name}`, () =>
      this.docker.createVolume({
        Name: name,
        Driver: v.driver,
        DriverOpts: v.driverOpts,
        Labels: { ...v.labels, ...managedLabels(app) },
      }),
    );
  }

  async removeVolume(name: string): Promise<void> {
    await this.docker
      .getVolume(name)
      .remove()
      .catch((e: unknown) => {
        if (!isStatus(e, 404)) throw engineError(`remove volume ${name}`, e);
      });
  }

  async createContainer(req: CreateContainerRequest): Promise<string> {
    const plan: ContainerPlan = containerPlan(req);
    try {
      const c = await this.docker.createContainer(plan.options);
      return c.id;
    } catch (e) {
      // Same name = same config hash: an earlier run (maybe killed) created it already.
      if (isStatus(e, 409)) return (await this.docker.getContainer(plan.name).inspect()).Id;
      throw engineError(`create container ${plan.name}`, e);
    }
  }

  async startContainer(id: string, networks: CreateContainerRequest | undefined): Promise<void> {
    const c = this.docker.getContainer(id);
    if (networks) {
      // Connect the networks create could not attach (one per create on API 1.41). Done at
      // start so a create interrupted between the two calls is completed, not duplicated.
      const info = await this.call(`inspect ${id}`, () => c.inspect());
      const attached = new Set(Object.keys(info.NetworkSettings.Networks ?? {}));
      for (const n of containerPlan(networks).extraNetworks) {
        if (attached.has(n.name)) continue;
        await this.call(`connect ${info.Name} to ${n.name}`, () =>
          this.docker.getNetwork(n.name).connect({
            Container: id,
            EndpointConfig: {
              Aliases: n.aliases,
              ...(n.ipv4Address ? { IPAMConfig: { IPv4Address: n.ipv4Address } } : {}),
            },
          }),
        );
      }
    }
    await c.start().catch((e: unknown) => {
      if (!isStatus(e, 304)) throw engineError(`start container ${id}`, e);
    });
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    await this.docker
      .getContainer(id)
      .stop({ t: Math.ceil(graceMs / 1000) })
      .catch((e: unknown) => {
        if (!isStatus(e, 304) && !isStatus(e, 404)) throw engineError(`stop container ${id}`, e);
      });
  }

  async removeContainer(id: string): Promise<void> {
    // v: anonymous volumes go with their container (they would only fill the disk);
    // named volumes are never removed here.
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((e: unknown) => {
        if (!isStatus(e, 404)) throw engineError(`remove container ${id}`, e);
      });
  }

  async dataRoot(): Promise<string> {
    const info = await this.call("info", () => this.docker.info());
    return typeof info.DockerRootDir === "string" ? info.DockerRootDir : "/var/lib/docker";
  }

  async imageUsage(): Promise<ImageUsage[]> {
    const [images, containers] = await Promise.all([
      this.call("list images", () => this.docker.listImages({ all: false })),
      this.call("list containers", () => this.docker.listContainers({ all: true })),
    ]);
    const users = new Map<string, number>();
    for (const c of containers) users.set(c.ImageID, (users.get(c.ImageID) ?? 0) + 1);
    return images.map((i) => ({
      id: i.Id,
      refs: (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>"),
      sizeBytes: i.Size,
      labels: i.Labels ?? {},
      containers: users.get(i.Id) ?? 0,
    }));
  }

  streamLogs(
    app: string,
    opts: { follow: boolean; services?: string[] },
    signal: AbortSignal,
  ): AsyncIterable<EngineLogLine> {
    return mergeSources<EngineLogLine>(async (emit, done) => {
      const list = await this.call("list containers", () =>
        this.docker.listContainers({
          all: true,
          filters: { label: [`${LABEL.managed}=true`, `${LABEL.app}=${app}`] },
        }),
      );
      const wanted = list.filter(
        (c) => !opts.services || opts.services.includes(c.Labels[LABEL.service] ?? ""),
      );
      for (const c of wanted) {
        const demux = new LogDemuxer(c.Labels[LABEL.service] ?? c.Id);
        const container = this.docker.getContainer(c.Id);
        const base = {
          stdout: true,
          stderr: true,
          timestamps: true,
          tail: opts.follow ? 0 : 200,
          abortSignal: signal,
        };
        if (!opts.follow) {
          const buf = await container.logs({ ...base, follow: false });
          emit(demux.push(buf));
          done();
          continue;
        }
        const stream = await container.logs({ ...base, follow: true });
        stream.on("data", (b: Buffer) => emit(demux.push(b)));
        stream.on("end", done);
        stream.on("error", done);
        signal.addEventListener("abort", () => stream.destroy(), { once: true });
      }
      return wanted.length;
    }, signal);
  }

  async watchEvents(
    onEvent: (e: EngineEvent) => void,
    onError: (e: Error) => void,
  ): Promise<() => void> {
    const stream = await this.call("watch events", () =>
      this.docker.getEvents({ filters: { label: [`${LABEL.managed}=true`] } }),
    );
    const lines = lineSplitter((line) => {
      const raw = JSON.parse(line) as {
        Type: string;
        Action: string;
        Actor: { ID: string; Attributes?: Record<string, string> };
      };
      onEvent({
        type: raw.Type,
        action: raw.Action,
        id: raw.Actor.ID,
        labels: raw.Actor.Attributes ?? {},
      });
    });
    stream.on("data", (chunk: Buffer) => lines.push(chunk));
    stream.on("error", (e: Error) => onError(e));
    stream.on("end", () => onError(new Error("engine event stream ended")));
    return () => stream.destroy();
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw engineError(what, e);
    }
  }
}
