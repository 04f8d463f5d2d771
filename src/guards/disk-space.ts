// Disk guard, the I/O part: before a fetch, measure the engine's data root, estimate what the
// fetch writes, remove images no release needs if that makes room, and otherwise refuse with
// EV_INSUFFICIENT_SPACE, so the running release keeps running instead of the disk filling up.
//
// Estimates (the engine API cannot size an image before pulling it: GET /distribution/{name}/json
// returns only the manifest's descriptor, whose size is that of the manifest document, not of
// the layers):
//   - an image already on the device: 0;
//   - pull: 1.25 × the size of the image it replaces (the service's image in the rollback
//     release, else an older tag of the same repository): a new release is usually about the
//     size of the last one, and the engine keeps compressed downloads next to extracted
//     layers until each layer is done;
//   - build: 2 × the build context (the engine unpacks the context, then COPY writes it into
//     a layer), or the pull estimate when that is larger;
//   - nothing to compare with: 0 and "size unknown"; the reserve alone protects the disk.
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { EvError } from "../errors.ts";
import { dockerignoreFilter } from "../engine/dockerignore.ts";
import { LABEL } from "../engine/labels.ts";
import type { ContainerEngine, ImageUsage } from "../engine/types.ts";
import type { BuildSpec, Release, ServiceSpec } from "../release/types.ts";
import {
  defaultReserve,
  mib,
  planSpace,
  removalCandidates,
  repositoryOf,
  shortText,
  type SpaceInput,
} from "./disk-guard.ts";

export const PULL_FACTOR = 1.25;
export const BUILD_CONTEXT_FACTOR = 2;

export interface FetchEstimate {
  service: string;
  bytes: number;
  /** How the figure was reached, for status and errors. */
  basis: string;
}

/** Pure: what fetching `s` will write, from the images on the engine and the rollback release. */
export function estimateFetch(
  s: ServiceSpec,
  images: readonly ImageUsage[],
  rollback: Release | undefined,
  contextBytes: number | undefined,
): FetchEstimate {
  const present = images.find((i) => i.id === s.image || i.refs.includes(s.image));
  if (present && !s.build) return { service: s.name, bytes: 0, basis: "already on the device" };
  const oldRef = rollback?.services[s.name]?.image;
  const replaced =
    images.find((i) => oldRef !== undefined && (i.id === oldRef || i.refs.includes(oldRef))) ??
    images.find((i) => i.refs.some((r) => repositoryOf(r) === repositoryOf(s.image)));
  const pull = replaced
    ? {
        bytes: Math.ceil(replaced.sizeBytes * PULL_FACTOR),
        basis: `${PULL_FACTOR} × the ${mib(replaced.sizeBytes)} image it replaces`,
      }
    : undefined;
  if (s.build && contextBytes !== undefined) {
    const build = {
      bytes: contextBytes * BUILD_CONTEXT_FACTOR,
      basis: `${BUILD_CONTEXT_FACTOR} × the ${mib(contextBytes)} build context`,
    };
    return { service: s.name, ...(pull && pull.bytes > build.bytes ? pull : build) };
  }
  if (pull) return { service: s.name, ...pull };
  return { service: s.name, bytes: 0, basis: "size unknown: no older version on the device" };
}

/** Bytes of a build context as it is sent: files not excluded by .dockerignore. */
export async function buildContextBytes(build: BuildSpec): Promise<number> {
  const ignored = await dockerignoreFilter(build.context);
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (ignored(full)) continue;
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) total += (await lstat(full)).size;
    }
  };
  await walk(build.context);
  return total;
}

export interface DiskGuardDeps {
  engine: Pick<ContainerEngine, "dataRoot" | "imageUsage" | "removeImage">;
  /** statfs of a path; the doctor's linuxHost().statfs fits. */
  statfs: (path: string) => Promise<{ totalBytes: number; availableBytes: number }>;
  log: (line: string) => void;
  /** Reserve for a filesystem of this size; defaultReserve when absent. */
  reserveBytes?: (totalBytes: number) => number;
  contextBytes?: (build: BuildSpec) => Promise<number>;
}

export interface SpaceRequest {
  /** The services whose images are about to be fetched. */
  fetch: readonly ServiceSpec[];
  target: Release;
  /** The release running now: its images are what a rollback needs. */
  rollback?: Release;
}

export interface SpaceGrant {
  dataRoot: string;
  neededBytes: number;
  estimates: FetchEstimate[];
  /** Images removed to make room, with their tags. */
  removed: { id: string; refs: string[] }[];
  /** Call when the fetch is over (done or failed): its estimate stops counting. */
  release(): void;
}

