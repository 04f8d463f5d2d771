// A small delta server: GET <any path>?src=<image id>&dest=<image id> answers with the
// delta file from src to dest, computed on first request and cached. Supports HEAD, ETag
// (the delta's sha256) and single byte ranges, so a device on a flaky link can resume.
import { createReadStream } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { isEvError, toEvError } from "../errors.ts";
import type { DeltaCache } from "./delta-cache.ts";

export const DELTA_MEDIA_TYPE = "application/vnd.edgevisor.delta.v1+tar";
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface DeltaServerOptions {
  cache: DeltaCache;
  /** Is the image on the engine? Unknown ids answer 404 without computing anything. */
  hasImage: (id: string) => Promise<boolean>;
  log?: (line: string) => void;
}

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === "" && b === "") return undefined;
  if (a === "") {
    const n = Math.min(Number(b), size);
    return [size - n, size - 1];
  }
  const start = Number(a);
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  return start <= end && start < size ? [start, end] : [size, size - 1];
}

export function createDeltaServer(options: DeltaServerOptions): Server {
  const log = options.log ?? (() => {});
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return sendJson(res, 405, { error: "EV_USAGE", message: "only GET and HEAD" });
    }
    const url = new URL(req.url ?? "/", "http://delta.local");
    const src = url.searchParams.get("src") ?? "";
    const dest = url.searchParams.get("dest") ?? "";
    if (!DIGEST.test(src) || !DIGEST.test(dest))
      return sendJson(res, 400, {
        error: "EV_USAGE",
        message: "expected ?src=sha256:<hex>&dest=sha256:<hex> (image ids)",
      });
    for (const id of [src, dest])
      if (!(await options.hasImage(id)))
        return sendJson(res, 404, {
          error: "EV_IMAGE_NOT_FOUND",
          message: `image ${id} is not on this server's engine`,
        });
    const started = Date.now();
    const delta = await options.cache.get(src, dest);
    log(
      `delta ${src.slice(7, 19)} → ${dest.slice(7, 19)}: ${delta.size} bytes (${Date.now() - started} ms)`,
    );
    const etag = `"${delta.digest}"`;
    const headers: Record<string, string | number> = {
      "content-type": DELTA_MEDIA_TYPE,
      etag,
      "accept-ranges": "bytes",
      "x-edgevisor-delta-digest": delta.digest,
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      return res.end();
    }
    const range = parseRange(req.headers.range, delta.size);
    if (range && range[0] >= delta.size) {
      res.writeHead(416, { ...headers, "content-range": `bytes */${delta.size}` });
      return res.end();
    }
    const [start, end] = range ?? [0, delta.size - 1];
    res.writeHead(range ? 206 : 200, {
      ...headers,
      "content-length": end - start + 1,
      ...(range ? { "content-range": `bytes ${start}-${end}/${delta.size}` } : {}),
    });
    if (req.method === "HEAD" || delta.size === 0) return res.end();
    await pipeline(createReadStream(delta.file, { start, end }), res);
  };
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = toEvError(e);
      log(`error: ${err.format()}`);
      if (res.headersSent) return res.destroy();
      sendJson(res, isEvError(e) ? err.httpStatus : 500, {
        error: err.code,
        message: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
      });
    });
  });
}
