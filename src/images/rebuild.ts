// Rebuilding a delta's target into the engine. The upload is a `docker load` archive:
// the rebuilt layers as <diffid>.tar.gz entries, the config, then manifest.json last.
// Layers shared with the base are listed in manifest.json but absent: the engine already
// has their ChainIDs and skips them. On any failure the upload is cut before
// manifest.json, and `docker load` (which unpacks the whole upload into a temp dir before
// acting on it) creates nothing.
//
// A tar header needs the entry's size before its bytes, and the size of a gzip is only
// known once it is made. So:
//   - one pass (format version 2, or --gzip-level 0): the manifest records each layer's
//     gzip size in a layout the device reproduces (layer-gzip.ts). The device declares
//     that size plus a small slack, rebuilds, checks the DiffID, compresses and streams in
//     one go, and fills what its output leaves of the declared size with empty gzip
//     members. If its output is larger (another zlib build), the upload is cut and the
//     two passes below are used.
//   - two passes (version 1 deltas, another --gzip-level, or the fallback): rebuild,
//     check and compress once to learn the size, then again into the upload, checking
//     that the second compression hashes like the first.
// Why gzip at all: uncompressed layers would be written twice by `docker load` (temp dir,
// then the layer store); gzipped ones cost about what `docker pull` writes.
//
// A shipped bottom layer (the base image was rebuilt) skips all that: it is streamed in
// uncompressed by an import, which unpacks as the bytes arrive (import-bottom.ts), and the
// load lists it without carrying it.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pack } from "tar-stream";
import { blobStream, type OpenedDelta, readConfig } from "../delta/container.ts";
import { basePathsOf, decodeLayerVerified } from "../delta/decode.ts";
import type { DeltaLayer } from "../delta/manifest.ts";
import { EvError, isEvError } from "../errors.ts";
import { BatchedBaseReader } from "./batched-reader.ts";
import { hexOf } from "./digest.ts";
import { importBottomLayer } from "./import-bottom.ts";
import {
  DEFAULT_GZIP_LAYOUT,
  declaredGzipSize,
  type GzipLayout,
  gzipChunked,
  gzipPadding,
  MIN_MEMBER,
} from "./layer-gzip.ts";
import type { ImageStore, Progress, RootfsReader } from "./types.ts";

export interface RebuildOptions {
  /** gzip level for layers handed to the engine (0 = uncompressed). Default: the delta's. */
  gzipLevel?: number;
  /** false: a shipped bottom layer goes into the `docker load` too, not an import. */
  importBottom?: boolean;
  /** Tests: the size declared for a layer whose recorded gzip size is `recorded`. */
  declare?: (recorded: number) => number;
  /** false: never read the base through an existing container (borrowed-rootfs.ts). */
  borrow?: boolean;
}

/** How a rebuild went: "one pass", or two (and why, when one was tried). */
export interface RebuildReport {
  bytes: number;
  /** Passes of the `docker load` (1: sizes from a version 2 manifest), and why not 1. */
  passes: 1 | 2;
  fallback?: string;
  /** The bottom layer went in by an import: streamed now, or left by an interrupted load. */
  imported?: "streamed" | "reused";
  /** The base was read through this existing container (borrowed-rootfs.ts). */
  borrowed?: string;
}

type ShippedLayer = Extract<DeltaLayer, { source: "delta" }>;

interface Entry {
  layer: ShippedLayer;
  index: number;
  /** Bytes declared in the tar header. */
  size: number;
  /** Pass 1's digest of the compressed bytes (two passes only). */
  digest?: string;
}

/** The device's gzip output did not fit the declared size: cut, then two passes. */
class Overrun extends Error {}

interface Source {
  delta: OpenedDelta;
  rootfs: RootfsReader;
  side: () => Promise<RootfsReader>;
  tick: (n: number) => void;
  /** A new progress phase: bytes count from 0 again. */
  restart: () => void;
}

async function* layerBytes(src: Source, layer: ShippedLayer, index: number, layout?: GzipLayout) {
  const { delta } = src;
  const what = `layer ${index + 1} (${layer.diffId})`;
  const planned = await basePathsOf(blobStream(delta, layer.ops), what);
  const base = new BatchedBaseReader(src.rootfs, planned, src.side);
  const raw = decodeLayerVerified(
    { ops: blobStream(delta, layer.ops), lit: blobStream(delta, layer.lit), base, what },
    layer.size,
    hexOf(layer.diffId),
  );
  const counted = (async function* () {
    try {
      for await (const c of raw) {
        src.tick(c.length);
        yield c;
      }
    } finally {
      await base.close();
    }
  })();
  yield* layout ? gzipChunked(counted, layout) : counted;
}

