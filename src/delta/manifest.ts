// The delta manifest: what a delta rebuilds, from what, and the digest of every byte it
// carries. Its exact bytes are what a signature covers.
import * as z from "zod";

export const DELTA_FORMAT = "edgevisor-delta";
export const DELTA_VERSION = 1;

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 hex>");
const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const BlobRefSchema = z.strictObject({ digest, size });
export type BlobRef = z.infer<typeof BlobRefSchema>;

/** A byte range of the data blob. */
export const RangeSchema = z.strictObject({ offset: size, size });
export type Range = z.infer<typeof RangeSchema>;

export const DeltaLayerSchema = z.discriminatedUnion("source", [
  /** Shared with the base (same ChainID): not shipped; the engine already has it. */
  z.strictObject({ source: z.literal("base"), diffId: digest, size }),
  /** Rebuilt from the op stream, the literal stream and the base's files. */
  z.strictObject({
    source: z.literal("delta"),
    diffId: digest,
    size,
    ops: RangeSchema,
    lit: RangeSchema,
  }),
]);
export type DeltaLayer = z.infer<typeof DeltaLayerSchema>;

export const DeltaManifestSchema = z.strictObject({
  format: z.literal(DELTA_FORMAT),
  version: z.literal(DELTA_VERSION),
  base: z.strictObject({
    id: digest,
    diffIds: z.array(digest),
    repoTags: z.array(z.string()),
  }),
  target: z.strictObject({
    /** Image id: the sha256 of the config bytes. */
    id: digest,
    /** The config bytes, zstd-compressed, in the data blob. */
    config: RangeSchema,
    diffIds: z.array(digest),
    repoTags: z.array(z.string()),
  }),
  layers: z.array(DeltaLayerSchema),
  /** The one blob: config and every layer's op and literal streams, back to back. */
  data: BlobRefSchema,
  created: z.string(),
});
export type DeltaManifest = z.infer<typeof DeltaManifestSchema>;

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
  let prefix = true;
  for (const [i, l] of m.layers.entries()) {
    if (l.diffId !== m.target.diffIds[i]) return `layers[${i}].diffId differs from target.diffIds`;
    if (l.source === "base") {
      if (!prefix) return `layers[${i}] comes from the base after a shipped layer`;
      if (m.base.diffIds[i] !== l.diffId) return `layers[${i}] is not the base's layer ${i}`;
    } else {
      prefix = false;
      if (outside(l.ops) || outside(l.lit)) return `layers[${i}] lies outside the data blob`;
    }
  }
  return undefined;
}
