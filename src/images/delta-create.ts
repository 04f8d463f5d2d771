// `delta create`: from two images on an engine to one delta file. Both images are saved
// to a work directory (the server side has disk; the device never runs this), the base's
// final filesystem is indexed, and every target layer the base lacks is encoded.
import type { KeyObject } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { constants, zstdCompressSync } from "node:zlib";
import { DataBlobWriter, writeDelta } from "../delta/container.ts";
import { FramePool } from "../delta/frame-pool.ts";
import { type EncodedLayer, encodeLayerFile } from "../delta/layer-files.ts";
import {
  DELTA_FORMAT,
  DELTA_VERSION,
  type DeltaLayer,
  type DeltaManifest,
} from "../delta/manifest.ts";
import { signManifest } from "../delta/signature.ts";
import { DEFAULT_TUNING, type LayerEncodeStats } from "../delta/types.ts";
import { EvError } from "../errors.ts";
import { checkArchive, scanArchive } from "./archive.ts";
import { sha256Digest, sharedPrefix } from "./digest.ts";
import { DEFAULT_GZIP_LAYOUT, gzipRecord, gzipSizeOfFile } from "./layer-gzip.ts";
import { RootfsIndex } from "./rootfs-index.ts";
import { encodeLayerChoosing, referenceDirFor, TRIAL_LEVEL } from "./reference.ts";
import {
  type ImageInfo,
  type ImageStore,
  type Progress,
  type RootfsReader,
  silentProgress,
} from "./types.ts";

export interface CreateDeltaOptions {
  /** Tags the rebuilt image gets on load (default: the target's tags). */
  tags?: string[];
  signKey?: KeyObject;
  /** zstd level (default 19). */
  level?: number;
  /** Threads compressing patch frames (default: the machine's cores, at most 2; 1 = inline). */
  threads?: number;
  /**
   * One large level-19 frame on a worker beside the calling thread's: ~1.7× faster on
   * large files, ~130–170 MiB more at the peak. Only with glibc's freed large blocks handed
   * back (`mallocReturnsLargeBlocks`), or the peak passes 512 MiB.
   */
  largeFramesOnWorker?: boolean;
  workDir?: string;
  progress?: Progress;
}

export interface CreateDeltaResult {
  base: string;
  target: string;
  /** Layers shipped / shared with the base. */
  layers: { shipped: number; shared: number };
  /** Uncompressed bytes of the layers the base lacks. */
  newLayerBytes: number;
  /** Bytes of the delta file. */
  deltaBytes: number;
  stats: LayerEncodeStats[];
  signedBy?: string;
}

async function mustInspect(store: ImageStore, ref: string, role: string): Promise<ImageInfo> {
  const info = await store.inspect(ref);
  if (!info)
    throw new EvError("EV_IMAGE_NOT_FOUND", `${role} image ${ref} is not on the engine`, {
      hint: "pull or build it first; `delta create` reads both images from the engine",
    });
  return info;
}

interface SavedImage {
  /** Layer files, bottom first. */
  layers: Array<string | undefined>;
  config: Buffer;
}

/**
 * Save the images into dir, in one archive: the layers they share are saved once (the app
 * bench pair's target and base share 243 of their 265 MiB; one `docker save` of both took
 * 4.4 s, one of each 4.6 and 3.4 s). Returns each image's layer files and config by id.
 */
async function saveImages(
  store: ImageStore,
  infos: ImageInfo[],
  dir: string,
  progress: Progress,
): Promise<Map<string, SavedImage>> {
  const what = infos.length === 1 ? "target" : "target and base";
  progress.phase(`save ${what}`, infos.length === 1 ? infos[0]?.size : undefined);
  const scan = await scanArchive(await store.save(...infos.map((i) => i.id)), `${what} archive`, {
    extractTo: dir,
    onBytes: (n) => progress.update(n),
  });
  const saved = new Map<string, SavedImage>();
  for (const image of checkArchive(scan, `${what} archive`)) {
    const config = await readFile(join(dir, image.configName));
    saved.set(image.id, {
      layers: image.layerNames.map((n) => (n === undefined ? undefined : join(dir, n))),
      config,
    });
  }
  for (const info of infos)
    if (!saved.has(info.id))
      throw new EvError("EV_DIGEST_MISMATCH", `the engine's archive lacks image ${info.id}`);
  return saved;
}

