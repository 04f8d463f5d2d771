// A small delta server: GET <any path>?src=<image id>&dest=<image id | name@sha256:…>
// answers with the delta file from src to dest, computed on first request and cached.
// `dest` may be a digest reference (repository + manifest digest, what a device learns from
// its registry without pulling); the server resolves it to an image id on its engine and
// remembers the answer (digest references never change). Supports HEAD, ETag (the delta's
// sha256) and single byte ranges, so a device on a flaky link can resume.
import { createReadStream } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { isEvError, toEvError } from "../errors.ts";
import type { DeltaCache } from "./delta-cache.ts";

export const DELTA_MEDIA_TYPE = "application/vnd.edgevisor.delta.v1+tar";
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** `name@sha256:<hex>`: a repository and a manifest digest. */
const DIGEST_REF = /^[a-z0-9][a-z0-9._:/-]{0,254}@sha256:[0-9a-f]{64}$/;

export interface DeltaServerOptions {
  cache: DeltaCache;
  /**
   * The id of an image on the engine, from its id or a digest reference; undefined when
   * the engine lacks it. Unknown images answer 404 without computing anything.
   */
  resolveImage: (ref: string) => Promise<string | undefined>;
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
  // Digest references are immutable: once resolved, a cached delta can be served even
  // after the engine dropped the image.
  const resolved = new Map<string, string>();
  const resolveRef = async (ref: string) => {
    if (DIGEST.test(ref)) return ref;
    const known = resolved.get(ref);
    if (known) return known;
    const id = await options.resolveImage(ref);
    if (id && DIGEST.test(id)) resolved.set(ref, id);
    return id;
  };
  const present = async (id: string) => (await options.resolveImage(id)) === id;
  const notFound = (res: ServerResponse, ref: string) =>
    sendJson(res, 404, {
      error: "EV_IMAGE_NOT_FOUND",
      message: `image ${ref} is not on this server's engine`,
    });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return sendJson(res, 405, { error: "EV_USAGE", message: "only GET and HEAD" });
    }
    const url = new URL(req.url ?? "/", "http://delta.local");
    const src = url.searchParams.get("src") ?? "";
    const destRef = url.searchParams.get("dest") ?? "";
    if (!DIGEST.test(src) || !(DIGEST.test(destRef) || DIGEST_REF.test(destRef)))
      return sendJson(res, 400, {
        error: "EV_USAGE",
        message:
          "expected ?src=sha256:<image id>&dest=<sha256:<image id> | name@sha256:<manifest digest>>",
      });
    const dest = await resolveRef(destRef);
    if (!dest) return notFound(res, destRef);
    const started = Date.now();
    let delta = await options.cache.peek(src, dest);
    if (!delta) {
      for (const id of [src, dest]) if (!(await present(id))) return notFound(res, id);
      delta = await options.cache.get(src, dest);
    }
    log(
      `delta ${src.slice(7, 19)} → ${dest.slice(7, 19)}: ${delta.size} bytes (${Date.now() - started} ms)`,
    );
    const etag = `"${delta.digest}"`;
    const headers: Record<string, string | number> = {
      "content-type": DELTA_MEDIA_TYPE,
      etag,
      "accept-ranges": "bytes",
      "x-edgevisor-delta-digest": delta.digest,
      "x-edgevisor-target-id": dest,
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      return res.end();
    }
    // If-Range: a resumed download of a delta that changed meanwhile gets the whole file.
    const ifRange = req.headers["if-range"];
    const range =
      ifRange === undefined || ifRange === etag
        ? parseRange(req.headers.range, delta.size)
        : undefined;
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