/** Exactly `declared` bytes: the gzip, then empty members; Overrun when it does not fit. */
async function* padded(gz: AsyncIterable<Buffer>, declared: number, what: string) {
  let n = 0;
  for await (const c of gz) {
    n += c.length;
    if (n > declared) throw new Overrun(`${what}: gzip passed the declared ${declared} bytes`);
    yield c;
  }
  const left = declared - n;
  if (left > 0 && left < MIN_MEMBER)
    throw new Overrun(`${what}: gzip of ${n} bytes leaves no room for padding`);
  yield* gzipPadding(left);
}

/**
 * Rebuild the delta's target into the store. The base is read through an existing
 * container of it where possible; if that rebuild fails on a digest or the engine (the
 * container changed or went away while it was read), once more through fresh containers.
 */
export async function rebuildInto(
  store: ImageStore,
  delta: OpenedDelta,
  progress: Progress,
  options: RebuildOptions = {},
): Promise<RebuildReport> {
  const rootfs = await store.openRootfs(delta.manifest.base.id, {
    borrow: options.borrow !== false,
  });
  try {
    return await rebuildWith(rootfs, store, delta, progress, options);
  } catch (e) {
    if (!rootfs.borrowed || !isEvError(e) || !RETRY_FRESH.has(e.code)) throw e;
    progress.note(
      `reading the base through container ${rootfs.borrowed} failed (${e.message}): again through a new reader container`,
    );
    const fresh = await store.openRootfs(delta.manifest.base.id);
    return await rebuildWith(fresh, store, delta, progress, options);
  }
}

/** Failures that reading through a borrowed container can cause. */
const RETRY_FRESH = new Set(["EV_DIGEST_MISMATCH", "EV_ENGINE_ERROR"]);

/** rebuildInto with the base's reader given (closed when done). */
async function rebuildWith(
  rootfs: RootfsReader,
  store: ImageStore,
  delta: OpenedDelta,
  progress: Progress,
  options: RebuildOptions,
): Promise<RebuildReport> {
  const m = delta.manifest;
  const level = options.gzipLevel ?? m.gzip?.level ?? DEFAULT_GZIP_LAYOUT.level;
  const layout =
    level === 0
      ? undefined
      : { level, chunkSize: m.gzip?.chunkSize ?? DEFAULT_GZIP_LAYOUT.chunkSize };
  const shipped = m.layers.flatMap((layer, index) =>
    layer.source === "delta" ? [{ layer, index }] : [],
  );
  const total = shipped.reduce((n, s) => n + s.layer.size, 0);
  // A second reader container for reads while a layer's walk holds the first one
  // (batched-reader.ts), made on first need and shared by all layers.
  let sideReader: Promise<RootfsReader> | undefined;
  const side = () => (sideReader ??= store.openRootfs(m.base.id));
  let done = 0;
  const src: Source = {
    delta,
    rootfs,
    side,
    tick: (n) => progress.update((done += n)),
    restart: () => (done = 0),
  };
  try {
    const bottom = shipped[0]?.index === 0 ? shipped[0] : undefined;
    const imported =
      bottom && options.importBottom !== false
        ? await importBottom(store, src, bottom.layer, progress)
        : undefined;
    try {
      const rest = imported ? shipped.slice(1) : shipped;
      const report = await loadLayers(store, src, rest, layout, progress, options);
      return {
        ...report,
        bytes: total,
        ...(imported ? { imported: imported.how } : {}),
        ...(rootfs.borrowed ? { borrowed: rootfs.borrowed } : {}),
      };
    } finally {
      // The target holds the layer now (or the load failed and nothing should).
      if (imported) await store.layers!.removeImage(imported.imageId).catch(() => {});
    }
  } finally {
    await rootfs.close();
    if (sideReader) await (await sideReader.catch(() => undefined))?.close();
  }
}

/**
 * The bottom layer through an import (import-bottom.ts); undefined when the engine cannot
 * import, and the layer then goes into the `docker load` with the others.
 */
