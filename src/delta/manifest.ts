// The delta manifest: what a delta rebuilds, from what, and the digest of every byte it
// carries. Its exact bytes are what a signature covers.
import * as v from "valibot";

export const DELTA_FORMAT = "edgevisor-delta";
/**
 * Version 2 adds the gzip size of every shipped layer (`gzip`, `layers[].gzipSize`), so a
 * device can load in one pass (src/images/layer-gzip.ts). Readers accept 1 and 2.
 */
export const DELTA_VERSION = 2;
export const DELTA_VERSIONS = [1, 2] as const;

const digest = v.pipe(v.string(), v.regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 hex>"));
const size = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const int = (min: number, max: number) =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

export const BlobRefSchema = v.strictObject({ digest, size });
export type BlobRef = v.InferOutput<typeof BlobRefSchema>;

/** A byte range of the data blob. */
export const RangeSchema = v.strictObject({ offset: size, size });
export type Range = v.InferOutput<typeof RangeSchema>;

export const DeltaLayerSchema = v.variant("source", [
  /** Shared with the base (same ChainID): not shipped; the engine already has it. */
  v.strictObject({ source: v.literal("base"), diffId: digest, size }),
  /** Rebuilt from the op stream, the literal stream and the base's files. */
  v.strictObject({
    source: v.literal("delta"),
    diffId: digest,
    size,
    ops: RangeSchema,
    lit: RangeSchema,
    /** Version 2: bytes of this layer gzipped in the manifest's `gzip` layout. */
    gzipSize: v.optional(size),
  }),
]);
export type DeltaLayer = v.InferOutput<typeof DeltaLayerSchema>;

export const DeltaManifestSchema = v.strictObject({
  format: v.literal(DELTA_FORMAT),
  version: v.picklist(DELTA_VERSIONS),
  base: v.strictObject({
    id: digest,
    diffIds: v.array(digest),
    repoTags: v.array(v.string()),
  }),
  target: v.strictObject({
    /** Image id: the sha256 of the config bytes. */
    id: digest,
    /** The config bytes, zstd-compressed, in the data blob. */
    config: RangeSchema,
    diffIds: v.array(digest),
    repoTags: v.array(v.string()),
  }),
  layers: v.array(DeltaLayerSchema),
  /** The one blob: config and every layer's op and literal streams, back to back. */
  data: BlobRefSchema,
  created: v.string(),
  /** Version 2: how the creator gzipped the layers to measure `gzipSize`. */
  gzip: v.optional(
    v.strictObject({
      level: int(1, 9),
      chunkSize: int(64 << 10, 64 << 20),
      /** The creator's zlib build and CPU architecture: the same ones give the same bytes. */
      zlib: v.pipe(v.string(), v.maxLength(64)),
      arch: v.pipe(v.string(), v.maxLength(32)),
    }),
  ),
});
export type DeltaManifest = v.InferOutput<typeof DeltaManifestSchema>;

/** The largest gzip (any layout) of n bytes: stored blocks, flush markers, framing. */
export function gzipBound(n: number): number {
  return n + 5 * Math.ceil(n / 16384) + 5 * Math.ceil(n / (64 << 10)) + 64;
}

/** Every blob the manifest references. */
export function manifestBlobs(m: DeltaManifest): BlobRef[] {
  return [m.data];
}

/** Consistency rules beyond the schema; returns the first violation. */
export function manifestProblem(m: DeltaManifest): string | undefined {
  const outside = (r: Range) => r.offset + r.size > m.data.size;
  if (outside(m.target.config)) return "target.config lies outside the data blob";
  if (m.layers.length !== m.target.diffIds.length)
    return "layers and target.diffIds differ in length";
  const v2 = m.version >= 2;
  if (v2 !== (m.gzip !== undefined))
    return v2 ? "version 2 requires gzip" : "gzip is not part of version 1";
  let prefix = true;
  for (const [i, l] of m.layers.entries()) {
    if (l.diffId !== m.target.diffIds[i]) return `layers[${i}].diffId differs from target.diffIds`;
    if (l.source === "base") {
      if (!prefix) return `layers[${i}] comes from the base after a shipped layer`;
      if (m.base.diffIds[i] !== l.diffId) return `layers[${i}] is not the base's layer ${i}`;
    } else {
      prefix = false;
      if (outside(l.ops) || outside(l.lit)) return `layers[${i}] lies outside the data blob`;
      if (v2 !== (l.gzipSize !== undefined))
        return v2
          ? `layers[${i}] lacks gzipSize`
          : `layers[${i}].gzipSize is not part of version 1`;
      // A gzip stream is at least 20 bytes; deflate never grows data by more than 5 bytes
      // per 16 KiB block (plus the gzip framing and the layout's chunk flushes).
      if (l.gzipSize !== undefined && (l.gzipSize < 20 || l.gzipSize > gzipBound(l.size)))
        return `layers[${i}].gzipSize ${l.gzipSize} is impossible for ${l.size} bytes`;
    }
  }
  return undefined;
}
