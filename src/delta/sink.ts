// A writable that honours backpressure from async code and counts what passes.
import { once } from "node:events";
import type { Writable } from "node:stream";

export class Sink {
  private readonly out: Writable;
  bytes = 0;

  constructor(out: Writable) {
    this.out = out;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }
}
