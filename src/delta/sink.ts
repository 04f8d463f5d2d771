// A writable that honours backpressure from async code and counts what passes.
import { once } from "node:events";
import type { Writable } from "node:stream";

export class Sink {
  private readonly out: Writable;
  private processed: Promise<void> = Promise.resolve();
  bytes = 0;

  constructor(out: Writable) {
    this.out = out;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    let ok = true;
    this.processed = new Promise((resolve) => {
      // Errors reach the stream's own listeners; this only tells when the chunk is through.
      ok = this.out.write(chunk, () => resolve());
    });
    if (!ok) await once(this.out, "drain");
  }

  /**
   * Resolves once every chunk written so far has been processed. A zlib stream ended while
   * a chunk is still queued compresses that chunk with the end directive, and the output
   * then depends on timing (the last block's bounds: 9 bytes on a literal stream of the app
   * bench pair); ending an idle stream always compresses the same way.
   */
  settled(): Promise<void> {
    return this.processed;
  }
}
