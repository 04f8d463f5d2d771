// Reading base files through a container of the base image that already exists, instead of
// creating a reader container. During an update the service's container of the old release
// is there (download-then-kill keeps it running while the new image is fetched); creating
// and removing a reader container writes ~420 KiB through Docker 20.10 (measured: ~300 KiB
// to create, ~124 KiB to remove), which is what kept a delta load of an upper layer writing
// more than `docker pull` of it.
//
// A borrowed container's filesystem is its image plus what the container changed, plus its
// mounts. A read is served by the borrowed container only when no change and no mount can
// touch it; anything else goes to a fresh reader container. The rebuilt layers' DiffIDs
// stay the final word: a change made between the check and the read (the service writes
// the file meanwhile) fails the rebuild's digest check, and the load is then retried with
// fresh containers only (rebuild.ts).
import { posix } from "node:path";
import type { RootfsEntry, RootfsReader } from "./types.ts";

export interface BorrowedView {
  /** GET /containers/{id}/changes: absolute paths; kind 0 modified, 1 added, 2 deleted. */
  changes: ReadonlyArray<{ path: string; kind: number }>;
  /** Absolute destinations of everything mounted over the image in the container. */
  mounts: readonly string[];
}

/**
 * Paths the engine mounts into every container (the network files) or into running ones
 * (kernel filesystems, /dev/shm), whether or not inspect lists them as mounts.
 */
export const IMPLICIT_MOUNTS = [
  "/etc/hosts",
  "/etc/hostname",
  "/etc/resolv.conf",
  "/dev",
  "/proc",
  "/sys",
  "/run/secrets",
] as const;

function absolute(path: string): string {
  const p = posix.normalize(`/${path}`);
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

/** `a` is `b` or a directory above it. */
function atOrAbove(a: string, b: string): boolean {
  return a === b || a === "/" || b.startsWith(`${a}/`);
}

/**
 * Whether reading `path` (relative to the root, as deltas name base paths; a whole tree
 * when `tree`) through the borrowed container could return anything but the image's bytes.
 * A directory above the path that is only "modified" is what any change below it looks
 * like, and does not count; one added or deleted (replaced) does.
 */
export function touches(view: BorrowedView, path: string, tree: boolean): boolean {
  const p = absolute(path);
  for (const raw of view.mounts) {
    const m = absolute(raw);
    if (atOrAbove(m, p) || (tree && atOrAbove(p, m))) return true;
  }
  for (const c of view.changes) {
    const changed = absolute(c.path);
    if (changed === p) return true;
    if (tree && atOrAbove(p, changed)) return true;
    if (c.kind !== 0 && atOrAbove(changed, p)) return true;
  }
  return false;
}

/**
 * A reader that serves what `view` leaves untouched from `borrowed` and the rest from a
 * reader made by `fresh` on first need. Closing it closes that fresh reader only: the
 * borrowed container is someone else's.
 */
export function borrowedReader(
  borrowed: RootfsReader,
  name: string,
  view: BorrowedView,
  fresh: () => Promise<RootfsReader>,
): RootfsReader {
  let other: Promise<RootfsReader> | undefined;
  const pick = async (path: string, tree: boolean): Promise<RootfsReader> => {
    if (!touches(view, path, tree)) return borrowed;
    return (other ??= fresh());
  };
  return {
    open: async (path) => (await pick(path, false)).open(path),
    walk: (dir) =>
      (async function* (): AsyncGenerator<RootfsEntry> {
        yield* (await pick(dir, true)).walk(dir);
      })(),
    openArchive: async (dir) => (await pick(dir, true)).openArchive(dir),
    close: async () => {
      if (other) await (await other.catch(() => undefined))?.close();
    },
    borrowed: name,
  };
}
