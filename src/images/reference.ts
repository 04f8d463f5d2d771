// Choosing and fetching a reference archive for a layer (see delta/encode-archive.ts).
// The reference is the engine's tar of the deepest directory that holds all of the
// layer's entries. A created container's root also holds the engine's per-container
// files (/etc/hosts, /etc/hostname, /etc/resolv.conf, /dev, /proc, /sys, /.dockerenv),
// whose headers differ from one container to the next, so a directory that is or holds
// one of those is never used.
import { createWriteStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { encodeLayerAgainstArchive } from "../delta/encode-archive.ts";
import { type EncodeTuning, FramePool } from "../delta/frame-pool.ts";
import { type EncodedLayer, encodeLayerFile } from "../delta/layer-files.ts";
import { FileWindow, walkTar } from "../delta/tar-walk.ts";
import type { BaseCatalog } from "../delta/types.ts";
import { keepRssUnder } from "../delta/native-memory.ts";
import { commonDirectory } from "./batched-reader.ts";
import type { RootfsReader } from "./types.ts";

const VOLATILE = ["etc", "dev", "proc", "sys"];
const MIN_ENTRIES = 64;

/** The layer's common directory, when it is safe to use as a reference. */
export async function referenceDirFor(layerFile: string): Promise<string | undefined> {
  const fh = await open(layerFile, "r");
  const paths: string[] = [];
  try {
    const { size } = await fh.stat();
    const walk = walkTar(new FileWindow(fh, size), size, layerFile);
    for (let n = await walk.next(); !n.done; n = await walk.next())
      if (!n.value.meta && n.value.path !== "") paths.push(`${n.value.path}/x`);
  } finally {
    await fh.close();
  }
  // With few entries, per-file ops cost next to nothing beyond the content itself, and
  // trying a reference would encode the layer's content a second time.
  if (paths.length < MIN_ENTRIES) return undefined;
  const dir = commonDirectory(paths);
  const top = dir.split("/")[0]!;
  if (dir === "" || dir === "etc" || VOLATILE.slice(1).includes(top)) return undefined;
  return dir;
}

/** Save the base's archive of `dir` to `file`; false when the base lacks it. */
export async function saveReference(
  rootfs: RootfsReader,
  dir: string,
  file: string,
): Promise<boolean> {
  try {
    await pipeline(Readable.from(await rootfs.openArchive(dir)), createWriteStream(file));
    return true;
  } catch {
    return false;
  }
}

/**
 * A reference encoding is kept when it is at least 10% smaller than the per-file one: it
 * needs the device's engine to render the archive exactly as this one did, so it must be
 * worth that.
 */
export function referenceWins(filesBytes: number, referenceBytes: number): boolean {
  return referenceBytes < 0.9 * filesBytes;
}

/** The level of the trial encodings (patch frames at level 3 are ~10x faster than at 19). */
export const TRIAL_LEVEL = 3;

/**
 * What the trial at TRIAL_LEVEL says: which encoding to make at the real level, or "both"
 * (and referenceWins on their real sizes) when the trial is too close to call. Level 19
 * favours the reference: on the app bench pair's node_modules the reference encoding is
 * 0.52 of the per-file one at level 3 and 0.39 at level 19. So the reference is taken at
 * once below 0.9 × 0.75 (it would have to lose a third of its lead to lose), and the
 * per-file encoding only above 0.9 / 0.6 (a 40% swing the other way).
 */
export function trialChoice(
  filesBytes: number,
  referenceBytes: number,
): "reference" | "files" | "both" {
  const ratio = referenceBytes / Math.max(1, filesBytes);
  if (ratio < 0.9 * 0.75) return "reference";
  if (ratio > 0.9 / 0.6) return "files";
  return "both";
}

const encodedBytes = (e: EncodedLayer) => e.ops.ref.size + e.lit.ref.size;

export interface LayerChoice {
  encoded: EncodedLayer;
  /** The reference directory when the layer was encoded against it. */
  reference?: string;
  /** Sizes of the trial encodings, when there was a trial. */
  trial?: { files: number; reference: number };
}

/**
 * Encode a layer per file, or against the base's archive of `dir`, whichever is smaller by
 * the rule of referenceWins. Encoding both at level 19 cost the app bench pair's create 5 s
 * and its peak RSS (level-19 per-file frames, then level-19 reference frames): both are
 * first encoded at TRIAL_LEVEL, and only the one the trial picks at the real level.
 */
export async function encodeLayerChoosing(o: {
  layerFile: string;
  base: BaseCatalog;
  rootfs: RootfsReader;
  dir: string;
  work: string;
  name: string;
  tuning: EncodeTuning;
  onPhase?: (what: string) => void;
}): Promise<LayerChoice> {
  const { layerFile, base, work, name, tuning } = o;
  const refFile = join(work, `${name}.reference.tar`);
  const files = (t: EncodeTuning, n: string) => encodeLayerFile(layerFile, base, work, n, t);
  const reference = (t: EncodeTuning, n: string) =>
    encodeLayerAgainstArchive(layerFile, { dir: o.dir, file: refFile }, work, n, t);
  if (!(await saveReference(o.rootfs, o.dir, refFile)))
    return { encoded: await files(tuning, name) };
  let choice: "reference" | "files" | "both" = "both";
  let trial: LayerChoice["trial"];
  if (tuning.level > TRIAL_LEVEL) {
    o.onPhase?.(`try both encodings at level ${TRIAL_LEVEL}`);
    // On a worker of their own, ended after: a level-3 frame with an 8 MiB dictionary holds
    // ~50 MiB, and what a thread frees stays in its malloc arena. The app pair's create
    // peaked at 530 MiB with them on both frame workers, 473 MiB with them on the main
    // thread (which then held ~420 MiB while encoding at level 19), 454 MiB like this.
    const frames = new FramePool(1);
    try {
      const fast = { ...tuning, level: TRIAL_LEVEL, frames };
      const f = await files(fast, `${name}.trial`);
      const r = await reference(fast, `${name}.trial`);
      trial = { files: encodedBytes(f), reference: encodedBytes(r) };
      await Promise.all([f, r].flatMap((e) => [rm(e.ops.file), rm(e.lit.file)]));
    } finally {
      await frames.close();
    }
    choice = trialChoice(trial.files, trial.reference);
    keepRssUnder(0);
  }
  const withTrial = trial ? { trial } : {};
  if (choice === "files") return { encoded: await files(tuning, name), ...withTrial };
  o.onPhase?.(`encode against the base's /${o.dir}`);
  const r = await reference(tuning, name);
  if (choice === "reference") return { encoded: r, reference: o.dir, ...withTrial };
  o.onPhase?.("encode per file");
  const f = await files(tuning, name);
  return referenceWins(encodedBytes(f), encodedBytes(r))
    ? { encoded: r, reference: o.dir, ...withTrial }
    : { encoded: f, ...withTrial };
}
