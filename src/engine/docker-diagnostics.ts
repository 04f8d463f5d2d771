// The doctor's engine reads on our engine client. The engine's shapes stop here: everything
// leaves as the doctor's own types (src/doctor/engine-diagnostics.ts). Read-only by
// construction: ping, info, version, list, inspect and a bounded events query.
import { EvError } from "../errors.ts";
import { DockerHostError, EngineClient, jsonLines } from "./api/index.ts";
import type {
  ContainerDetails,
  EngineDiagnostics,
  EngineInfo,
  OomEvent,
} from "../doctor/engine-diagnostics.ts";

interface RawInfo {
  ServerVersion?: string;
  Driver?: string;
  DriverStatus?: [string, string][];
  DockerRootDir?: string;
  OperatingSystem?: string;
  KernelVersion?: string;
}

/** What we read of an inspect: every field optional, as engines differ in what they fill. */
interface RawInspect {
  State?: { Running?: boolean; Pid?: number; OOMKilled?: boolean };
  HostConfig?: { Memory?: number; Ulimits?: { Name: string; Soft: number; Hard: number }[] | null };
}

const INSPECT_CONCURRENCY = 8;

/**
 * The engine at `dockerHost` (the agent's resolved DOCKER_HOST). Only a unix socket counts
 * as local, so its data root is this machine's.
 */
export function dockerDiagnosticsFor(dockerHost: string): EngineDiagnostics {
  let docker: EngineClient;
  try {
    docker = new EngineClient({ dockerHost });
  } catch (e) {
    if (!(e instanceof DockerHostError)) throw e;
    throw new EvError("EV_CONFIG_INVALID", e.message, {
      hint: "set DOCKER_HOST to unix:///path/to/docker.sock or tcp://host:port",
    });
  }
  return dockerDiagnostics(docker, {
    local: docker.transport.address.kind === "unix",
    address: dockerHost,
  });
}

export function dockerDiagnostics(
  docker: EngineClient,
  where: { local: boolean; address: string },
): EngineDiagnostics {
  return {
    local: where.local,
    address: where.address,

    async ping(signal) {
      await docker.ping({ abortSignal: signal });
    },

    async info(signal): Promise<EngineInfo> {
      const [info, version] = await Promise.all([
        docker.info({ abortSignal: signal }) as Promise<RawInfo>,
        docker.version({ abortSignal: signal }),
      ]);
      const backing = info.DriverStatus?.find(([k]) => k === "Backing Filesystem")?.[1];
      return {
        version: info.ServerVersion ?? version.Version ?? "unknown",
        apiVersion: version.ApiVersion ?? "unknown",
        storageDriver: info.Driver ?? "unknown",
        ...(backing ? { backingFilesystem: backing } : {}),
        dataRoot: info.DockerRootDir ?? "/var/lib/docker",
        operatingSystem: info.OperatingSystem ?? "unknown",
        kernelVersion: info.KernelVersion ?? "unknown",
      };
    },

    async containers(signal): Promise<ContainerDetails[]> {
      const list = await docker.listContainers({ all: true, size: true, abortSignal: signal });
      const details = await mapLimited(list, INSPECT_CONCURRENCY, async (c) => {
        const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, "");
        let inspect: RawInspect;
        try {
          inspect = (await docker
            .getContainer(c.Id)
            .inspect({ abortSignal: signal })) as unknown as RawInspect;
        } catch (e) {
          // Removed between list and inspect: it is not there any more.
          if ((e as { statusCode?: number }).statusCode === 404) return undefined;
          throw e;
        }
        const core = inspect.HostConfig?.Ulimits?.find((u) => u.Name === "core");
        const running = inspect.State?.Running ?? c.State === "running";
        const pid = inspect.State?.Pid;
        return {
          id: c.Id,
          name,
          labels: c.Labels ?? {},
          running,
          ...(running && pid ? { pid } : {}),
          memoryLimitBytes: inspect.HostConfig?.Memory ?? 0,
          oomKilled: inspect.State?.OOMKilled ?? false,
          ...(core ? { coreUlimit: { soft: core.Soft, hard: core.Hard } } : {}),
          sizeRwBytes: (c as { SizeRw?: number }).SizeRw ?? 0,
        } satisfies ContainerDetails;
      });
      return details.filter((d) => d !== undefined);
    },

    async oomEvents(since, until, signal): Promise<OomEvent[]> {
      const stream = await docker.getEvents({
        since: engineTime(since),
        // Exact to the millisecond: rounded down it would drop the last second's events,
        // rounded up the engine would wait for that second to pass.
        until: engineTime(until),
        filters: { type: ["container"], event: ["oom"] },
        abortSignal: signal,
      });
      const events: OomEvent[] = [];
      for await (const e of jsonLines<RawEvent>(stream)) events.push(toOomEvent(e));
      return events;
    },
  };
}

/** "seconds.nanoseconds", the engine's timestamp form (the fraction is nanoseconds, padded). */
function engineTime(d: Date): string {
  const ms = d.getTime();
  const nanos = String((ms % 1000) * 1_000_000).padStart(9, "0");
  return `${Math.floor(ms / 1000)}.${nanos}`;
}

interface RawEvent {
  id?: string;
  time?: number;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

function toOomEvent(e: RawEvent): OomEvent {
  const id = e.Actor?.ID ?? e.id ?? "";
  return {
    containerId: id,
    name: e.Actor?.Attributes?.name ?? id.slice(0, 12),
    at: new Date(e.timeNano ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000),
  };
}

async function mapLimited<T, R>(items: T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
