// The delta file: a plain tar, readable with `tar tvf`, in this order:
//   manifest.json            the manifest (JSON; the exact bytes are what is signed)
//   manifest.json.sha256     "sha256:<hex>\n" of manifest.json: catches corruption; only a
//                            signature catches tampering
//   manifest.sig             optional: {"alg":"ed25519","keyId":…,"sig":…}
//   blobs/sha256/<hex>       the data blob (config and every layer's streams)
// Reading is strict: anything else (other names, links, PAX headers, duplicates, missing
// or extra blobs, a missing end-of-archive) is rejected, and every blob's size and sha256
// are checked before anything is rebuilt.
import { createHash, type KeyObject } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { zstdDecompressSync } from "node:zlib";
import { pack } from "tar-stream";
import * as v from "valibot";
import { EvError } from "../errors.ts";
import { describeIssue, ISSUES } from "../util/schema.ts";
import {
  type BlobRef,
  type DeltaManifest,
  DeltaManifestSchema,
  manifestBlobs,
  manifestProblem,
  type Range,
} from "./manifest.ts";
import { checkSignature, type DeltaSignature, SignatureSchema } from "./signature.ts";
import { readAt, walkTar } from "./tar-walk.ts";

export const MANIFEST_NAME = "manifest.json";
export const SIGNATURE_NAME = "manifest.sig";
export const MANIFEST_DIGEST_NAME = "manifest.json.sha256";
const MAX_MANIFEST = 16 << 20;
const BLOB_NAME = /^blobs\/sha256\/([0-9a-f]{64})$/;

export interface BlobSource {
  ref: BlobRef;
  /** A file holding exactly the blob's bytes. */
  file: string;
}

export async function writeDelta(
  out: Writable,
  manifestBytes: Buffer,
  signature: DeltaSignature | undefined,
  blobs: BlobSource[],
  onBytes: (done: number) => void = () => {},
): Promise<number> {
  const tar = pack();
  let bytes = 0;
  tar.on("data", (c: unknown) => {
    bytes += (c as Buffer).length;
    onBytes(bytes);
  });
  const done = pipeline(tar, out);
  tar.entry({ name: MANIFEST_NAME, mtime: new Date(0) }, manifestBytes);
  tar.entry({ name: MANIFEST_DIGEST_NAME, mtime: new Date(0) }, `${sha256Of(manifestBytes)}\n`);
  if (signature)
    tar.entry({ name: SIGNATURE_NAME, mtime: new Date(0) }, `${JSON.stringify(signature)}\n`);
  const seen = new Set<string>();
  for (const b of blobs) {
    if (seen.has(b.ref.digest)) continue;
    seen.add(b.ref.digest);
    const name = `blobs/sha256/${b.ref.digest.slice("sha256:".length)}`;
    const entry = tar.entry({ name, size: b.ref.size, mtime: new Date(0) });
    await pipeline(createReadStream(b.file), entry);
  }
  tar.finalize();
  await done;
  return bytes;
}

export interface OpenedDelta {
  file: string;
  manifest: DeltaManifest;
  manifestBytes: Buffer;
  /** Key id that signed it, when a signature was required and checked. */
  signedBy: string | undefined;
  /** Where each blob's bytes sit in the file. */
  blobs: Map<string, { offset: number; size: number }>;
}

