// A writable that honours backpressure from async code and counts and hashes what passes.
import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import type { Writable } from "node:stream";

export class Sink {
  private readonly out: Writable;
  private readonly hash: Hash | undefined;
  bytes = 0;

  constructor(out: Writable, options: { hash?: boolean } = {}) {
    this.out = out;
    this.hash = options.hash ? createHash("sha256") : undefined;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  /** Hex sha256 of everything written (only with { hash: true }). */
  digest(): string {
    if (!this.hash) throw new Error("Sink created without hashing");
    return this.hash.digest("hex");
  }
}
