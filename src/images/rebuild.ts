// Rebuilding a delta's target into the engine, in two passes over the op streams:
//   1. verify: rebuild every shipped layer, check its size and DiffID, and (optionally)
//      gzip it to learn the compressed size and digest. Nothing reaches the engine.
//   2. load: rebuild again, gzip again (deterministic: same input, same level), check the
//      compressed digest, and stream into `docker load` as <layer>.tar.gz entries, then
//      the config, then manifest.json last. Layers shared with the base are listed in
//      manifest.json but absent: the engine already has their ChainIDs and skips them.
// Why gzip: `docker load` first unpacks the whole upload into a temp dir on the engine's
// disk. Uncompressed layers would be written twice (temp + layer store); gzipped ones
// cost about what `docker pull` writes (compressed download + layer store).
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack } from "tar-stream";
import { blobStream, type OpenedDelta, readConfig } from "../delta/container.ts";
import { basePathsOf, decodeLayerVerified } from "../delta/decode.ts";
import type { DeltaLayer } from "../delta/manifest.ts";
import { EvError } from "../errors.ts";
import { BatchedBaseReader } from "./batched-reader.ts";
import { hexOf } from "./digest.ts";
import type { ImageStore, Progress, RootfsReader } from "./types.ts";

export interface RebuildOptions {
  /** gzip level for layers handed to the engine (0 = uncompressed). Default 6. */
  gzipLevel?: number;
}

type ShippedLayer = Extract<DeltaLayer, { source: "delta" }>;

interface Prepared {
  layer: ShippedLayer;
  index: number;
  size: number;
  digest: string;
}

async function* layerBytes(
  delta: OpenedDelta,
  layer: ShippedLayer,
  index: number,
  rootfs: RootfsReader,
  side: () => Promise<RootfsReader>,
  gzipLevel: number,
  onRaw: (n: number) => void,
): AsyncGenerator<Buffer> {
  const what = `layer ${index + 1} (${layer.diffId})`;
  const planned = await basePathsOf(blobStream(delta, layer.ops), what);
  const base = new BatchedBaseReader(rootfs, planned, side);
  const raw = decodeLayerVerified(
    { ops: blobStream(delta, layer.ops), lit: blobStream(delta, layer.lit), base, what },
    layer.size,
    hexOf(layer.diffId),
  );
  const counted = (async function* () {
    try {
      for await (const c of raw) {
        onRaw(c.length);
        yield c;
      }
    } finally {
      await base.close();
    }
  })();
  if (gzipLevel === 0) {
    yield* counted;
    return;
  }
  const gz = createGzip({ level: gzipLevel });
  const feeding = pipeline(Readable.from(counted), gz);
  feeding.catch(() => {});
  for await (const c of gz as AsyncIterable<Buffer>) yield c;
  await feeding;
}

/** Rebuild the delta's target into the store; returns the rebuilt (uncompressed) bytes. */
export async function rebuildInto(
  store: ImageStore,
  delta: OpenedDelta,
  progress: Progress,
  options: RebuildOptions = {},
): Promise<number> {
  const gzipLevel = options.gzipLevel ?? 6;
  const m = delta.manifest;
  const shipped = m.layers.flatMap((layer, index) =>
    layer.source === "delta" ? [{ layer, index }] : [],
  );
  const total = shipped.reduce((n, s) => n + s.layer.size, 0);
  const rootfs = await store.openRootfs(m.base.id);
  // A second reader container for reads while a layer's walk holds the first one
  // (batched-reader.ts), made on first need and shared by all layers.
  let sideReader: Promise<RootfsReader> | undefined;
  const side = () => (sideReader ??= store.openRootfs(m.base.id));
  try {
    progress.phase("rebuild and verify", total);
    let done = 0;
    const tick = (n: number) => progress.update((done += n));
    const prepared: Prepared[] = [];
    for (const { layer, index } of shipped) {
      const h = createHash("sha256");
      let size = 0;
      for await (const c of layerBytes(delta, layer, index, rootfs, side, gzipLevel, tick)) {
        h.update(c);
        size += c.length;
      }
      prepared.push({ layer, index, size, digest: h.digest("hex") });
    }
    progress.phase("load into engine", total);
    done = 0;
    await streamToEngine(store, delta, rootfs, side, prepared, gzipLevel, tick);
    return total;
  } finally {
    await rootfs.close();
    if (sideReader) await (await sideReader.catch(() => undefined))?.close();
  }
}

function layerName(diffId: string, gzipLevel: number): string {
  return `layers/${hexOf(diffId)}.tar${gzipLevel === 0 ? "" : ".gz"}`;
}

async function streamToEngine(
  store: ImageStore,
  delta: OpenedDelta,
  rootfs: RootfsReader,
  side: () => Promise<RootfsReader>,
  prepared: Prepared[],
  gzipLevel: number,
  tick: (n: number) => void,
): Promise<void> {
  const m = delta.manifest;
  const tar = pack();
  const loading = store.load(tar as unknown as Readable);
  loading.catch((e: unknown) => tar.destroy(e as Error));
  const build = async () => {
    for (const p of prepared) {
      const entry = tar.entry({ name: layerName(p.layer.diffId, gzipLevel), size: p.size });
      const bytes = layerBytes(delta, p.layer, p.index, rootfs, side, gzipLevel, tick);
      const checked = (async function* () {
        const h = createHash("sha256");
        for await (const c of bytes) {
          h.update(c);
          yield c;
        }
        if (h.digest("hex") !== p.digest)
          throw new EvError(
            "EV_DIGEST_MISMATCH",
            `layer ${p.index + 1} (${p.layer.diffId}) rebuilt differently the second time`,
            { hint: "the base image changed while the delta was being applied" },
          );
      })();
      await pipeline(Readable.from(checked), entry);
    }
    const config = await readConfig(delta);
    const configName = `${hexOf(m.target.id)}.json`;
    tar.entry({ name: configName }, config);
    const manifest = [
      {
        Config: configName,
        RepoTags: m.target.repoTags,
        Layers: m.layers.map((l) => layerName(l.diffId, gzipLevel)),
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
