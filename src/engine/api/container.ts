// One container (and its execs) by id or name: the calls of /containers/{id}/… .
import type { IncomingMessage } from "node:http";
import { pathSegment } from "./query.ts";
import type { ContainerInspectInfo, ExecCreateOptions, ExecInspectInfo } from "./shapes.ts";
import type { Transport } from "./transport.ts";

/** Every call takes an abort signal; quick calls also a silence timeout (see Transport). */
export interface CallOptions {
  abortSignal?: AbortSignal | undefined;
  timeoutMs?: number;
}

export interface LogsOptions extends CallOptions {
  stdout?: boolean;
  stderr?: boolean;
  timestamps?: boolean;
  tail?: number | "all";
  since?: number;
  until?: number;
}

/** Extra seconds allowed past a stop's grace period for the engine to report the stop. */
const STOP_MARGIN_MS = 60_000;

/** One entry of GET /containers/{id}/changes. */
export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

export class Container {
  readonly id: string;
  private readonly t: Transport;
  private readonly base: string;

  constructor(transport: Transport, id: string) {
    this.t = transport;
    this.id = id;
    this.base = `/containers/${pathSegment(id)}`;
  }

  inspect(o: CallOptions & { size?: boolean } = {}): Promise<ContainerInspectInfo> {
    return this.t.json({
      ...call(o),
      method: "GET",
      path: `${this.base}/json`,
      query: { size: o.size },
    });
  }

  /**
   * Paths of the container's filesystem that differ from its image (kind 0 modified,
   * 1 added, 2 deleted). The engine answers null when nothing changed. `maxBytes`: a
   * longer answer is cut and refused with a RangeError (a container that rewrote a large
   * tree lists every path, and the answer is read whole).
   */
  async changes(o: CallOptions & { maxBytes?: number } = {}): Promise<ContainerChange[]> {
    const res = await this.t.stream({ ...call(o), method: "GET", path: `${this.base}/changes` });
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of res) {
        n += (c as Buffer).length;
        if (o.maxBytes !== undefined && n > o.maxBytes)
          throw new RangeError(`changes of container ${this.id}: over ${o.maxBytes} bytes`);
        chunks.push(c as Buffer);
      }
    } finally {
      res.destroy();
    }
    const body = Buffer.concat(chunks).toString("utf8");
    return (body.trim() ? (JSON.parse(body) as ContainerChange[] | null) : null) ?? [];
  }

  /** 304 (EngineApiError) when it is already running. */
  async start(o: CallOptions = {}): Promise<void> {
    await this.t.buffer({ ...call(o), method: "POST", path: `${this.base}/start` });
  }

  /** `t`: seconds before SIGKILL. 304 when it is not running. */
  async stop(o: CallOptions & { t?: number } = {}): Promise<void> {
    // The engine answers after the stop: allow the grace period (default 10 s) on top.
    const graceMs = (o.t ?? 10) * 1000;
    await this.t.buffer({
      ...call(o),
      method: "POST",
      path: `${this.base}/stop`,
      query: { t: o.t },
      timeoutMs: o.timeoutMs ?? graceMs + STOP_MARGIN_MS,
    });
  }

  async restart(o: CallOptions & { t?: number } = {}): Promise<void> {
    const graceMs = (o.t ?? 10) * 1000;
    await this.t.buffer({
      ...call(o),
      method: "POST",
      path: `${this.base}/restart`,
      query: { t: o.t },
      timeoutMs: o.timeoutMs ?? graceMs + STOP_MARGIN_MS,
    });
  }

  async kill(o: CallOptions & { signal?: string } = {}): Promise<void> {
    await this.t.buffer({
      ...call(o),
      method: "POST",
      path: `${this.base}/kill`,
      query: { signal: o.signal },
    });
  }

  async remove(o: CallOptions & { force?: boolean; v?: boolean } = {}): Promise<void> {
    await this.t.buffer({
      ...call(o),
      method: "DELETE",
      path: this.base,
      query: { force: o.force, v: o.v },
    });
  }

  /** Waits (without a timeout unless given) until it stops; its exit code. */
  wait(
    o: CallOptions & { condition?: "not-running" | "next-exit" | "removed" } = {},
  ): Promise<{ StatusCode: number; Error?: { Message?: string } | null }> {
    return this.t.json({
      ...call(o),
      method: "POST",
      path: `${this.base}/wait`,
      query: { condition: o.condition },
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /**
   * Output so far (a Buffer), or with `follow` a stream that stays open. Multiplexed frames
   * for containers without a TTY: see demux.ts.
   */
  logs(o: LogsOptions & { follow: true }): Promise<IncomingMessage>;
  logs(o?: LogsOptions & { follow?: false }): Promise<Buffer>;
  logs(o: LogsOptions & { follow?: boolean } = {}): Promise<Buffer | IncomingMessage> {
    const req = {
      ...call(o),
      method: "GET" as const,
      path: `${this.base}/logs`,
      query: {
        stdout: o.stdout,
        stderr: o.stderr,
        timestamps: o.timestamps,
        tail: o.tail,
        since: o.since,
        until: o.until,
        follow: o.follow,
      },
    };
    return o.follow ? this.t.stream(req) : this.t.buffer(req);
  }

  /** A tar stream of `path` (a file or a directory) inside the container. */
  getArchive(o: CallOptions & { path: string }): Promise<IncomingMessage> {
    return this.t.stream({
      ...call(o),
      method: "GET",
      path: `${this.base}/archive`,
      query: { path: o.path },
    });
  }

  /** Extracts a tar archive into directory `path`; the engine answers once it is extracted. */
  async putArchive(
    archive: Buffer | NodeJS.ReadableStream,
    o: CallOptions & { path: string; noOverwriteDirNonDir?: boolean },
  ): Promise<void> {
    await this.t.buffer({
      ...call(o),
      method: "PUT",
      path: `${this.base}/archive`,
      query: { path: o.path, noOverwriteDirNonDir: o.noOverwriteDirNonDir },
      upload: archive,
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  async exec(o: ExecCreateOptions & CallOptions): Promise<Exec> {
    const { abortSignal, timeoutMs, ...body } = o;
    const r = await this.t.json<{ Id: string }>({
      ...call({ abortSignal, timeoutMs }),
      method: "POST",
      path: `${this.base}/exec`,
      json: body,
    });
    return new Exec(this.t, r.Id);
  }
}

export class Exec {
  readonly id: string;
  private readonly t: Transport;

  constructor(transport: Transport, id: string) {
    this.t = transport;
    this.id = id;
  }

  /** Runs it; the stream carries its (multiplexed, without Tty) output until it exits. */
  start(o: CallOptions & { Tty?: boolean } = {}): Promise<IncomingMessage> {
    return this.t.stream({
      ...call(o),
      method: "POST",
      path: `/exec/${pathSegment(this.id)}/start`,
      json: { Detach: false, Tty: o.Tty ?? false },
    });
  }

  inspect(o: CallOptions = {}): Promise<ExecInspectInfo> {
    return this.t.json({ ...call(o), method: "GET", path: `/exec/${pathSegment(this.id)}/json` });
  }
}

/** The transport options of a call. */
export function call(o: CallOptions): { signal?: AbortSignal; timeoutMs?: number } {
  return {
    ...(o.abortSignal ? { signal: o.abortSignal } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  };
}