export class DiskGuard {
  private readonly deps: DiskGuardDeps;
  /** Estimates of fetches granted and still running: they count against later requests. */
  private readonly inFlight = new Set<{ bytes: number }>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(deps: DiskGuardDeps) {
    this.deps = deps;
  }

  /**
   * Make sure the fetch fits, removing unneeded images first when that helps (update locks do
   * not matter: no container uses those images). Rejects with EV_INSUFFICIENT_SPACE when it
   * does not fit; nothing of the running release is touched either way. Requests are judged
   * one at a time.
   */
  ensureSpace(req: SpaceRequest): Promise<SpaceGrant> {
    const run = this.queue.then(() => this.judge(req));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async judge(req: SpaceRequest): Promise<SpaceGrant> {
    const { engine } = this.deps;
    const dataRoot = await engine.dataRoot();
    let images = await engine.imageUsage();
    const estimates: FetchEstimate[] = [];
    for (const s of req.fetch) {
      const ctx =
        s.build && this.deps.contextBytes !== undefined
          ? await this.deps.contextBytes(s.build)
          : s.build
            ? await buildContextBytes(s.build)
            : undefined;
      estimates.push(estimateFetch(s, images, req.rollback, ctx));
    }
    const pending = [...this.inFlight].reduce((n, f) => n + f.bytes, 0);
    const neededBytes = estimates.reduce((n, e) => n + e.bytes, 0) + pending;
    const what = req.fetch.map((s) => s.image).join(", ");
    const removed: { id: string; refs: string[] }[] = [];
    let freed = 0;

    while (true) {
      const input = await this.measure(dataRoot, neededBytes, images, req);
      const plan = planSpace(input);
      if (plan.kind === "ok") {
        const slot = { bytes: neededBytes - pending };
        this.inFlight.add(slot);
        return {
          dataRoot,
          neededBytes,
          estimates,
          removed,
          release: () => void this.inFlight.delete(slot),
        };
      }
      if (plan.kind === "refuse") throw this.refusal(what, input, freed, estimates, dataRoot);
      const removedBefore = removed.length;
      for (const id of plan.ids) {
        const image = images.find((i) => i.id === id);
        const before = (await this.deps.statfs(dataRoot)).availableBytes;
        try {
          // By tag: the engine refuses to remove an id that several tags name; untagging the
          // last tag deletes the image. Untagged images go by id.
          for (const ref of image?.refs.length ? image.refs : [id]) await engine.removeImage(ref);
        } catch (e) {
          this.deps.log(`disk guard: could not remove image ${id}: ${(e as Error).message}`);
          continue;
        }
        const gain = (await this.deps.statfs(dataRoot)).availableBytes - before;
        freed += Math.max(0, gain);
        removed.push({ id, refs: image?.refs ?? [] });
        this.deps.log(
          `disk guard: removed unused image ${image?.refs[0] ?? id.slice(0, 19)} (${mib(Math.max(0, gain))} freed) to make room for ${what}`,
        );
      }
      // Nothing could be removed: measuring again would give the same answer.
      if (removed.length === removedBefore)
        throw this.refusal(what, input, freed, estimates, dataRoot);
      images = await engine.imageUsage();
    }
  }

  private async measure(
    dataRoot: string,
    neededBytes: number,
    images: readonly ImageUsage[],
    req: SpaceRequest,
  ): Promise<SpaceInput> {
    const fs = await this.deps.statfs(dataRoot);
    return {
      freeBytes: fs.availableBytes,
      totalBytes: fs.totalBytes,
      reserveBytes: (this.deps.reserveBytes ?? defaultReserve)(fs.totalBytes),
      neededBytes,
      candidates: removalCandidates(images, [req.target, req.rollback], LABEL.managed),
    };
  }

  private refusal(
    what: string,
    input: SpaceInput,
    freed: number,
    estimates: FetchEstimate[],
    dataRoot: string,
  ): EvError {
    const basis = estimates.map((e) => `${e.service}: ${e.basis}`).join("; ");
    return new EvError(
      "EV_INSUFFICIENT_SPACE",
      `not enough space on ${dataRoot} to fetch ${what}: ${shortText(input, freed)} (estimate: ${basis})`,
      {
        hint: "the running release keeps running; free space on the data partition (logs, data in volumes, core dumps) or ship a smaller release — edgevisor doctor shows what fills it",
      },
    );
  }
}
