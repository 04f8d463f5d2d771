// The base image's final filesystem, built from its layer tars on disk (bottom first) with
// OCI whiteouts applied: every regular file with its digest and where its bytes sit. This
// is the encoder's BaseCatalog; the files it lists are exactly those a container of the
// base image shows.
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { posix } from "node:path";
import { Chunker, MIN_FINGERPRINT_SIZE } from "../delta/fingerprint.ts";
import { FileWindow, readAt, walkTar } from "../delta/tar-walk.ts";
import type { BaseCatalog, BaseFile } from "../delta/types.ts";

interface IndexedFile extends BaseFile {
  layer: number;
  offset: number;
  fingerprints?: number[];
}

/**
 * Paths a container of the base shows with the engine's content, not the image's: Docker
 * puts empty /etc/hostname, /etc/hosts, /etc/resolv.conf, /.dockerenv and its /dev, /proc,
 * /sys in a per-container init layer. The decoder reads base files through a created
 * container, so a COPY or PATCH from one of them would get the engine's bytes (seen on the
 * Debian bench pair: debootstrap writes /etc/hostname, the load read 0 of its 3 bytes).
 */
const CONTAINER_FILES = new Set(["etc/hostname", "etc/hosts", "etc/resolv.conf", ".dockerenv"]);
const CONTAINER_DIRS = ["dev/", "proc/", "sys/"];

/** True when a container shows its own content at `path`, so it cannot be a source. */
export function shadowedInContainer(path: string): boolean {
  return CONTAINER_FILES.has(path) || CONTAINER_DIRS.some((d) => path.startsWith(d));
}

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";
const CHUNK = 1 << 20;

function similarKey(path: string): string {
  return path.replace(/[0-9]+/g, "#");
}

export class RootfsIndex implements BaseCatalog {
  private readonly files = new Map<string, IndexedFile>();
  private readonly shas = new Map<string, IndexedFile>();
  private readonly similarPaths = new Map<string, IndexedFile>();
  /** Chunk fingerprint → a file holding that chunk. */
  private readonly chunks = new Map<number, IndexedFile>();
  private readonly handles: FileHandle[] = [];
  /** Every directory that has (or had) an indexed file below it. */
  private readonly dirs = new Set<string>();

  /** Index the layer tar files (bottom first); `onBytes` reports bytes walked. */
  static async build(
    layerFiles: readonly string[],
    onBytes: (done: number) => void = () => {},
  ): Promise<RootfsIndex> {
    const index = new RootfsIndex();
    let done = 0;
    try {
      for (const [i, file] of layerFiles.entries()) {
        const fh = await open(file, "r");
        index.handles.push(fh);
        const { size } = await fh.stat();
        await index.addLayer(i, fh, size);
        done += size;
        onBytes(done);
      }
    } catch (e) {
      await index.close();
      throw e;
    }
    for (const f of index.files.values()) {
      if (f.size === 0) continue;
      if (!index.shas.has(f.sha256)) index.shas.set(f.sha256, f);
      const key = similarKey(f.path);
      const prev = index.similarPaths.get(key);
      if (!prev || prev.size < f.size) index.similarPaths.set(key, f);
      for (const fp of f.fingerprints ?? []) if (!index.chunks.has(fp)) index.chunks.set(fp, f);
      delete f.fingerprints;
    }
    return index;
  }

  get size(): number {
    return this.files.size;
  }

  private removeTree(path: string): void {
    this.files.delete(path);
    if (!this.dirs.has(path)) return;
    const prefix = `${path}/`;
    for (const key of this.files.keys()) if (key.startsWith(prefix)) this.files.delete(key);
  }

  private async addLayer(layer: number, fh: FileHandle, size: number): Promise<void> {
    const added: IndexedFile[] = [];
    const links: Array<{ path: string; target: string }> = [];
    const replaced: string[] = [];
    const file = new FileWindow(fh, size);
    const walk = walkTar(file, size, `base layer ${layer}`);
    for (let next = await walk.next(); !next.done; next = await walk.next()) {
      const e = next.value;
      if (e.meta || e.path === "") continue;
      const base = posix.basename(e.path);
      const dir = posix.dirname(e.path) === "." ? "" : posix.dirname(e.path);
      if (base === OPAQUE) {
        const prefix = dir === "" ? "" : `${dir}/`;
        for (const key of this.files.keys()) if (key.startsWith(prefix)) this.files.delete(key);
        continue;
      }
      if (base.startsWith(WHITEOUT)) {
        const gone = base.slice(WHITEOUT.length);
        this.removeTree(dir === "" ? gone : `${dir}/${gone}`);
        continue;
      }
      if (e.type === "5") continue;
      replaced.push(e.path);
      if (e.type === "0") {
        const h = createHash("sha256");
        const chunker = e.size >= MIN_FINGERPRINT_SIZE ? new Chunker() : undefined;
        for (let pos = 0; pos < e.size; pos += CHUNK) {
          const piece = await file.read(e.contentStart + pos, Math.min(CHUNK, e.size - pos));
          h.update(piece);
          chunker?.update(piece);
        }
        added.push({
          path: e.path,
          size: e.size,
          sha256: h.digest("hex"),
          layer,
          offset: e.contentStart,
          ...(chunker ? { fingerprints: chunker.finish() } : {}),
        });
      } else if (e.type === "1") {
        links.push({ path: e.path, target: e.linkname.replace(/^\/+/, "").replace(/^\.\//, "") });
      }
    }
    // A non-directory replaces whatever the lower layers had at that path, tree included.
    for (const p of replaced) this.removeTree(p);
    const layerFiles = new Map(added.map((f) => [f.path, f]));
    for (const f of added) this.put(f);
    for (const l of links) {
      const target = layerFiles.get(l.target) ?? this.files.get(l.target);
      if (target) this.put({ ...target, path: l.path });
    }
  }

  private put(f: IndexedFile): void {
    if (shadowedInContainer(f.path)) return;
    this.files.set(f.path, f);
    for (let d = posix.dirname(f.path); d !== "." && !this.dirs.has(d); d = posix.dirname(d))
      this.dirs.add(d);
  }

  byPath(path: string): BaseFile | undefined {
    return this.files.get(path);
  }

  bySha256(sha256: string): BaseFile | undefined {
    return this.shas.get(sha256);
  }

  similar(path: string): BaseFile | undefined {
    return this.similarPaths.get(similarKey(path));
  }

  resembling(fingerprints: readonly number[]): BaseFile | undefined {
    const votes = new Map<IndexedFile, number>();
    let best: IndexedFile | undefined;
    let bestVotes = 0;
    for (const fp of fingerprints) {
      const f = this.chunks.get(fp);
      if (!f || this.files.get(f.path) !== f) continue;
      const v = (votes.get(f) ?? 0) + 1;
      votes.set(f, v);
      if (v > bestVotes) {
        best = f;
        bestVotes = v;
      }
    }
    return best;
  }

  async read(file: BaseFile, start: number, end: number): Promise<Buffer> {
    const f = this.files.get(file.path);
    const fh = f ? this.handles[f.layer] : undefined;
    if (!f || !fh) throw new Error(`base file ${file.path} is not indexed`);
    return readAt(fh, f.offset + start, end - start);
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close().catch(() => {})));
    this.handles.length = 0;
  }
}
