// Downloading a delta file over HTTP on a flaky link: a cut connection resumes with
// `Range: bytes=N-` (only a `206` whose `Content-Range` starts at N is appended; a `200`
// starts over), up to `retries` times with exponential backoff and jitter, within an
// overall timeout. The file's sha256 is checked against `X-Edgevisor-Delta-Digest`.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { EvError } from "../errors.ts";

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Further attempts after the first one (default 5). */
  retries?: number;
  /** First backoff; doubles per retry up to backoffMaxMs, each with ±50 % jitter. */
  backoffMs?: number;
  backoffMaxMs?: number;
  /** The whole download, retries included (default 30 min). */
  timeoutMs?: number;
  /** An attempt that receives nothing for this long is cut and retried (default 60 s). */
  stallMs?: number;
  onProgress?: (done: number, total: number | undefined) => void;
  /** Each retry: why, and from which byte it resumes. */
  onRetry?: (reason: string, from: number, attempt: number) => void;
  fetch?: typeof fetch;
}

export interface DownloadResult {
  bytes: number;
  attempts: number;
  /** Attempts that continued a partial file with a range request. */
  resumed: number;
  digest: string;
}

/** A final answer: retrying will not help (404, 400, 403…). */
class NotRetryable extends Error {}

const DEFAULTS = { retries: 5, backoffMs: 500, backoffMaxMs: 30_000, timeoutMs: 30 * 60_000 };

/** What is known about the file so far; each attempt moves it on. */
interface Transfer {
  have: number;
  total: number | undefined;
  etag: string | undefined;
  digest: string | undefined;
  resumed: number;
}

export async function downloadDelta(
  url: string,
  file: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const o = { ...DEFAULTS, ...options };
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const t: Transfer = { have: 0, total: undefined, etag: undefined, digest: undefined, resumed: 0 };
  const fh = await open(file, "w");
  let attempt = 1;
  try {
    for (; ; attempt++) {
      try {
        await attemptOnce(url, fh, t, signal, o.stallMs ?? 60_000, options);
        if (t.total === undefined || t.have === t.total) break;
        throw new Error(`connection closed at byte ${t.have} of ${t.total}`);
      } catch (e) {
        if (signal.aborted) {
          if (options.signal?.aborted) throw options.signal.reason;
          throw new EvError("EV_TIMEOUT", `delta download timed out after ${o.timeoutMs} ms`, {
            cause: e,
          });
        }
        if (e instanceof NotRetryable || attempt > o.retries)
          throw new EvError(
            "EV_IMAGE_FETCH_FAILED",
            `delta download: ${(e as Error).message}${attempt > 1 ? ` (attempt ${attempt})` : ""}`,
            { cause: e },
          );
        options.onRetry?.((e as Error).message, t.have, attempt);
        const delay = Math.min(o.backoffMaxMs, o.backoffMs * 2 ** (attempt - 1));
        await sleep(delay * (0.5 + Math.random()), undefined, { signal }).catch(() => {});
      }
    }
    await fh.truncate(t.have);
  } finally {
    await fh.close();
  }
  const actual = await sha256File(file);
  if (t.digest && t.digest !== actual)
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `delta download: the file's sha256 is ${actual}, the server announced ${t.digest}`,
    );
  return { bytes: t.have, attempts: attempt, resumed: t.resumed, digest: actual };
}

/** One request: from byte 0, or from `t.have` with a range request. */
async function attemptOnce(
  url: string,
  fh: FileHandle,
  t: Transfer,
  signal: AbortSignal,
  stallMs: number,
  options: DownloadOptions,
): Promise<void> {
  const stall = new AbortController();
  let timer = setTimeout(() => stall.abort(), stallMs);
  const headers: Record<string, string> = {};
  if (t.have > 0) {
    headers.range = `bytes=${t.have}-`;
    if (t.etag) headers["if-range"] = t.etag;
  }
  try {
    const res = await (options.fetch ?? fetch)(url, {
      headers,
      signal: AbortSignal.any([signal, stall.signal]),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      const text = (await res.text().catch(() => "")).slice(0, 300).trim();
      throw new NotRetryable(`HTTP ${res.status}${text ? `: ${text}` : ""}`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${res.status}`);
    }
    if (res.status === 206) {
      const range = res.headers.get("content-range") ?? "";
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
      if (!m || Number(m[1]) !== t.have || t.have === 0) {
        await res.body?.cancel().catch(() => {});
        t.have = 0; // not the part asked for: start over without a range
        throw new Error(`unexpected Content-Range "${range}"`);
      }
      t.total = Number(m[3]);
      t.resumed++;
    } else {
      t.have = 0; // a 200 is the whole file, whatever was asked
      const len = res.headers.get("content-length");
      t.total = len === null ? undefined : Number(len);
    }
    t.etag = res.headers.get("etag") ?? t.etag;
    t.digest = res.headers.get("x-edgevisor-delta-digest") ?? t.digest;
    if (!res.body) throw new Error("response without a body");
    for await (const chunk of res.body) {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(), stallMs);
      await fh.write(chunk, 0, chunk.length, t.have);
      t.have += chunk.length;
      options.onProgress?.(t.have, t.total);
    }
  } catch (e) {
    if (stall.signal.aborted) throw new Error(`no data for ${stallMs} ms`, { cause: e });
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return `sha256:${h.digest("hex")}`;
}
