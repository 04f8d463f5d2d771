// Choosing and fetching a reference archive for a layer (see delta/encode-archive.ts).
// The reference is the engine's tar of the deepest directory that holds all of the
// layer's entries. A created container's root also holds the engine's per-container
// files (/etc/hosts, /etc/hostname, /etc/resolv.conf, /dev, /proc, /sys, /.dockerenv),
// whose headers differ from one container to the next, so a directory that is or holds
// one of those is never used.
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { encodeLayerAgainstArchive } from "../delta/encode-archive.ts";
import type { EncodedLayer } from "../delta/layer-files.ts";
import { FileWindow, walkTar } from "../delta/tar-walk.ts";
import type { CodecTuning } from "../delta/types.ts";
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

/** Encode against the base's archive of `dir`; undefined when the base lacks it. */
export async function encodeAgainstReference(
  rootfs: RootfsReader,
  dir: string,
  layerFile: string,
  work: string,
  name: string,
  tuning: CodecTuning,
): Promise<EncodedLayer | undefined> {
  const file = join(work, `${name}.reference.tar`);
  try {
    await pipeline(Readable.from(await rootfs.openArchive(dir)), createWriteStream(file));
  } catch {
    return undefined;
  }
  return encodeLayerAgainstArchive(layerFile, { dir, file }, work, name, tuning);
}
