// `docker save` archives: a streaming scan that checks every entry's path, hashes every
// file (and, for gzip files, their uncompressed content), keeps the small JSON files, and
// optionally writes the files to a directory. Then a check that each image's config digest
// is its id and each layer's digest is the DiffID its config names.
import { createHash, type Hash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import * as v from "valibot";
import { EvError } from "../errors.ts";
import { ISSUES } from "../util/schema.ts";
import { safeEntryName, symlinkTarget, unsafeArchive } from "./archive-paths.ts";

const SMALL = 16 << 20;

export interface ArchiveEntry {
  type: "file" | "directory" | "symlink" | "link";
  size: number;
  /** "sha256:…" of the bytes as stored (files only). */
  digest?: string;
  /** "sha256:…" of the gunzipped bytes, for gzip files. */
  gunzippedDigest?: string;
  /** Resolved target name (links). */
  target?: string;
}

export interface ArchiveScan {
  entries: Map<string, ArchiveEntry>;
  /** Contents of files up to 16 MiB whose name ends in .json or is "repositories". */
  small: Map<string, Buffer>;
  bytes: number;
}

export interface ArchiveImage {
  id: string;
  repoTags: string[];
  diffIds: string[];
  configName: string;
  /** Entry names (links resolved) of the layers, bottom first; undefined when absent. */
  layerNames: Array<string | undefined>;
}

const ManifestSchema = v.array(
  v.object({
    Config: v.string(),
    RepoTags: v.nullish(v.array(v.string())),
    Layers: v.array(v.string()),
  }),
);

const ConfigSchema = v.object({
  rootfs: v.object({ type: v.string(), diff_ids: v.array(v.string()) }),
});

class DigestSink extends Writable {
  private readonly raw: Hash = createHash("sha256");
  private gunzip: ReturnType<typeof createGunzip> | undefined;
  private gunzipHash: Hash | undefined;
  private gunzipDone: Promise<void> | undefined;
  private first = true;
  private readonly file: Writable | undefined;
  private readonly keep: boolean;
  readonly kept: Buffer[] = [];
  size = 0;

  constructor(file: Writable | undefined, keep: boolean) {
    super();
    this.file = file;
    this.keep = keep;
  }

  override _write(chunk: Buffer, _enc: string, cb: (e?: Error | null) => void): void {
    if (this.first && chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
      this.gunzipHash = createHash("sha256");
      this.gunzip = createGunzip();
      const h = this.gunzipHash;
      this.gunzip.on("data", (c: Buffer) => h.update(c));
      this.gunzipDone = new Promise((resolve) => {
        this.gunzip!.on("end", resolve);
        this.gunzip!.on("error", () => {
          this.gunzipHash = undefined;
          resolve();
        });
      });
    }
    this.first = false;
    this.raw.update(chunk);
    this.size += chunk.length;
    if (this.keep) this.kept.push(chunk);
    this.gunzip?.write(chunk);
    if (this.file && !this.file.write(chunk)) this.file.once("drain", () => cb());
    else cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.gunzip?.end();
    const fileDone = this.file
      ? new Promise<void>((resolve, reject) => {
          this.file!.once("error", reject);
          this.file!.end(resolve);
        })
      : Promise.resolve();
    Promise.all([this.gunzipDone, fileDone]).then(() => cb(), cb);
  }

  digests(): { digest: string; gunzippedDigest?: string } {
    const out: { digest: string; gunzippedDigest?: string } = {
      digest: `sha256:${this.raw.digest("hex")}`,
    };
    if (this.gunzipHash) out.gunzippedDigest = `sha256:${this.gunzipHash.digest("hex")}`;
    return out;
  }
}

/** Scan an archive stream; with `extractTo`, files are also written under that directory. */
export async function scanArchive(
  input: Readable,
  what: string,
  options: { extractTo?: string; onBytes?: (done: number) => void } = {},
): Promise<ArchiveScan> {
  const entries = new Map<string, ArchiveEntry>();
  const small = new Map<string, Buffer>();
  let bytes = 0;
  const ex = extract();
  const feeding = pipeline(input, ex).catch((e: unknown) => {
    throw new EvError("EV_DELTA_INVALID", `${what}: not a readable tar: ${(e as Error).message}`, {
      cause: e,
    });
  });
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const name = safeEntryName(what, h.name);
      const prev = entries.get(name);
      if (prev && !(prev.type === "directory" && h.type === "directory"))
        throw unsafeArchive(what, name, "appears twice");
      if (h.type === "directory") {
        entries.set(name, { type: "directory", size: 0 });
        if (options.extractTo) await mkdir(join(options.extractTo, name), { recursive: true });
        entry.resume();
      } else if (h.type === "symlink") {
        const target = symlinkTarget(what, name, h.linkname ?? "");
        entries.set(name, { type: "symlink", size: 0, target });
        entry.resume();
      } else if (h.type === "link") {
        const target = safeEntryName(what, h.linkname ?? "");
        if (!entries.has(target))
          throw unsafeArchive(what, name, `is a hard link to missing ${target}`);
        entries.set(name, { type: "link", size: 0, target });
        entry.resume();
      } else if (h.type === "file" || h.type === "contiguous-file") {
        let file: Writable | undefined;
        if (options.extractTo) {
          const dest = join(options.extractTo, name);
          await mkdir(dirname(dest), { recursive: true });
          file = createWriteStream(dest);
        }
        const keep = (name.endsWith(".json") || name === "repositories") && (h.size ?? 0) <= SMALL;
        const sink = new DigestSink(file, keep);
        await pipeline(entry, sink);
        entries.set(name, { type: "file", size: sink.size, ...sink.digests() });
        if (keep) small.set(name, Buffer.concat(sink.kept));
        bytes += sink.size;
        options.onBytes?.(bytes);
      } else {
        throw unsafeArchive(what, name, `has unsupported type ${h.type}`);
      }
    }
    await feeding;
  } catch (e) {
    input.destroy();
    await feeding.catch(() => {});
    if (e instanceof EvError) throw e;
    throw new EvError(
      "EV_DELTA_INVALID",
      `${what} is neither an edgevisor delta nor a readable \`docker save\` archive: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { entries, small, bytes };
}

/** Follow links to a regular file's name; undefined when absent. */
export function resolveEntry(scan: ArchiveScan, name: string, what: string): string | undefined {
  let current = safeEntryName(what, name);
  for (let i = 0; i < 16; i++) {
    const e = scan.entries.get(current);
    if (!e) return undefined;
    if (e.type === "file") return current;
    if (e.type === "directory" || !e.target) return undefined;
    current = e.target;
  }
  throw unsafeArchive(what, name, "is a link loop");
}

function mismatch(message: string): EvError {
  return new EvError("EV_DIGEST_MISMATCH", message, {
    hint: "the archive is corrupt or was tampered with; refusing it before the engine sees it",
  });
}

/**
 * Check the images an archive describes. With `allowMissingLayers`, a layer absent from
 * the archive is accepted (the engine must already have it); otherwise it is an error.
 */
export function checkArchive(
  scan: ArchiveScan,
  what: string,
  options: { allowMissingLayers?: boolean } = {},
): ArchiveImage[] {
  const raw = scan.small.get("manifest.json");
  if (!raw)
    throw new EvError("EV_DELTA_INVALID", `${what}: no manifest.json`, {
      hint: "expected a `docker save` archive or an edgevisor delta",
    });
  let manifest: v.InferOutput<typeof ManifestSchema>;
  try {
    manifest = v.parse(ManifestSchema, JSON.parse(raw.toString("utf8")), ISSUES);
  } catch (e) {
    throw new EvError("EV_DELTA_INVALID", `${what}: manifest.json is malformed`, { cause: e });
  }
  return manifest.map((m, i) => {
    const configName = resolveEntry(scan, m.Config, what);
    const configEntry = configName ? scan.entries.get(configName) : undefined;
    const configBytes = configName ? scan.small.get(configName) : undefined;
    if (!configName || !configEntry?.digest || !configBytes)
      throw new EvError("EV_DELTA_INVALID", `${what}: image ${i} config ${m.Config} is missing`);
    const id = configEntry.digest;
    const named = /([0-9a-f]{64})(\.json)?$/.exec(configName)?.[1];
    if (named && `sha256:${named}` !== id)
      throw mismatch(`${what}: config ${configName} has digest ${id}`);
    let diffIds: string[];
    try {
      const config = v.parse(ConfigSchema, JSON.parse(configBytes.toString("utf8")), ISSUES);
      diffIds = config.rootfs.diff_ids;
    } catch (e) {
      throw new EvError("EV_DELTA_INVALID", `${what}: config ${configName} is malformed`, {
        cause: e,
      });
    }
    if (diffIds.length !== m.Layers.length)
      throw new EvError(
        "EV_DELTA_INVALID",
        `${what}: image ${id} lists ${m.Layers.length} layers, its config ${diffIds.length}`,
      );
    const layerNames = m.Layers.map((layer, j) => {
      const name = resolveEntry(scan, layer, what);
      const entry = name ? scan.entries.get(name) : undefined;
      if (!entry) {
        if (options.allowMissingLayers) return undefined;
        throw mismatch(`${what}: layer ${layer} of image ${id} is missing from the archive`);
      }
      const expected = diffIds[j];
      if (entry.digest !== expected && entry.gunzippedDigest !== expected)
        throw mismatch(
          `${what}: layer ${layer} has digest ${entry.gunzippedDigest ?? entry.digest}, its config says ${expected}`,
        );
      return name;
    });
    return { id, repoTags: m.RepoTags ?? [], diffIds, configName, layerNames };
  });
}
