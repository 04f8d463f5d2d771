// One patch frame: a segment of new bytes compressed by zstd with old bytes as dictionary.
// Used inline by the encoder and on the worker threads of frame-pool.ts.
import zlib from "node:zlib";
import { PATCH_WINDOW_LOG_MAX } from "./ops.ts";

/**
 * zstd only indexes a dictionary's last 2^(hashLog+3) bytes (fast/dfast) and its row-based
 * mid levels (4–15) index little of a large one, so patches use either the level as given
 * (16+, binary-tree match finders that take the whole dictionary) or level 3 with a hash
 * table big enough for the whole dictionary (measured: the same size as level 19 on a
 * shifted 8 MiB segment, ten times faster).
 */
/** One patch frame: `segment` compressed with `dict` as zstd dictionary. */
export function compressSegment(segment: Buffer, dict: Buffer, level: number): Buffer {
  const windowLog = Math.min(
    PATCH_WINDOW_LOG_MAX,
    Math.max(10, Math.ceil(Math.log2(dict.length + segment.length + 1))),
  );
  // Synchronous on purpose: see decode.ts (malloc arenas of threadpool threads).
  return zlib.zstdCompressSync(segment, {
    params: { ...patchParams(level, dict.length), [zlib.constants.ZSTD_c_windowLog]: windowLog },
    ...(dict.length > 0 ? { dictionary: dict } : {}),
  });
}

function patchParams(level: number, dictLength: number): Record<number, number> {
  const c = zlib.constants;
  if (dictLength === 0) return { [c.ZSTD_c_compressionLevel]: level, [c.ZSTD_c_checksumFlag]: 0 };
  if (level >= 16)
    return {
      [c.ZSTD_c_compressionLevel]: level,
      // chainLog 23 instead of 24: half the binary-tree table (32 MiB), ample for 16 MiB.
      [c.ZSTD_c_chainLog]: 23,
      [c.ZSTD_c_checksumFlag]: 0,
    };
  const dictLog = Math.ceil(Math.log2(dictLength + 1));
  return {
    [c.ZSTD_c_compressionLevel]: 3,
    [c.ZSTD_c_hashLog]: Math.min(24, Math.max(17, dictLog - 2)),
    [c.ZSTD_c_checksumFlag]: 0,
  };
}
