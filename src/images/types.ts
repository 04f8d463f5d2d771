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

/** One entry of a directory walk; `body` is set for regular files and must be drained. */
export interface RootfsEntry {
  /** Path without a leading "/". */
  path: string;
  type: "file" | "other";
  body?: AsyncIterable<Buffer>;
}

/** Read access to an image's filesystem; close() releases what open() needed. */
export interface RootfsReader extends BaseReader {
  /**
   * Every entry under `dir` (the directory itself first), in walk order: names sorted
   * bytewise within each directory, a directory's contents right after it.
   */
  walk(dir: string): AsyncIterable<RootfsEntry>;
  /** The engine's tar of a directory, as is. */
  openArchive(dir: string): Promise<AsyncIterable<Buffer>>;
  close(): Promise<void>;
  /** Set when reads go through an existing container (borrowed-rootfs.ts): its name. */
  readonly borrowed?: string;
}

export interface OpenRootfsOptions {
  /**
   * Read through an existing container of the image where its changes and mounts allow,
   * instead of creating one (borrowed-rootfs.ts).
   */
  borrow?: boolean;
}

/**
 * Layers streamed into the engine one by one, as single-layer images. A layer imported so
 * gets ChainID = DiffID, which is exactly a bottom layer's ChainID: a `docker load` that
 * lists it then skips it. Unlike a load, which stages its whole upload on disk before
 * unpacking, an import unpacks as the bytes arrive.
 */
export interface LayerImporter {
  /** Stream a layer tar in as a new single-layer image labelled `label=value`; its id. */
  importLayer(tar: Readable, label: string, value: string): Promise<string>;
  /** Images labelled `label=value`, with when they were made. */
  labelled(label: string, value?: string): Promise<Array<{ id: string; created: Date }>>;
  /** Remove an image by id; its layers go with it unless another image uses them. */
  removeImage(id: string): Promise<void>;
}

export interface ImageStore {
  inspect(ref: string): Promise<ImageInfo | undefined>;
  /** A `docker save` archive of the images; a layer they share is in it once. */
  save(...refs: string[]): Promise<Readable>;
  /** Feed a `docker save`-format archive to the engine; resolves once it is loaded. */
  load(archive: Readable): Promise<void>;
  /** Read files of an image that is on the engine (for rebuilding deltas). */
  openRootfs(id: string, options?: OpenRootfsOptions): Promise<RootfsReader>;
  /** Engines that can import a tar as an image (Docker, balenaEngine, Podman). */
  readonly layers?: LayerImporter;
}

/** Progress of a long step: phases with optional byte totals. Renderers live in the CLI. */
export interface Progress {
  phase(name: string, total?: number): void;
  update(done: number): void;
  /** Detail lines a renderer may print (or emit as JSON). */
  note(message: string, data?: Record<string, unknown>): void;
}

export const silentProgress: Progress = { phase() {}, update() {}, note() {} };
