// Who made a reader container, to tell one left by a killed loader from one in use. A
// loader killed mid-load (the agent restarted, a CLI load interrupted) leaves its created,
// never started reader container behind; it would hold the base image (an image in use by
// a container cannot be removed, so the disk guard could not free it) for ever. Readers
// are labelled `<boot id>:<pid>` of their maker; the next load, and the agent when it
// starts, remove those whose maker is gone. The engine is the device's own (a unix socket), so pids and the boot id are
// the engine host's too.
import { readFileSync } from "node:fs";
import type { EngineClient } from "../engine/api/index.ts";

/** The label of reader containers; its value is their maker (`makerLabel`). */
export const DELTA_BASE_LABEL = "io.edgevisor.delta-base";

export interface Maker {
  /** /proc/sys/kernel/random/boot_id, or "" where there is none. */
  boot: string;
  pid: number;
}

/** Readers older than this are removed whoever made them (pid reuse, other hosts). */
export const READER_MAX_AGE_MS = 24 * 3600_000;
/** Readers without a maker (labelled by earlier versions) are removed after this. */
export const UNLABELLED_MAX_AGE_MS = 3600_000;

export function thisMaker(): Maker {
  let boot = "";
  try {
    boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    // Not Linux: only the age rules apply.
  }
  return { boot, pid: process.pid };
}

export function makerLabel(m: Maker): string {
  return `${m.boot}:${m.pid}`;
}

/** Whether process `pid` of this boot still runs. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a reader container labelled `label`, created at `created`, was left behind:
 * its maker (same boot) no longer runs, the machine rebooted since, or it is too old.
 */
export function leftBehind(
  label: string,
  created: Date,
  now: Date,
  self: Maker,
  alive: (pid: number) => boolean,
): boolean {
  const age = now.getTime() - created.getTime();
  if (age > READER_MAX_AGE_MS) return true;
  const m = /^(.*):(\d+)$/.exec(label);
  if (!m) return age > UNLABELLED_MAX_AGE_MS;
  const [, boot, pid] = m;
  if (!self.boot || !boot) return false;
  if (boot !== self.boot) return true;
  const p = Number(pid);
  return p !== self.pid && !alive(p);
}

/**
 * Remove the reader containers that `leftBehind` says were left; their names. Best
 * effort: an engine that does not answer leaves them for the next sweep.
 */
export async function removeLeftoverReaders(
  docker: EngineClient,
  self: Maker = thisMaker(),
): Promise<string[]> {
  const now = new Date();
  const readers = await docker
    .listContainers({ all: true, filters: { label: [DELTA_BASE_LABEL] } })
    .catch(() => []);
  const removed: string[] = [];
  for (const c of readers) {
    const label = c.Labels?.[DELTA_BASE_LABEL] ?? "";
    if (!leftBehind(label, new Date(c.Created * 1000), now, self, processAlive)) continue;
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push((c.Names?.[0] ?? c.Id).replace(/^\//, ""));
    } catch {
      // Gone meanwhile, or the engine refused: the next sweep tries again.
    }
  }
  return removed;
}