export async function createDelta(
  store: ImageStore,
  baseRef: string,
  targetRef: string,
  out: Writable,
  options: CreateDeltaOptions = {},
): Promise<CreateDeltaResult> {
  const progress = options.progress ?? silentProgress;
  const base = await mustInspect(store, baseRef, "base");
  const target = await mustInspect(store, targetRef, "target");
  const shared = sharedPrefix(base.diffIds, target.diffIds);
  const work = await mkdtemp(join(options.workDir ?? tmpdir(), "ev-delta-create-"));
  let index: RootfsIndex | undefined;
  let rootfs: RootfsReader | undefined;
  const pool =
    options.threads === 1
      ? undefined
      : new FramePool(options.threads, options.largeFramesOnWorker ? 1 : 0);
  const tuning = {
    ...DEFAULT_TUNING,
    ...(options.level ? { level: options.level } : {}),
    ...(pool ? { frames: pool } : {}),
  };
  try {
    const needBase = shared < target.diffIds.length;
    const images = await saveImages(
      store,
      needBase ? [target, base] : [target],
      join(work, "images"),
      progress,
    );
    const saved = images.get(target.id)!;
    if (sha256Digest(saved.config) !== target.id)
      throw new EvError("EV_DIGEST_MISMATCH", `target config does not hash to ${target.id}`);
    const layers: DeltaLayer[] = [];
    const data = new DataBlobWriter(join(work, "data"));
    const config = await data.addBytes(
      zstdCompressSync(saved.config, { params: { [constants.ZSTD_c_compressionLevel]: 19 } }),
    );
    const stats: LayerEncodeStats[] = [];
    let newLayerBytes = 0;
    const baseSaved = images.get(base.id);
    if (needBase && baseSaved) {
      const baseLayers = baseSaved.layers.filter((l): l is string => l !== undefined);
      progress.phase("index base files");
      index = await RootfsIndex.build(baseLayers, (n) => progress.update(n));
      progress.note(`base has ${index.size} files`);
    }
    for (const [i, diffId] of target.diffIds.entries()) {
      const file = saved.layers[i];
      if (!file) throw new EvError("EV_INTERNAL", `target layer ${diffId} missing from its save`);
      const { size } = await stat(file);
      if (i < shared || !index) {
        layers.push({ source: "base", diffId, size });
        continue;
      }
      // The device declares this size in its upload (one pass); on the threadpool meanwhile.
      const gzipSize = gzipSizeOfFile(file, DEFAULT_GZIP_LAYOUT);
      gzipSize.catch(() => {});
      const label = `layer ${i + 1}/${target.diffIds.length}`;
      progress.phase(`encode ${label}`, size);
      const dir = await referenceDirFor(file);
      let enc: EncodedLayer;
      if (dir === undefined) {
        enc = await encodeLayerFile(file, index, work, `layer${i}`, tuning, (n) =>
          progress.update(n),
        );
      } else {
        rootfs ??= await store.openRootfs(base.id);
        const chosen = await encodeLayerChoosing({
          layerFile: file,
          base: index,
          rootfs,
          dir,
          work,
          name: `layer${i}`,
          tuning,
          onPhase: (what) => progress.phase(`encode ${label}: ${what}`),
        });
        if (chosen.trial)
          progress.note(
            `layer ${i + 1} at level ${TRIAL_LEVEL}: ${chosen.trial.files} B per file, ${chosen.trial.reference} B against /${dir}`,
          );
        if (chosen.reference !== undefined)
          progress.note(`layer ${i + 1}: patched against the base's /${dir} archive`);
        enc = chosen.encoded;
      }
      await pool?.release();
      const ops = await data.addFile(enc.ops.file);
      const lit = await data.addFile(enc.lit.file);
      layers.push({ source: "delta", diffId, size, ops, lit, gzipSize: await gzipSize });
      stats.push(enc.stats);
      newLayerBytes += size;
    }
    const dataBlob = await data.finish();
    const manifest: DeltaManifest = {
      format: DELTA_FORMAT,
      version: DELTA_VERSION,
      base: { id: base.id, diffIds: base.diffIds, repoTags: base.repoTags },
      target: {
        id: target.id,
        config,
        diffIds: target.diffIds,
        repoTags: options.tags ?? target.repoTags,
      },
      layers,
      data: dataBlob.ref,
      created: new Date().toISOString(),
      gzip: gzipRecord(DEFAULT_GZIP_LAYOUT),
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest)}\n`);
    const signature = options.signKey ? signManifest(manifestBytes, options.signKey) : undefined;
    progress.phase("write delta");
    const deltaBytes = await writeDelta(out, manifestBytes, signature, [dataBlob], (n) =>
      progress.update(n),
    );
    return {
      base: base.id,
      target: target.id,
      layers: { shipped: stats.length, shared: target.diffIds.length - stats.length },
      newLayerBytes,
      deltaBytes,
      stats,
      ...(signature ? { signedBy: signature.keyId } : {}),
    };
  } finally {
    await pool?.close();
    await index?.close();
    await rootfs?.close();
    await rm(work, { recursive: true, force: true });
  }
}
