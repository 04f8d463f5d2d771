// Loading into the engine, with verification first: a delta or a plain `docker save`
// archive. Nothing reaches the engine until the input's structure, paths, digests (and,
// with trusted keys configured, its signature) have been checked; for deltas, until every
// rebuilt layer matched its DiffID too (rebuild.ts).
import type { KeyObject } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { access, constants, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { looksLikeDelta, openDelta } from "../delta/container.ts";
import { EvError } from "../errors.ts";
import { checkArchive, scanArchive } from "./archive.ts";
import { rebuildInto } from "./rebuild.ts";
import { type ImageStore, type Progress, silentProgress } from "./types.ts";

export interface LoadOptions {
  /** With keys, deltas must carry a valid signature by one of them. */
  trustedKeys?: readonly KeyObject[];
  progress?: Progress;
  /** Where a stream is spooled before loading (default: the OS temp dir). */
  tmpDir?: string;
  /** gzip level for rebuilt layers handed to the engine (0 = none; default: the delta's, 6). */
  gzipLevel?: number;
  /** false: a shipped bottom layer goes into `docker load` too instead of an import. */
  importBottom?: boolean;
  /** Tests: rebuild.ts's `declare` (the size declared for a recorded gzip size). */
  declareGzipSize?: (recorded: number) => number;
  /** false: never read the base through an existing container of it. */
  borrow?: boolean;
}

export interface LoadResult {
  kind: "delta" | "archive";
  images: Array<{ id: string; repoTags: string[] }>;
  /** Delta only: key id of the signature that was checked. */
  signedBy?: string;
  /** Delta only: the target was already on the engine; only its tags were applied. */
  alreadyPresent?: boolean;
  /** Delta only: bytes of layers rebuilt from the delta. */
  rebuiltBytes?: number;
  /** Delta only: rebuild passes (1: sizes from a version 2 manifest), and why not 1. */
  passes?: 1 | 2;
  fallback?: string;
  /** Delta only: the bottom layer went in by an import (rebuild.ts). */
  imported?: "streamed" | "reused";
  /** Delta only: the base was read through this existing container, not a new one. */
  borrowed?: string;
}

/** Load a delta or a `docker save` archive from a file, whichever it is. */
export async function loadImageFile(
  store: ImageStore,
  file: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  try {
    await access(file, constants.R_OK);
  } catch (e) {
    throw new EvError("EV_USAGE", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`, {
      cause: e,
    });
  }
  return (await looksLikeDelta(file))
    ? loadDelta(store, file, options)
    : loadArchive(store, file, options);
}

/** Load from a stream (e.g. a download): spooled to a temp file, checked, then loaded. */
export async function loadImageStream(
  store: ImageStore,
  input: Readable,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "ev-load-"));
  try {
    const file = join(dir, "input.tar");
    await pipeline(input, createWriteStream(file));
    return await loadImageFile(store, file, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function loadArchive(
  store: ImageStore,
  file: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const progress = options.progress ?? silentProgress;
  const what = `archive ${file}`;
  progress.phase("verify archive");
  const scan = await scanArchive(createReadStream(file), what, {
    onBytes: (n) => progress.update(n),
  });
  const images = checkArchive(scan, what);
  progress.phase("load into engine", scan.bytes);
  const input = createReadStream(file);
  let sent = 0;
  input.on("data", (c) => progress.update((sent += c.length)));
  await store.load(input);
  for (const image of images) {
    const info = await store.inspect(image.id);
    if (!info)
      throw new EvError(
        "EV_ENGINE_ERROR",
        `the engine accepted the archive but has no ${image.id}`,
      );
  }
  return { kind: "archive", images: images.map((i) => ({ id: i.id, repoTags: i.repoTags })) };
}

export async function loadDelta(
  store: ImageStore,
  file: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const progress = options.progress ?? silentProgress;
  progress.phase("verify delta");
  const delta = await openDelta(file, {
    trustedKeys: options.trustedKeys ?? [],
    onBytes: (n) => progress.update(n),
  });
  const { manifest: m } = delta;
  const base = await store.inspect(m.base.id);
  if (!base) {
    const tags = m.base.repoTags.length > 0 ? ` (${m.base.repoTags.join(", ")})` : "";
    throw new EvError(
      "EV_DELTA_BASE_MISSING",
      `base image ${m.base.id}${tags} is not on this device`,
      { hint: "load the full image, or a delta from an image this device has" },
    );
  }
  if (base.diffIds.join() !== m.base.diffIds.join())
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `base image ${m.base.id} has other layers than the delta expects`,
    );
  const present = await store.inspect(m.target.id);
  const rebuilt = present
    ? undefined
    : await rebuildInto(store, delta, progress, {
        ...(options.gzipLevel === undefined ? {} : { gzipLevel: options.gzipLevel }),
        ...(options.importBottom === undefined ? {} : { importBottom: options.importBottom }),
        ...(options.declareGzipSize ? { declare: options.declareGzipSize } : {}),
        ...(options.borrow === undefined ? {} : { borrow: options.borrow }),
      });
  const after = await store.inspect(m.target.id);
  if (!after || after.id !== m.target.id)
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `the engine loaded the rebuilt image, but it is ${after?.id ?? "missing"}, not ${m.target.id}`,
    );
  return {
    kind: "delta",
    images: [{ id: after.id, repoTags: after.repoTags }],
    ...(delta.signedBy ? { signedBy: delta.signedBy } : {}),
    ...(present ? { alreadyPresent: true } : {}),
    rebuiltBytes: rebuilt?.bytes ?? 0,
    ...(rebuilt ? { passes: rebuilt.passes } : {}),
    ...(rebuilt?.fallback ? { fallback: rebuilt.fallback } : {}),
    ...(rebuilt?.imported ? { imported: rebuilt.imported } : {}),
    ...(rebuilt?.borrowed ? { borrowed: rebuilt.borrowed } : {}),
  };
}
