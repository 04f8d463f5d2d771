// Fetching a service's image as a delta from the image its current container runs. The
// device asks the delta server for `?src=<image id it has>&dest=<repo>@<manifest digest>`
// (the digest comes from the registry through the engine, without pulling), downloads the
// delta with resume (delta-download.ts), checks and loads it (load.ts), then runs a
// regular pull of the reference: the engine already has the image by id, so that pull
// fetches only the manifest and sets the tag exactly as a pull would. Any failure on the
// delta path falls back to the regular pull, and says why.
import type { KeyObject } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { EngineSnapshot, ProgressSink } from "../engine/types.ts";
import { toEvError } from "../errors.ts";
import type { Release, ServiceSpec } from "../release/types.ts";
import { downloadDelta, type DownloadOptions } from "./delta-download.ts";
import { loadDelta } from "./load.ts";
import type { ImageStore, Progress } from "./types.ts";

type Fetch = (service: ServiceSpec, progress: ProgressSink, signal: AbortSignal) => Promise<void>;

export interface DeltaFetchDeps {
  /** Base URL of the delta server; `src` and `dest` are added as query parameters. */
  deltaUrl: string;
  store: ImageStore;
  /** The registry's manifest digest of a reference ("sha256:…"), without pulling it. */
  manifestDigest: (ref: string) => Promise<string>;
  /** The image id the service runs now (its container's image), if any. */
  baseFor: (service: ServiceSpec) => string | undefined;
  /** Trusted keys; with any, unsigned or wrongly signed deltas are refused. */
  trustedKeys: () => Promise<readonly KeyObject[]>;
  /** Where the delta is downloaded and rebuilt layers are staged: the data partition. */
  tmpDir: string;
  /** The regular fetch (pull or build): the fallback, and the final manifest-only pull. */
  pull: Fetch;
  log: (line: string) => void;
  download?: Omit<DownloadOptions, "signal" | "onProgress" | "onRetry">;
}

/** A fetch that tries a delta first for pulled images whose service runs an older image. */
export function deltaFetch(deps: DeltaFetchDeps): Fetch {
  let swept: Promise<void> | undefined;
  return async (service, progress, signal) => {
    const base = service.build ? undefined : deps.baseFor(service);
    if (!base) return deps.pull(service, progress, signal);
    let id: string | undefined;
    try {
      swept ??= sweep(deps.tmpDir).catch((e: unknown) => {
        swept = undefined;
        throw e;
      });
      await swept;
      id = await fetchDelta(deps, service, base, progress, signal);
    } catch (e) {
      if (signal.aborted) throw e;
      const reason = toEvError(e).format();
      deps.log(`delta for ${service.image} not used (${reason}): pulling the full image`);
      progress({ phase: "delta", subject: service.image, detail: `delta failed: ${reason}` });
      return deps.pull(service, progress, signal);
    }
    await deps.pull(service, progress, signal);
    const pulled = (await deps.store.inspect(service.image))?.id;
    if (pulled !== id)
      deps.log(
        `delta for ${service.image}: the registry names ${pulled}, not the delta's ${id}; the pull fetched it in full`,
      );
  };
}

async function fetchDelta(
  deps: DeltaFetchDeps,
  service: ServiceSpec,
  base: string,
  progress: ProgressSink,
  signal: AbortSignal,
): Promise<string | undefined> {
  const ref = service.image;
  if (!(await deps.store.inspect(base)))
    throw new Error(`the previous image ${base} is no longer on the engine`);
  const dest = await digestReference(ref, deps.manifestDigest);
  const url = new URL(deps.deltaUrl);
  url.searchParams.set("src", base);
  url.searchParams.set("dest", dest);
  const trustedKeys = await deps.trustedKeys();
  const work = await mkdtemp(join(deps.tmpDir, "ev-delta-"));
  try {
    const file = join(work, "delta.tar");
    const report = (current: number, total: number | undefined, detail: string) =>
      progress({
        phase: "delta",
        subject: ref,
        detail,
        current,
        ...(total ? { total } : {}),
      });
    report(0, undefined, "delta download");
    const got = await downloadDelta(url.href, file, {
      ...deps.download,
      signal,
      onProgress: (done, total) => report(done, total, "delta download"),
      onRetry: (why, from, attempt) =>
        deps.log(`delta for ${ref}: attempt ${attempt} failed (${why}); resuming at byte ${from}`),
    });
    const loaded = await loadDelta(deps.store, file, {
      trustedKeys,
      tmpDir: work,
      progress: progressOf(ref, progress, deps.log),
    });
    const id = loaded.images[0]?.id;
    deps.log(
      `delta for ${ref}: ${got.bytes} bytes downloaded from ${base.slice(0, 19)}` +
        `${got.resumed ? ` (resumed ${got.resumed}×)` : ""}, ${loaded.rebuiltBytes ?? 0} bytes rebuilt` +
        `${loaded.signedBy ? `, signed by ${loaded.signedBy.slice(0, 12)}` : ""}` +
        `${loaded.borrowed ? `, base read through ${loaded.borrowed}` : ""} → ${id}`,
    );
    report(got.bytes, got.bytes, `delta applied: ${got.bytes} bytes downloaded`);
    return id;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Work dirs a killed agent left behind (once per process, before its first delta). */
async function sweep(tmpDir: string): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  for (const name of await readdir(tmpDir))
    if (name.startsWith("ev-delta-"))
      await rm(join(tmpDir, name), { recursive: true, force: true });
}

/**
 * The delta base for a service: the image its container runs (a running one first), else,
 * when the container is already gone (kill-then-download), the image of the service in the
 * last committed release, if the engine still has it.
 */
export function previousImageId(
  engine: EngineSnapshot | undefined,
  service: string,
  committed: Release | undefined,
): string | undefined {
  if (!engine) return undefined;
  const containers = engine.containers.filter((c) => c.service === service);
  const running = containers.find((c) => c.status === "running") ?? containers[0];
  if (running) return running.imageId;
  const ref = committed?.services[service]?.image;
  return ref ? engine.images.find((i) => i.refs.includes(ref))?.id : undefined;
}

/** `name@sha256:…` for a reference: as given when pinned, else the registry's digest. */
export async function digestReference(
  ref: string,
  manifestDigest: (ref: string) => Promise<string>,
): Promise<string> {
  const at = ref.indexOf("@");
  if (at >= 0) return ref;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  const name = colon > slash ? ref.slice(0, colon) : ref;
  return `${name}@${await manifestDigest(ref)}`;
}

function progressOf(subject: string, sink: ProgressSink, log: (l: string) => void): Progress {
  let detail = "";
  let total: number | undefined;
  return {
    phase(name, t) {
      detail = `delta: ${name}`;
      total = t;
      sink({ phase: "delta", subject, detail, current: 0, ...(t ? { total: t } : {}) });
    },
    update(done) {
      sink({ phase: "delta", subject, detail, current: done, ...(total ? { total } : {}) });
    },
    note(message) {
      log(`delta for ${subject}: ${message}`);
    },
  };
}
