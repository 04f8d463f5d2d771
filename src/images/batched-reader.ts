// Reading many base files cheaply. Each single-file read through the engine's archive API
// costs ~90 ms on Docker 20.10 (it re-execs a chrooted tar helper per request), so a layer
// that reuses 30,000 files of its base (a node_modules bump) would take 45 minutes.
// Docker builds layer tars in walk order, and the archive API walks in the same order, so
// the files a layer reuses come, mostly, in the order one archive of their common
// directory delivers them. This reader streams that archive once, skipping what is not
// needed, and falls back to single reads for anything out of order.
//
// A read out of walk order (the same base file used twice, or an earlier new file patched
// from a later base file) must not go to the container whose walk is open: Docker 20.10
// holds the container's lock until the walk's response is closed, so a second archive
// request on it waits forever. While the walk is open, single reads and archives go to a
// second reader container of the same base image, made on first need (`side`). Chosen
// over keeping copies of re-used files (unbounded: a re-used file can be 100+ MB, so it
// would need a spill to disk) and over restarting the walk (re-streams the base up to
// that point each time): it costs one container create and no memory.
import type { BaseReader } from "../delta/types.ts";
import { compareWalkOrder } from "../delta/walk-order.ts";
import type { RootfsEntry, RootfsReader } from "./types.ts";

export { compareWalkOrder };

export function commonDirectory(paths: readonly string[]): string {
  let common: string[] | undefined;
  for (const p of paths) {
    const dirs = p.split("/").slice(0, -1);
    if (!common) {
      common = dirs;
      continue;
    }
    let n = 0;
    while (n < common.length && n < dirs.length && common[n] === dirs[n]) n++;
    common = common.slice(0, n);
  }
  return (common ?? []).join("/");
}

export class BatchedBaseReader implements BaseReader {
  private readonly rootfs: RootfsReader;
  private readonly root: string | undefined;
  private walker: AsyncIterator<RootfsEntry> | undefined;
  private pending: RootfsEntry | undefined;
  private last: string | undefined;
  private exhausted = false;
  private readonly side: () => Promise<BaseReader>;
  /** Reads served from the walk / by single requests / of those, by `side` (for tests). */
  readonly counts = { batched: 0, single: 0, side: 0 };

  /**
   * `side`: another reader of the same base on a different container, for reads while the
   * walk is open (never on `rootfs` then: see above). Called lazily, maybe many times:
   * should return the same reader each time.
   */
  constructor(
    rootfs: RootfsReader,
    planned: readonly string[],
    side: () => Promise<BaseReader>,
    minBatch = 32,
  ) {
    this.rootfs = rootfs;
    this.root = planned.length >= minBatch ? commonDirectory(planned) : undefined;
    this.side = side;
  }

  /** The walk holds `rootfs` (an archive response is open on its container). */
  private walking(): boolean {
    return this.walker !== undefined && !this.exhausted;
  }

  private async other(): Promise<BaseReader> {
    if (!this.walking()) return this.rootfs;
    this.counts.side++;
    return this.side();
  }

  private under(path: string): boolean {
    return this.root === "" || (this.root !== undefined && path.startsWith(`${this.root}/`));
  }

  private async single(path: string): Promise<AsyncIterable<Buffer>> {
    this.counts.single++;
    return (await this.other()).open(path);
  }

  async open(path: string): Promise<AsyncIterable<Buffer>> {
    if (this.root === undefined || this.exhausted || !this.under(path)) return this.single(path);
    if (this.last !== undefined && compareWalkOrder(path, this.last) <= 0) return this.single(path);
    this.walker ??= this.rootfs.walk(this.root)[Symbol.asyncIterator]();
    while (true) {
      let entry = this.pending;
      this.pending = undefined;
      if (!entry) {
        const next = await this.walker.next();
        if (next.done) {
          this.exhausted = true;
          return this.single(path);
        }
        entry = next.value;
      }
      const c = compareWalkOrder(entry.path, path);
      if (c < 0) continue;
      if (c > 0) {
        this.pending = entry;
        return this.single(path);
      }
      this.last = path;
      if (entry.type !== "file" || !entry.body) return this.single(path);
      this.counts.batched++;
      return entry.body;
    }
  }

  async openArchive(dir: string): Promise<AsyncIterable<Buffer>> {
    const reader = await this.other();
    if (!reader.openArchive) throw new Error("the side reader cannot render archives");
    return reader.openArchive(dir);
  }

  async close(): Promise<void> {
    await this.walker?.return?.();
  }
}
