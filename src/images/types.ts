// The image store as the rest of edgevisor sees it: our own types, no dockerode.
import type { Readable } from "node:stream";
import type { BaseReader } from "../delta/types.ts";

export interface ImageInfo {
  /** Image id: sha256 of the config, "sha256:<hex>". */
  id: string;
  repoTags: string[];
  /** Layer DiffIDs, bottom first. */
  diffIds: string[];
  /** Sum of the layers' sizes as the engine reports it (uncompressed). */
  size: number;
}

/** Read access to an image's filesystem; close() releases what open() needed. */
export interface RootfsReader extends BaseReader {
  close(): Promise<void>;
}

export interface ImageStore {
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** A `docker save` archive of one image. */
  save(ref: string): Promise<Readable>;
  /** Feed a `docker save`-format archive to the engine; resolves once it is loaded. */
  load(archive: Readable): Promise<void>;
  /** Read files of an image that is on the engine (for rebuilding deltas). */
  openRootfs(id: string): Promise<RootfsReader>;
}

/** Progress of a long step: phases with optional byte totals. Renderers live in the CLI. */
export interface Progress {
  phase(name: string, total?: number): void;
  update(done: number): void;
  /** Detail lines a renderer may print (or emit as JSON). */
  note(message: string, data?: Record<string, unknown>): void;
}

export const silentProgress: Progress = { phase() {}, update() {}, note() {} };
