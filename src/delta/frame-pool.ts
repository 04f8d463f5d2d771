// Patch frames compressed on worker threads. zstd at the levels that make deltas small is
// the create side's cost (level 19: ~3.7 s per 4 MiB segment with a 12 MiB dictionary), and
// segments are independent, so with N cores N segments compress at once. The encoder still
// writes every op in order (OrderedOps): a frame's bytes are awaited only when all ops before
// it are written.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { EvError } from "../errors.ts";
import { keepRssUnder } from "./native-memory.ts";
import { compressSegment } from "./segment-frame.ts";
import type { Sink } from "./sink.ts";
import type { CodecTuning } from "./types.ts";

export interface FrameCompressor {
  /** One patch frame: `segment` compressed at `level` with `dict` as its dictionary. */
  compress(segment: Buffer, dict: Buffer, level: number): Promise<Buffer>;
  /** How many frames may usefully be in flight (the encoder buffers no more). */
  readonly parallelism: number;
  /** Free what idle threads hold (between layers). */
  release?(): Promise<void>;
}

/** Encoder tuning plus where patch frames are compressed (default: inline, synchronous). */
export interface EncodeTuning extends CodecTuning {
  frames?: FrameCompressor;
}

export const inlineFrames: FrameCompressor = {
  parallelism: 1,
  compress: async (segment, dict, level) => compressSegment(segment, dict, level),
};

const EMPTY = Buffer.alloc(0);

