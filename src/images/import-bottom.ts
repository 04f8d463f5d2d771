// A delta that ships its target's bottom layer (the base image was rebuilt, so every
// layer's ChainID changed: an OS security update) gets that layer into the engine by an
// import instead of `docker load`. Docker 20.10's load stages its whole upload on disk
// before it unpacks anything, so the layer has to be gzipped (or it is written twice) and
// the engine only starts unpacking once the device has rebuilt and compressed all of it.
// An import unpacks as the bytes arrive: no gzip, no staging, and the rebuild and the
// engine's unpacking overlap. An imported layer has ChainID = DiffID, which is exactly a
// bottom layer's ChainID, so the `docker load` that follows (config, upper layers,
// manifest) finds it and skips it.
//
// The imported single-layer image only holds the layer until that load lists it; the
// caller removes it right after. One left by a crash is reused when it holds the right
// layer (same target), and removed after a day otherwise.
import { Readable } from "node:stream";
import { EvError } from "../errors.ts";
import { hexOf } from "./digest.ts";
import type { ImageStore, LayerImporter } from "./types.ts";

export const IMPORT_LABEL = "io.edgevisor.delta-import";
const STALE_MS = 24 * 3600 * 1000;

export interface ImportedLayer {
  /** The single-layer image holding the layer: remove it once the target is loaded. */
  imageId: string;
  /** A crashed load's import that already held the layer. */
  reused: boolean;
}

async function holds(store: ImageStore, id: string, diffId: string): Promise<boolean> {
  const info = await store.inspect(id);
  return info !== undefined && info.diffIds.length === 1 && info.diffIds[0] === diffId;
}

/** Remove this target's leftovers, and anyone's older than a day; reuse a good one. */
async function leftover(
  store: ImageStore,
  layers: LayerImporter,
  target: string,
  diffId: string,
  now: number,
): Promise<string | undefined> {
  let reuse: string | undefined;
  for (const image of await layers.labelled(IMPORT_LABEL, hexOf(target))) {
    if (!reuse && (await holds(store, image.id, diffId))) reuse = image.id;
    else await layers.removeImage(image.id);
  }
  for (const image of await layers.labelled(IMPORT_LABEL))
    if (image.id !== reuse && now - image.created.getTime() > STALE_MS)
      await layers.removeImage(image.id).catch(() => {});
  return reuse;
}

/**
 * Stream `bytes` (the rebuilt bottom layer, checked against `diffId` as its last bytes
 * are made) into the engine as an import for `target`. A failure of `bytes` cuts the
 * upload: the engine then creates nothing.
 */
export async function importBottomLayer(
  store: ImageStore,
  layers: LayerImporter,
  target: string,
  diffId: string,
  bytes: () => AsyncIterable<Buffer>,
  now = Date.now(),
): Promise<ImportedLayer> {
  const reused = await leftover(store, layers, target, diffId, now);
  if (reused) return { imageId: reused, reused: true };
  let imageId: string;
  try {
    imageId = await layers.importLayer(Readable.from(bytes()), IMPORT_LABEL, hexOf(target));
  } catch (e) {
    // An engine that took part of a cut upload as a whole archive must not keep it.
    for (const image of await layers.labelled(IMPORT_LABEL, hexOf(target)).catch(() => []))
      await layers.removeImage(image.id).catch(() => {});
    throw e;
  }
  if (!(await holds(store, imageId, diffId))) {
    await layers.removeImage(imageId);
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `the engine imported the rebuilt bottom layer as something other than ${diffId}`,
      { hint: "this engine changes imported archives; load the full image instead" },
    );
  }
  return { imageId, reused: false };
}
