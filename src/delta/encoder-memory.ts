// The encoder's GC policy. A forced GC after every patch once RSS passed a fixed budget
// (native-memory.ts) ran a full collection per patch frame on any real image (RSS stays
// above the budget with a level-19 context alive): on the Debian bench pair, 25 s of the
// main thread and 20 s of a frame worker were GC for 714 patches. Collecting only when
// RSS has grown by STEP since the last collection bounds what dead zstd contexts and
// buffers can hold to STEP per thread at a fraction of the GCs.
import { keepRssUnder } from "./native-memory.ts";

const STEP = 64 << 20;
let floor = 0;

/** Run a GC (of this thread's isolate) when RSS grew by 64 MiB since the last one. */
export function collectWhenGrown(step = STEP): boolean {
  if (process.memoryUsage.rss() < floor + step) return false;
  keepRssUnder(0);
  floor = process.memoryUsage.rss();
  return true;
}