async function importBottom(
  store: ImageStore,
  src: Source,
  layer: ShippedLayer,
  progress: Progress,
): Promise<{ imageId: string; how: "streamed" | "reused" } | undefined> {
  const layers = store.layers;
  if (!layers) return undefined;
  progress.phase("rebuild, verify and import the bottom layer", layer.size);
  src.restart();
  try {
    const r = await importBottomLayer(
      store,
      layers,
      src.delta.manifest.target.id,
      layer.diffId,
      () => layerBytes(src, layer, 0),
    );
    if (r.reused) progress.note("the bottom layer was imported by an earlier, interrupted load");
    return { imageId: r.imageId, how: r.reused ? "reused" : "streamed" };
  } catch (e) {
    // The delta or the base is at fault: no other path can do better.
    if (isEvError(e) && DELTA_FAULTS.has(e.code)) throw e;
    progress.note(
      `the engine did not import the bottom layer (${(e as Error).message}): loading it with the others`,
    );
    return undefined;
  }
}

const DELTA_FAULTS = new Set(["EV_DIGEST_MISMATCH", "EV_DELTA_INVALID", "EV_ARCHIVE_UNSAFE"]);

/** The shipped layers (all, or all but an imported bottom one) through `docker load`. */
async function loadLayers(
  store: ImageStore,
  src: Source,
  shipped: Array<{ layer: ShippedLayer; index: number }>,
  layout: GzipLayout | undefined,
  progress: Progress,
  options: RebuildOptions,
): Promise<Omit<RebuildReport, "bytes">> {
  const m = src.delta.manifest;
  const total = shipped.reduce((n, s) => n + s.layer.size, 0);
  let fallback: string | undefined;
  const declare = options.declare ?? ((n: number) => declaredGzipSize(n, m.gzip));
  const recorded = m.gzip && layout && m.gzip.level === layout.level;
  if (!layout || recorded) {
    const entries = shipped.map(({ layer, index }) => ({
      layer,
      index,
      size: layout ? declare(layer.gzipSize!) : layer.size,
    }));
    progress.phase("rebuild, verify and load", total);
    src.restart();
    try {
      await streamToEngine(store, src, entries, layout, (e, bytes) =>
        layout ? padded(bytes, e.size, `layer ${e.index + 1} (${e.layer.diffId})`) : bytes,
      );
      return { passes: 1 };
    } catch (e) {
      if (!(e instanceof Overrun)) throw e;
      fallback = e.message;
      progress.note(`${fallback}; this device's zlib differs: rebuilding in two passes`);
    }
  }
  progress.phase("rebuild and verify", total);
  src.restart();
  const entries: Entry[] = [];
  for (const { layer, index } of shipped) {
    const h = createHash("sha256");
    let size = 0;
    for await (const c of layerBytes(src, layer, index, layout)) {
      h.update(c);
      size += c.length;
    }
    entries.push({ layer, index, size, digest: h.digest("hex") });
  }
  progress.phase("load into engine", total);
  src.restart();
  await streamToEngine(store, src, entries, layout, (e, bytes) => sameAsBefore(e, bytes));
  return { passes: 2, ...(fallback ? { fallback } : {}) };
}

async function* sameAsBefore(e: Entry, bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const h = createHash("sha256");
  for await (const c of bytes) {
    h.update(c);
    yield c;
  }
  if (h.digest("hex") !== e.digest)
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `layer ${e.index + 1} (${e.layer.diffId}) rebuilt differently the second time`,
      { hint: "the base image changed while the delta was being applied" },
    );
}

function layerName(diffId: string, gzip: boolean): string {
  return `layers/${hexOf(diffId)}.tar${gzip ? ".gz" : ""}`;
}

async function streamToEngine(
  store: ImageStore,
  src: Source,
  entries: Entry[],
  layout: GzipLayout | undefined,
  shape: (e: Entry, bytes: AsyncIterable<Buffer>) => AsyncIterable<Buffer>,
): Promise<void> {
  const m = src.delta.manifest;
  const tar = pack();
  const loading = store.load(tar as unknown as Readable);
  loading.catch((e: unknown) => tar.destroy(e as Error));
  const build = async () => {
    for (const e of entries) {
      const entry = tar.entry({ name: layerName(e.layer.diffId, !!layout), size: e.size });
      const bytes = shape(e, layerBytes(src, e.layer, e.index, layout));
      await pipeline(Readable.from(bytes), entry);
    }
    const config = await readConfig(src.delta);
    const configName = `${hexOf(m.target.id)}.json`;
    tar.entry({ name: configName }, config);
    const manifest = [
      {
        Config: configName,
        RepoTags: m.target.repoTags,
        Layers: m.layers.map((l) => layerName(l.diffId, !!layout)),
      },
    ];
    // Last, and only once everything above checked out.
    tar.entry({ name: "manifest.json" }, JSON.stringify(manifest));
    tar.finalize();
  };
  try {
    await build();
    await loading;
  } catch (e) {
    tar.destroy(e as Error);
    await loading.catch(() => {});
    throw e;
  }
}
