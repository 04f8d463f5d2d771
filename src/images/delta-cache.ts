// Deltas computed once and kept on disk, keyed by (base id, target id). Concurrent asks
// for the same pair share one computation; a failed computation leaves nothing behind.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hexOf } from "./digest.ts";

export interface CachedDelta {
  file: string;
  size: number;
  /** "sha256:…" of the delta file. */
  digest: string;
}

/** Writes the delta from base to target into the file `file`. */
export type ComputeDelta = (base: string, target: string, file: string) => Promise<void>;

export class DeltaCache {
  private readonly dir: string;
  private readonly compute: ComputeDelta;
  private readonly inflight = new Map<string, Promise<CachedDelta>>();

  constructor(dir: string, compute: ComputeDelta) {
    this.dir = dir;
    this.compute = compute;
  }

  get(base: string, target: string): Promise<CachedDelta> {
    const key = `${hexOf(base)}-${hexOf(target)}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.lookupOrCompute(key, base, target).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** The cached delta, without computing one. */
  async peek(base: string, target: string): Promise<CachedDelta | undefined> {
    const file = join(this.dir, `${hexOf(base)}-${hexOf(target)}.delta`);
    try {
      const [s, digest] = await Promise.all([stat(file), readFile(`${file}.sha256`, "utf8")]);
      return { file, size: s.size, digest: digest.trim() };
    } catch {
      return undefined;
    }
  }

  private async lookupOrCompute(key: string, base: string, target: string): Promise<CachedDelta> {
    const file = join(this.dir, `${key}.delta`);
    const digestFile = `${file}.sha256`;
    const cached = await this.peek(base, target);
    if (cached) return cached;
    await mkdir(this.dir, { recursive: true });
    const partial = `${file}.partial-${process.pid}`;
    try {
      await this.compute(base, target, partial);
      const h = createHash("sha256");
      for await (const c of createReadStream(partial)) h.update(c as Buffer);
      const digest = `sha256:${h.digest("hex")}`;
      await writeFile(digestFile, `${digest}\n`);
      await rename(partial, file);
      const { size } = await stat(file);
      return { file, size, digest };
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
  }
}
