// One HTTP exchange with the engine over its unix socket or plain TCP, on node:http alone:
// no connection pooling (a unix-socket connect costs microseconds, and a fresh socket can
// never be one the engine already closed), an abort signal and a silence timeout on every
// call, and the engine's error answers turned into EngineApiError.
import http from "node:http";
import { errorFromResponse, EngineTimeoutError } from "./errors.ts";
import type { EngineAddress } from "./docker-host.ts";
import { queryString, type QueryValue } from "./query.ts";

/** The newest API version this client speaks (Docker 20.10, balenaEngine 20.10). */
export const MAX_API_VERSION = "1.41";

export interface RequestOptions {
  method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  /** Path without the version prefix: "/containers/json". */
  path: string;
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (tar archives): a Buffer, or a stream piped as it is produced. */
  upload?: Buffer | NodeJS.ReadableStream;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /**
   * How long the engine may stay silent before it answers, and (for answers read whole)
   * while the body arrives. 0: no limit, the signal alone ends the call (waits, event feeds,
   * uploads whose answer comes only after the engine has processed them).
   */
  timeoutMs?: number;
  /** false for /_ping and /version-less paths; the version prefix is added otherwise. */
  versioned?: boolean;
}

export interface TransportOptions {
  address: EngineAddress;
  /** Fixed API version ("1.41"); negotiated with the engine (≤ MAX_API_VERSION) when unset. */
  apiVersion?: string;
  /** Default silence timeout of calls that do not set their own. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

export class Transport {
  readonly address: EngineAddress;
  readonly defaultTimeoutMs: number;
  private version: string | undefined;
  private negotiating: Promise<string> | undefined;
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(o: TransportOptions) {
    this.address = o.address;
    this.version = o.apiVersion;
    this.defaultTimeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The answer's body as parsed JSON (undefined for an empty body). */
  async json<T>(o: RequestOptions): Promise<T> {
    const body = await this.buffer(o);
    return (body.length ? JSON.parse(body.toString("utf8")) : undefined) as T;
  }

  /** The whole answer body. */
  async buffer(o: RequestOptions): Promise<Buffer> {
    const res = await this.exchange(o, true);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * The answer as a stream, once the engine has answered 2xx. The silence timeout ends with
   * the headers: a consumer may pause the stream for as long as it likes; `signal` still
   * destroys it.
   */
  stream(o: RequestOptions): Promise<http.IncomingMessage> {
    return this.exchange(o, false);
  }

  /** The API version in use; asks the engine (GET /_ping) the first time when not fixed. */
  async apiVersion(signal?: AbortSignal): Promise<string> {
    if (this.version) return this.version;
    this.negotiating ??= this.exchange(
      { method: "GET", path: "/_ping", versioned: false, signal },
      true,
    ).then(
      (res) => {
        res.resume();
        this.version ??= MAX_API_VERSION;
        return this.version;
      },
      (e: unknown) => {
        this.negotiating = undefined;
        throw e;
      },
    );
    return this.negotiating;
  }

  private async exchange(o: RequestOptions, whole: boolean): Promise<http.IncomingMessage> {
    // Hold a streamed upload until it is piped: a source already flowing (a progress
    // listener on it) would otherwise emit bytes into the void while the version is asked.
    // pipe() resumes it. This runs synchronously, before the first await.
    if (o.upload && !Buffer.isBuffer(o.upload)) o.upload.pause();
    const versioned = o.versioned ?? true;
    const prefix = versioned ? `/v${await this.apiVersion(o.signal)}` : "";
    const path = `${prefix}${o.path}${queryString(o.query)}`;
    const timeoutMs = o.timeoutMs ?? this.defaultTimeoutMs;
    const headers: Record<string, string> = { ...o.headers };
    let payload: Buffer | undefined;
    if (o.json !== undefined) {
      payload = Buffer.from(JSON.stringify(o.json));
      headers["content-type"] = "application/json";
    } else if (Buffer.isBuffer(o.upload)) {
      payload = o.upload;
      headers["content-type"] ??= "application/x-tar";
    } else if (o.upload) {
      headers["content-type"] ??= "application/x-tar";
    }
    if (payload) headers["content-length"] = String(payload.length);
    const where =
      this.address.kind === "unix"
        ? { socketPath: this.address.socketPath }
        : { host: this.address.host, port: this.address.port };

    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const signal = o.signal;
      if (signal?.aborted) return reject(abortReason(signal));
      let settled = false;
      let response: http.IncomingMessage | undefined;
      const settle = () => {
        settled = true;
        if (!response) signal?.removeEventListener("abort", onAbort);
      };
      // Before the answer: reject. After it: end the body the caller is reading.
      const fail = (e: Error) => {
        req.destroy(e);
        response?.destroy(e);
        if (!settled) {
          settle();
          reject(e);
        }
      };
      const onAbort = () => fail(abortReason(signal!));
      const req = http.request({
        ...where,
        method: o.method,
        path,
        headers,
        agent: this.agent,
        ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}),
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      req.on("timeout", () => fail(new EngineTimeoutError(o.method, path, timeoutMs)));
      // After the answer, socket errors reach the caller through the response stream.
      req.on("error", (e) => {
        if (!settled) fail(e);
      });
      req.on("response", (res) => {
        response = res;
        res.once("close", () => signal?.removeEventListener("abort", onAbort));
        if (!versioned) this.noteVersion(res);
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          // The engine refused before taking the whole upload: stop sending it.
          // (tar-fs/tar-stream packs are streamx streams, which have no unpipe.)
          if (o.upload && !Buffer.isBuffer(o.upload)) o.upload.unpipe?.(req);
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (e) => fail(e));
          res.on("end", () => {
            if (settled) return;
            settle();
            req.setTimeout(0);
            reject(errorFromResponse(status, o.method, path, Buffer.concat(chunks)));
          });
          return;
        }
        // A body read whole keeps the silence timeout; a stream is the caller's to pace.
        if (!whole) req.setTimeout(0);
        settle();
        resolve(res);
      });
      if (payload) req.end(payload);
      else if (o.upload && !Buffer.isBuffer(o.upload)) {
        o.upload.once("error", (e) => fail(e));
        o.upload.pipe(req);
      } else req.end();
    });
  }

  /** The engine names its API version on /_ping; use it when older than ours. */
  private noteVersion(res: http.IncomingMessage): void {
    if (this.version) return;
    const offered = res.headers["api-version"];
    if (typeof offered !== "string" || !/^\d+\.\d+$/.test(offered)) return;
    this.version = compareVersions(offered, MAX_API_VERSION) < 0 ? offered : MAX_API_VERSION;
  }
}

export function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split(".").map(Number);
  const [bm = 0, bn = 0] = b.split(".").map(Number);
  return am - bm || an - bn;
}

function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  return new DOMException("the engine call was aborted", "AbortError");
}
