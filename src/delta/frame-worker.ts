// Worker thread of FramePool (frame-pool.ts): compresses one patch frame at a time.
import { parentPort } from "node:worker_threads";
import { compressSegment } from "./segment-frame.ts";
import { collectWhenGrown } from "./encoder-memory.ts";
import { keepRssUnder } from "./native-memory.ts";

const LARGE = 1 << 20;

interface FrameJob {
  id: number;
  segment: Uint8Array;
  dict: Uint8Array;
  level: number;
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

parentPort?.on("message", (job: FrameJob) => {
  try {
    const frame = compressSegment(asBuffer(job.segment), asBuffer(job.dict), job.level);
    parentPort?.postMessage({ id: job.id, frame });
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: (e as Error).message });
  }
  // This isolate's zstd contexts are freed only by its own GC (native-memory.ts). A frame
  // with a large dictionary leaves ~130 MiB at level 19: collect at once (this isolate's
  // heap is small, the GC cheap); small frames only when RSS grew (714 small patches on
  // the Debian pair spent 20 s in forced GCs).
  if (job.dict.length + job.segment.length >= LARGE) keepRssUnder(0);
  else collectWhenGrown();
});