function sha256Of(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

function unsafe(name: string, why: string): EvError {
  return new EvError("EV_ARCHIVE_UNSAFE", `delta entry "${name}": ${why}`, {
    hint: "the file is not a delta made by edgevisor, or was tampered with",
  });
}

function invalid(message: string): EvError {
  return new EvError("EV_DELTA_INVALID", message, {
    hint: "the delta is truncated or corrupt; fetch it again",
  });
}

function unsafePathReason(raw: string): string | undefined {
  if (raw.startsWith("/")) return "absolute path";
  if (raw.split("/").includes("..")) return 'path contains ".."';
  return undefined;
}

/** Does this file start like a delta (first entry manifest.json with our format)? */
export async function looksLikeDelta(file: string): Promise<boolean> {
  const fh = await open(file, "r");
  try {
    const header = await readAt(fh, 0, 512);
    if (header.length < 512 || header.subarray(0, 14).toString("latin1") !== `${MANIFEST_NAME}\0`)
      return false;
    const head = await readAt(fh, 512, 64);
    return head.toString("utf8").includes('"format":"edgevisor-delta"');
  } finally {
    await fh.close();
  }
}

/**
 * Read and check a delta file: structure, manifest, signature policy, every blob's size
 * and digest. `onBytes` reports progress through the file.
 */
export async function openDelta(
  file: string,
  options: {
    trustedKeys?: readonly KeyObject[];
    onBytes?: (done: number, total: number) => void;
  } = {},
): Promise<OpenedDelta> {
  const fh = await open(file, "r");
  try {
    const { size } = await fh.stat();
    const walk = walkTar(fh, size, "delta");
    let manifestBytes: Buffer | undefined;
    let manifest: DeltaManifest | undefined;
    let signature: DeltaSignature | undefined;
    let expected = new Map<string, BlobRef>();
    const blobs = new Map<string, { offset: number; size: number }>();
    let index = 0;
    while (true) {
      let next;
      try {
        next = await walk.next();
      } catch (e) {
        throw invalid(`delta structure: ${(e as Error).message}`);
      }
      if (next.done) {
        const trailer = await readAt(fh, next.value.start, next.value.end - next.value.start);
        if (trailer.length < 1024 || trailer.some((b) => b !== 0))
          throw invalid("delta has no end-of-archive marker: truncated");
        break;
      }
      const e = next.value;
      const reason = unsafePathReason(e.rawPath);
      if (reason) throw unsafe(e.rawPath, reason);
      if (e.meta || e.type !== "0") throw unsafe(e.rawPath, `entry type "${e.type}" not allowed`);
      const padding = await readAt(fh, e.contentStart + e.size, e.end - e.contentStart - e.size);
      if (padding.some((b) => b !== 0))
        throw invalid(`delta entry "${e.rawPath}": padding is not zero`);
      if (index === 0) {
        if (e.rawPath !== MANIFEST_NAME)
          throw unsafe(e.rawPath, "first entry must be manifest.json");
        if (e.size > MAX_MANIFEST) throw invalid(`manifest.json is ${e.size} bytes`);
        manifestBytes = await readAt(fh, e.contentStart, e.size);
      } else if (index === 1) {
        if (e.rawPath !== MANIFEST_DIGEST_NAME)
          throw unsafe(e.rawPath, `second entry must be ${MANIFEST_DIGEST_NAME}`);
        const stated = (await readAt(fh, e.contentStart, Math.min(e.size, 128))).toString("latin1");
        if (stated !== `${sha256Of(manifestBytes!)}\n`)
          throw new EvError(
            "EV_DIGEST_MISMATCH",
            "manifest.json does not match manifest.json.sha256",
            {
              hint: "the delta is corrupt or was tampered with",
            },
          );
        manifest = parseManifest(manifestBytes!);
        expected = new Map(manifestBlobs(manifest).map((b) => [b.digest, b]));
      } else if (index === 2 && e.rawPath === SIGNATURE_NAME) {
        signature = parseSignature(await readAt(fh, e.contentStart, Math.min(e.size, 4096)));
      } else {
        const m = BLOB_NAME.exec(e.rawPath);
        if (!m) throw unsafe(e.rawPath, "not a blob name");
        const digest = `sha256:${m[1]}`;
        const ref = expected.get(digest);
        if (!ref) throw unsafe(e.rawPath, "blob not listed in the manifest");
        if (blobs.has(digest)) throw unsafe(e.rawPath, "duplicate entry");
        if (ref.size !== e.size)
          throw new EvError(
            "EV_DIGEST_MISMATCH",
            `delta blob ${digest} is ${e.size} bytes, the manifest says ${ref.size}`,
          );
        const actual = await hashRange(fh, e.contentStart, e.size);
        if (actual !== digest)
          throw new EvError("EV_DIGEST_MISMATCH", `delta blob ${digest} has digest ${actual}`, {
            hint: "the delta is corrupt or was tampered with",
          });
        blobs.set(digest, { offset: e.contentStart, size: e.size });
      }
      index++;
      options.onBytes?.(e.end, size);
    }
    if (!manifest || !manifestBytes) throw invalid("delta has no manifest.json");
    const signedBy = checkSignature(manifestBytes, signature, options.trustedKeys ?? []);
    for (const digest of expected.keys())
      if (!blobs.has(digest)) throw invalid(`delta lacks blob ${digest} listed in its manifest`);
    const opened = { file, manifest, manifestBytes, signedBy, blobs };
    await readConfig(opened);
    return opened;
  } finally {
    await fh.close();
  }
}

function parseManifest(bytes: Buffer): DeltaManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw invalid(`manifest.json is not JSON: ${(e as Error).message}`);
  }
  const parsed = v.safeParse(DeltaManifestSchema, json, ISSUES);
  if (!parsed.success) throw invalid(`manifest.json: ${describeIssue(parsed.issues[0])}`);
  const problem = manifestProblem(parsed.output);
  if (problem) throw invalid(`manifest.json: ${problem}`);
  return parsed.output;
}