/** The worker module beside this one: .ts from the sources, .js from the build (dist/). */
const FRAME_WORKER = new URL(
  `./frame-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/** A frame whose dictionary + segment reach this holds a large zstd context (see below). */
const LARGE = 1 << 20;

interface Job {
  id: number;
  segment: Buffer;
  dict: Buffer;
  level: number;
  resolve: (frame: Buffer) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  /** Terminated by release(): its exit is not a failure. */
  released?: boolean;
}

export class FramePool implements FrameCompressor {
  readonly parallelism: number;
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 0;
  private failed: Error | undefined;
  private readonly maxLargeOnWorkers: number;
  private largeOnWorkers = 0;

  /**
   * `threads` defaults to the machine's cores, at most 2. Frames with a large dictionary run
   * on the calling thread, synchronously, one at a time, as before the pool: at level 16+
   * each holds on the order of 150 MiB (zstd tables, window, its copy of the dictionary),

   * and glibc keeps a thread's freed memory in that thread's arena, so a worker that ever
   * ran one keeps that much beside the main thread's. `delta create` of the app bench pair
   * peaked at 695 MiB with large frames on both workers, 590 MiB with one at a time on
   * either, 557 MiB with all on the first worker, 384 MiB inline. Small patches (714 on the
   * Debian pair) run on the workers. Workers are started on the first frame they get and
   * ended by release(), so a create that has no small frame to compress (or no more) does
   * not hold their isolates and arenas (~40 MiB idle, more once they compressed).
   *
   * `largeOnWorkers`: how many large frames may run on workers beside the one on the calling
   * thread. Only where glibc hands freed large blocks back (a fixed mmap threshold, as the
   * launcher sets: src/guards/agent-self.ts), the arenas above no longer keep them: one on a
   * worker took the Node bench pair's create from 126.8 to 73.1 s at 436 instead of 270 MiB
   * peak, the app pair's from 34.0 to 26.0 s at 398 instead of 261 MiB.
   */
  constructor(threads = Math.min(2, availableParallelism()), largeOnWorkers = 0) {
    this.parallelism = Math.max(1, threads);
    this.maxLargeOnWorkers = Math.min(largeOnWorkers, this.parallelism);
  }

  private spawn(): Slot {
    const worker = new Worker(FRAME_WORKER);
    // Idle workers must not keep a CLI process alive when a caller forgets close().
    worker.unref();
    const slot: Slot = { worker };
    worker.on("message", (m: { id: number; frame?: Uint8Array; error?: string }) => {
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      slot.job = undefined;
      if (m.frame) job.resolve(Buffer.from(m.frame.buffer, m.frame.byteOffset, m.frame.length));
      else job.reject(new EvError("EV_INTERNAL", `patch frame compression failed: ${m.error}`));
      if (slot.released) void slot.worker.terminate();
      this.dispatch();
    });
    worker.on("error", (e) => {
      this.fail(e);
      slot.job?.reject(this.failed ?? e);
      slot.job = undefined;
    });
    worker.on("exit", (code) => {
      if (code !== 0 && !slot.released)
        this.fail(new Error(`frame worker exited with code ${code}`));
    });
    return slot;
  }

  private fail(e: Error): void {
    this.failed ??= new EvError("EV_INTERNAL", `patch frame worker failed: ${e.message}`, {
      cause: e,
    });
    for (const s of this.slots) {
      s.job?.reject(this.failed);
      s.job = undefined;
    }
    for (const j of this.waiting.splice(0)) j.reject(this.failed);
  }

  private dispatch(): void {
    // Workers start on demand, up to `parallelism`.
    let idle = this.slots.filter((s) => !s.job).length;
    while (this.waiting.length > idle && this.slots.length < this.parallelism) {
      this.slots.push(this.spawn());
      idle++;
    }
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.waiting.shift();
      if (!job) break;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({
        id: job.id,
        segment: job.segment,
        dict: job.dict,
        level: job.level,
      });
      // The worker has its copy: do not hold 16 MiB per busy worker here until it answers.
      job.segment = job.dict = EMPTY;
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref();
  }

  compress(segment: Buffer, dict: Buffer, level: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const large = level >= 16 && dict.length + segment.length >= LARGE;
    if (large && this.largeOnWorkers >= this.maxLargeOnWorkers) {
      // Large frames run here, on the calling thread (see the constructor).
      const frame = compressSegment(segment, dict, level);
      keepRssUnder(0);
      return Promise.resolve(frame);
    }
    if (large) this.largeOnWorkers++;
    const done = new Promise<Buffer>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, segment, dict, level, resolve, reject });
      this.dispatch();
    });
    if (!large) return done;
    return done.finally(() => this.largeOnWorkers--);
  }

  /** End the workers (a busy one after its frame); the next small frame starts new ones. */
  async release(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const s of slots) s.released = true;
    await Promise.all(slots.filter((s) => !s.job).map((s) => s.worker.terminate()));
  }

  async close(): Promise<void> {
    this.fail(new Error("the frame pool was closed"));
    const slots = this.slots.splice(0);
    for (const s of slots) s.released = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The op stream's writer: items are written in the order pushed, frames once compressed.
 * At most `maxFrames` frames are held in flight (each holds its segment and dictionary,
 * up to 16 MiB, until a worker has taken them).
 */
export class OrderedOps {
  private readonly queue: Array<{ item: Buffer | Promise<Buffer>; frame: boolean }> = [];
  private frames = 0;
  private readonly sink: Sink;
  private readonly maxFrames: number;

  constructor(sink: Sink, maxFrames: number) {
    this.sink = sink;
    this.maxFrames = Math.max(1, maxFrames);
  }

  async write(b: Buffer): Promise<void> {
    if (this.queue.length === 0) return this.sink.write(b);
    this.queue.push({ item: b, frame: false });
  }

  async writeFrame(p: Promise<Buffer>): Promise<void> {
    // A later frame may fail while an earlier one is awaited; it is awaited in turn.
    p.catch(() => {});
    this.queue.push({ item: p, frame: true });
    this.frames++;
    while (this.frames > this.maxFrames) await this.writeHead();
  }

  private async writeHead(): Promise<void> {
    const head = this.queue.shift()!;
    if (head.frame) this.frames--;
    await this.sink.write(await head.item);
  }

  async flush(): Promise<void> {
    while (this.queue.length > 0) await this.writeHead();
  }
}
