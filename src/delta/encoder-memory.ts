// The encoder's GC policy. A forced GC after every patch once RSS passed a fixed budget
// (native-memory.ts) ran a full collection per patch frame on any real image (RSS stays
// above the budget with a level-19 context alive): on the Debian bench pair, 25 s of the
// main thread and 20 s of a frame worker were GC for 714 patches. Collecting only when
// RSS has grown by STEP since the last collection bounds what dead zstd contexts and
// buffers can hold to STEP per thread at a fraction of the GCs.
import { GrowthCollector } from "./native-memory.ts";

const STEP = 64 << 20;
/** One per thread (each worker thread loads its own copy of this module). */
let collector: GrowthCollector | undefined;

/** Run a GC (of this thread's isolate) when RSS grew by 64 MiB since the last one. */
export function collectWhenGrown(): boolean {
  collector ??= new GrowthCollector(STEP);
  return collector.collectWhenGrown();
}
