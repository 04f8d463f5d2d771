// node:zlib's zstd contexts live in native memory that V8 does not count, so a loop that
// makes many of them (one per patch frame) grows RSS until a GC happens to run: measured
// ~80 MiB per level-19 context, never reclaimed across eight layers. We ask for a GC when
// RSS passes a budget. `gc` is reached through V8's flag, as --expose-gc would.
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | undefined;

function getGc(): (() => void) | undefined {
  if (gc) return gc;
  try {
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
  } catch {
    gc = undefined;
  }
  return gc;
}

/** Collect garbage when RSS is above `budget` bytes. */
export function keepRssUnder(budget: number): void {
  if (process.memoryUsage.rss() > budget) getGc()?.();
}

/** RSS budgets: the encoder runs on a server, the decoder on a device. */
export const ENCODER_RSS_BUDGET = 192 << 20;
export const DECODER_RSS_BUDGET = 80 << 20;
