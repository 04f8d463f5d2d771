// Helpers for codec tests: synthetic tars and an in-memory base filesystem.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { type Header, pack } from "tar-stream";
import { decodeLayerVerified } from "../../src/delta/decode.ts";
import { encodeLayerFile, type EncodedLayer } from "../../src/delta/layer-files.ts";
import type { BaseCatalog, BaseFile, BaseReader } from "../../src/delta/types.ts";

export type TarSpec = Array<Partial<Header> & { name: string; body?: Buffer | string }>;

export async function makeTar(entries: TarSpec): Promise<Buffer> {
  const tar = pack();
  const out = buffer(tar);
  for (const { body, ...header } of entries) {
    const content = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    await new Promise<void>((resolve, reject) =>
      tar.entry({ mtime: new Date(1_700_000_000_000), ...header }, content, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  tar.finalize();
  return out;
}

export function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

export class MemoryBase implements BaseCatalog, BaseReader {
  readonly files: Map<string, Buffer>;
  opened: string[] = [];

  constructor(files: Record<string, Buffer | string>) {
    this.files = new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));
  }

  private info(path: string): BaseFile | undefined {
    const b = this.files.get(path);
    return b ? { path, size: b.length, sha256: sha256(b) } : undefined;
  }

  byPath(path: string): BaseFile | undefined {
    return this.info(path);
  }

  bySha256(sha: string): BaseFile | undefined {
    for (const [p, b] of this.files) if (sha256(b) === sha) return this.info(p);
    return undefined;
  }

  similar(path: string): BaseFile | undefined {
    const key = path.replace(/\d+/g, "#");
    for (const p of this.files.keys()) if (p.replace(/\d+/g, "#") === key) return this.info(p);
    return undefined;
  }

  async read(file: BaseFile, start: number, end: number): Promise<Buffer> {
    return this.files.get(file.path)!.subarray(start, end);
  }

  archives = new Map<string, Buffer>();

  async openArchive(dir: string): Promise<AsyncIterable<Buffer>> {
    const b = this.archives.get(dir);
    if (!b) throw new Error(`no archive of ${dir}`);
    return (async function* () {
      for (let i = 0; i < b.length; i += 65536) yield b.subarray(i, i + 65536);
    })();
  }

  async open(path: string): Promise<AsyncIterable<Buffer>> {
    this.opened.push(path);
    const b = this.files.get(path);
    if (!b) throw new Error(`no base file ${path}`);
    return (async function* () {
      for (let i = 0; i < b.length; i += 65536) yield b.subarray(i, i + 65536);
    })();
  }
}

export async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "ev-delta-test-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function encode(dir: string, tar: Buffer, base: BaseCatalog): Promise<EncodedLayer> {
  const file = join(dir, "new.tar");
  await writeFile(file, tar);
  return encodeLayerFile(file, base, dir, "layer", { level: 3 });
}

export async function decode(enc: EncodedLayer, base: BaseReader, tar: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of decodeLayerVerified(
    {
      ops: createReadStream(enc.ops.file),
      lit: createReadStream(enc.lit.file),
      base,
      what: "layer",
    },
    tar.length,
    sha256(tar),
  ))
    parts.push(c);
  return Buffer.concat(parts);
}
