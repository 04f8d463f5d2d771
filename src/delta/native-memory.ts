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

/**
 * Collects garbage when RSS grew by `step` bytes since its last collection (or since it was
 * made), or when `step` bytes of short-lived native buffers (zstd's copies of patch
 * dictionaries, decoded segments) were made since then: those are freed only by a GC, and
 * V8 does not see them coming. A fixed RSS budget does not work on a device: the loader's
 * baseline alone is near any budget that means something, and a full GC per patch frame
 * was most of a load's time (Debian bench pair: 14 of 25 s for 714 small patches).
 */
export class GrowthCollector {
  private readonly step: number;
  private floor: number;
  private native = 0;

  constructor(step: number) {
    this.step = step;
    this.floor = process.memoryUsage.rss();
  }

  /** Count `bytes` of native buffers made; collect when the step is reached. */
  collectWhenGrown(bytes = 0): boolean {
    this.native += bytes;
    if (this.native < this.step && process.memoryUsage.rss() < this.floor + this.step) return false;
    keepRssUnder(0);
    this.floor = process.memoryUsage.rss();
    this.native = 0;
    return true;
  }
}

/** The encoder runs on a server: a collection once RSS passes this after a layer. */
export const ENCODER_RSS_BUDGET = 192 << 20;
/** The decoder runs on a device: what RSS may grow between two collections. */
export const DECODER_GC_STEP = 8 << 20;