function parseSignature(bytes: Buffer): DeltaSignature {
  try {
    return v.parse(SignatureSchema, JSON.parse(bytes.toString("utf8")), ISSUES);
  } catch (e) {
    throw new EvError("EV_DELTA_SIGNATURE", "manifest.sig is malformed", { cause: e });
  }
}

async function hashRange(
  fh: Awaited<ReturnType<typeof open>>,
  start: number,
  size: number,
): Promise<string> {
  const h = createHash("sha256");
  const CHUNK = 1 << 20;
  for (let pos = start; pos < start + size; pos += CHUNK) {
    const part = await readAt(fh, pos, Math.min(CHUNK, start + size - pos));
    h.update(part);
  }
  return `sha256:${h.digest("hex")}`;
}

/** Stream a range of the (verified) data blob from the delta file. */
export function blobStream(delta: OpenedDelta, range: Range): AsyncIterable<Buffer> {
  const at = delta.blobs.get(delta.manifest.data.digest);
  if (!at) throw invalid("delta lacks its data blob");
  if (range.size === 0) return (async function* () {})();
  const start = at.offset + range.offset;
  return createReadStream(delta.file, { start, end: start + range.size - 1 });
}

const MAX_CONFIG = 16 << 20;

/** The target's config bytes, checked against the target id. */
export async function readConfig(delta: OpenedDelta): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of blobStream(delta, delta.manifest.target.config)) parts.push(c);
  let config: Buffer;
  try {
    config = zstdDecompressSync(Buffer.concat(parts), { maxOutputLength: MAX_CONFIG });
  } catch (e) {
    throw invalid(`the target config does not decompress: ${(e as Error).message}`);
  }
  if (sha256Of(config) !== delta.manifest.target.id)
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `the target config hashes to ${sha256Of(config)}, not ${delta.manifest.target.id}`,
      { hint: "the delta is corrupt or was tampered with" },
    );
  return config;
}

/** Builds the data blob: ranges appended back to back into one file. */
export class DataBlobWriter {
  private readonly out: WriteStream;
  private readonly hash = createHash("sha256");
  private size = 0;
  readonly file: string;

  constructor(file: string) {
    this.file = file;
    this.out = createWriteStream(file);
  }

  private async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  async addBytes(bytes: Buffer): Promise<Range> {
    const offset = this.size;
    await this.write(bytes);
    return { offset, size: bytes.length };
  }

  async addFile(file: string): Promise<Range> {
    const offset = this.size;
    for await (const c of createReadStream(file)) await this.write(c as Buffer);
    return { offset, size: this.size - offset };
  }

  async finish(): Promise<BlobSource> {
    this.out.end();
    await finished(this.out);
    return {
      file: this.file,
      ref: { digest: `sha256:${this.hash.digest("hex")}`, size: this.size },
    };
  }
}
