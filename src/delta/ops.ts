// The op stream: how one layer tar is rebuilt (stored zstd-compressed, window 2 MiB:
// paths repeat a lot). Every op appends bytes to the output:
//   LIT  n                      next n bytes of the literal stream (zstd, shared per layer)
//   COPY path size              the whole base file `path` (size bytes)
//   PATCH path oldSize newSize segs, then per segment:
//        dictStart dictEnd segLen frameLen frame
//                              zstd frame decoded with base[dictStart, dictEnd) as dictionary
//   REFPATCH dir oldSize newSize segs, then segments as for PATCH
//                              like PATCH, against the engine's archive of base directory
//                              `dir` ("" = root) instead of one file
//   END
// Integers are unsigned LEB128 varints; paths are varint length + UTF-8.
export const OP_END = 0;
export const OP_LIT = 1;
export const OP_COPY = 2;
export const OP_PATCH = 3;
export const OP_REFPATCH = 4;

/** New-file bytes per patch segment: bounds the decoder's zstd window. */
export const SEGMENT = 4 << 20;
/** Base bytes kept on each side of a segment's proportional position. */
export const MARGIN = 4 << 20;
/** Largest dictionary a decoder accepts: segment + 2 margins. */
export const MAX_DICT = SEGMENT + 2 * MARGIN;
/** Largest zstd window a patch frame may declare (2^24 = 16 MiB ≥ dict + segment). */
export const PATCH_WINDOW_LOG_MAX = 24;
/** Window of the literal stream (2^23 = 8 MiB), held while a layer is rebuilt. */
export const LIT_WINDOW_LOG = 23;
export const MAX_PATH = 64 << 10;
/** Window of the (compressed) op stream: 2^21 = 2 MiB. */
export const OPS_WINDOW_LOG = 21;
