// Disk guard, the pure part: does a fetch fit in the engine's data root while keeping a
// reserve free, and if not, which images nobody needs should go first? Sizes are estimates
// (images share layers, so removing one can free less than its size): the I/O part measures
// again after removing and only then decides. See src/guards/disk-space.ts.
import type { ImageUsage } from "../engine/types.ts";
import type { Release } from "../release/types.ts";
import { IMPORT_LABEL } from "../images/import-bottom.ts";

const MiB = 1024 * 1024;

/** Free space kept untouched by fetches: 10 % of the filesystem, at least 512 MiB. */
export function defaultReserve(totalBytes: number): number {
  return Math.max(Math.ceil(totalBytes * 0.1), 512 * MiB);
}

export interface ImageCandidate {
  id: string;
  sizeBytes: number;
  refs: string[];
  /** A container (running or not, anyone's) was created from it: the engine keeps it. */
  usedByContainer: boolean;
  /** The target or the rollback (current) release needs it: never removed. */
  inTargetOrRollback: boolean;
}

export interface SpaceInput {
  /** Bytes free for the engine (statfs bavail) on its data root. */
  freeBytes: number;
  totalBytes: number;
  reserveBytes: number;
  /** Estimated bytes the fetch will write. */
  neededBytes: number;
  candidates: readonly ImageCandidate[];
}

export type SpacePlan =
  | { kind: "ok"; availableBytes: number }
  /** Remove these first; `thenOk` says whether, by the estimates, the fetch then fits. */
  | { kind: "removeFirst"; ids: string[]; freesBytes: number; thenOk: boolean }
  | { kind: "refuse"; reason: string };

export function isRemovable(c: ImageCandidate): boolean {
  return !c.usedByContainer && !c.inTargetOrRollback;
}

export function planSpace(input: SpaceInput): SpacePlan {
  const available = input.freeBytes - input.reserveBytes;
  if (input.neededBytes <= available) return { kind: "ok", availableBytes: available };
  const shortfall = input.neededBytes - available;
  // Untagged images first (nothing can refer to them), then the largest: fewest removals.
  const removable = input.candidates
    .filter(isRemovable)
    .sort((a, b) => a.refs.length - b.refs.length || b.sizeBytes - a.sizeBytes);
  if (removable.length === 0) return { kind: "refuse", reason: shortText(input, 0) };
  const ids: string[] = [];
  let frees = 0;
  for (const c of removable) {
    if (frees >= shortfall) break;
    ids.push(c.id);
    frees += c.sizeBytes;
  }
  // When even all of them are not enough, all go anyway: the estimates are rough, and the
  // space helps the running release too.
  return { kind: "removeFirst", ids, freesBytes: frees, thenOk: frees >= shortfall };
}

/** "needs 120.0 MiB, 80.0 MiB free on the data root after the 51.2 MiB reserve" */
export function shortText(input: SpaceInput, freedBytes: number): string {
  const avail = Math.max(0, input.freeBytes - input.reserveBytes);
  const freed = freedBytes > 0 ? ` (after removing unused images: ${mib(freedBytes)} freed)` : "";
  return `needs ~${mib(input.neededBytes)}, only ${mib(avail)} usable: ${mib(input.freeBytes)} free of ${mib(input.totalBytes)} minus a ${mib(input.reserveBytes)} reserve${freed}`;
}

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/**
 * The images the guard may consider: ours only. An image is ours when edgevisor labelled it,
 * or all its tags are of repositories the releases use (an older version of a service),
 * or it is untagged (left behind when a tag moved to a newer image). Anything else on the
 * engine belongs to the user and is never a candidate, and neither is a delta load's
 * imported bottom layer (`io.edgevisor.delta-import`).
 */
export function removalCandidates(
  images: readonly ImageUsage[],
  releases: readonly (Release | undefined)[],
  managedLabel: string,
): ImageCandidate[] {
  const keepRefs = new Set<string>();
  const repos = new Set<string>();
  for (const r of releases)
    for (const s of Object.values(r?.services ?? {})) {
      keepRefs.add(s.image);
      repos.add(repositoryOf(s.image));
    }
  return images
    .filter(
      (i) =>
        // A delta load's bottom layer, held until its load lists it (images/import-bottom.ts,
        // which also removes leftovers): removing it mid-load would fail that load.
        i.labels[IMPORT_LABEL] === undefined &&
        (i.refs.length === 0 ||
          i.labels[managedLabel] === "true" ||
          (i.refs.length > 0 && i.refs.every((ref) => repos.has(repositoryOf(ref))))),
    )
    .map((i) => ({
      id: i.id,
      sizeBytes: i.sizeBytes,
      refs: i.refs,
      usedByContainer: i.containers > 0,
      inTargetOrRollback: keepRefs.has(i.id) || i.refs.some((ref) => keepRefs.has(ref)),
    }));
}

/** "registry:5000/app/web:2" → "registry:5000/app/web"; digests and tags are dropped. */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split("@")[0]!;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  const name = colon > slash ? noDigest.slice(0, colon) : noDigest;
  return name.includes("/") ? name : `library/${name}`;
}
