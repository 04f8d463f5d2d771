// Worker thread of FramePool (frame-pool.ts): compresses one patch frame at a time.
import { parentPort } from "node:worker_threads";
import { compressSegment } from "./segment-frame.ts";
import { collectWhenGrown } from "./encoder-memory.ts";

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
  // This isolate's zstd contexts are freed only by its own GC (native-memory.ts).
  collectWhenGrown();
});
