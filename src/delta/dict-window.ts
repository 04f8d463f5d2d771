// Where a patch segment's dictionary sits in the old bytes. zstd puts the dictionary right
// before the segment in its window, so new byte p of a segment aligned with old byte
// centre + p is at distance dictEnd - centre from its match, for every p. At the levels
// that make deltas small (16+, binary-tree match finders), a match is searched only
// within 2^(chainLog-1) positions (4 MiB at chainLog 23; farther ones get one probe from
// the hash table). Dictionaries used to end a 4 MiB margin past the segment (distance
// 8 MiB). On the app bench pair's node_modules (two `tar --sort=name` of its trees), the
// REFPATCH frames by how far past the aligned end the dictionary ends: 4 MiB 156,495 B,
// 512 KiB 131,988 B, 128 KiB 129,378 B, 0 127,716 B, -64 KiB 152,808 B (the end of each
// segment loses its old bytes). 128 KiB leaves room for the new side growing. The node
// binary: 3 segments 412,313 → 397,222 B (512 KiB). Faster, same memory. chainLog 24
// would reach 8 MiB (126,210 B with the old placement) but doubles the match tables.
import { MAX_DICT } from "./ops.ts";

/** Old bytes kept past the aligned end of a segment: room for the new side growing. */
export const DICT_AFTER = 128 << 10;
/**
 * Dictionary length (the decoder allows MAX_DICT, 12 MiB): what lies farther than the match
 * finder's reach costs insertion time and finds little. App pair's node_modules patch (ops
 * stream, 512 KiB past): 129,334 B with 12 MiB, 129,401 B with 8 MiB, 129,431 B with 6 MiB.
 */
export const DICT_SPAN = Math.min(MAX_DICT, 8 << 20);

/**
 * Dictionary [start, end) for a segment of `segLen` new bytes aligned with old byte
 * `centre`, in an old file of `oldSize` bytes, starting at or after `minStart` (the
 * decoder reads the old file once, front to back).
 */
export function dictionaryRange(
  centre: number,
  segLen: number,
  oldSize: number,
  minStart = 0,
): { start: number; end: number } {
  const start = Math.min(oldSize, Math.max(minStart, centre + segLen + DICT_AFTER - DICT_SPAN, 0));
  const end = Math.min(oldSize, start + DICT_SPAN, Math.max(start, centre + segLen + DICT_AFTER));
  return { start, end };
}
