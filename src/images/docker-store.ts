// ImageStore on a Docker-API engine. The engine client stays inside this file (and in
// reader-owner.ts, whose sweep of leftover readers the agent loads on its own).
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { Container, ContainerInfo, EngineClient } from "../engine/api/index.ts";
import { extract } from "tar-stream";
import { engineError, isStatus } from "../engine/engine-errors.ts";
import { type EngineStreamMessage, followJsonStream } from "../engine/json-stream.ts";
import { EvError } from "../errors.ts";
import { normalizeTarPath } from "../delta/tar-walk.ts";
import { type BorrowedView, borrowedReader, IMPLICIT_MOUNTS } from "./borrowed-rootfs.ts";
import {
  DELTA_BASE_LABEL,
  type Maker,
  makerLabel,
  removeLeftoverReaders,
  thisMaker,
} from "./reader-owner.ts";
import type {
  ImageInfo,
  ImageStore,
  LayerImporter,
  OpenRootfsOptions,
  RootfsEntry,
  RootfsReader,
} from "./types.ts";

export { DELTA_BASE_LABEL };

/**
 * A container whose changes list is longer than this is not borrowed: the list is read
 * whole, on a device whose load budget is 128 MiB (~20,000 paths; a service that rewrote
 * more of its filesystem than that is better served by a new reader container anyway).
 */
const MAX_CHANGES_BYTES = 2 << 20;

export class DockerImageStore implements ImageStore {
  private readonly docker: EngineClient;
  readonly layers: LayerImporter;
  /** Who makes this store's reader containers (their label, reader-owner.ts). */
  private readonly maker: Maker = thisMaker();
  /** Leftover readers are looked for once per store (they come from a killed process). */
  private swept: Promise<unknown> | undefined;

  constructor(docker: EngineClient) {
    this.docker = docker;
    this.layers = new DockerLayerImporter(docker);
  }

  async inspect(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return {
        id: info.Id,
        repoTags: info.RepoTags ?? [],
        diffIds: info.RootFS?.Layers ?? [],
        size: info.Size,
      };
    } catch (e) {
      if (isStatus(e, 404)) return undefined;
      throw engineError(`inspecting image ${ref}`, e);
    }
  }

  async save(...refs: string[]): Promise<Readable> {
    try {
      return await this.docker.saveImages(refs);
    } catch (e) {
      throw engineError(`saving image ${refs.join(", ")}`, e);
    }
  }

  async load(archive: Readable): Promise<void> {
    await uploadFollowing(
      archive,
      (signal) => this.docker.loadImage(archive, { quiet: true, abortSignal: signal }),
      "loading an image archive",
      "archive",
    );
  }

  async openRootfs(id: string, options: OpenRootfsOptions = {}): Promise<RootfsReader> {
    this.swept ??= removeLeftoverReaders(this.docker, this.maker);
    await this.swept;
    if (options.borrow) {
      const lent = await this.borrow(id);
      if (lent) return borrowedReader(lent.reader, lent.name, lent.view, () => this.openRootfs(id));
    }
    let container: Container;
    try {
      container = await this.docker.createContainer({
        name: `ev-delta-base-${randomBytes(6).toString("hex")}`,
        Image: id,
        Entrypoint: ["/.edgevisor-delta-base-reader"],
        Cmd: [],
        NetworkDisabled: true,
        Labels: { [DELTA_BASE_LABEL]: makerLabel(this.maker) },
      });
    } catch (e) {
      throw engineError(`creating a reader container for base image ${id}`, e);
    }
    return containerReader(container, async () => {
      await container.remove({ force: true, v: true }).catch(() => {});
    });
  }

  /**
   * A container of image `id` to read through, with what it changed and mounted; stopped
   * ones first (nothing writes to them while they are read). Undefined when there is none,
   * or the engine will not say.
   */
  private async borrow(
    id: string,
  ): Promise<{ reader: RootfsReader; name: string; view: BorrowedView } | undefined> {
    let candidates: ContainerInfo[];
    try {
      candidates = await this.docker.listContainers({ all: true, filters: { ancestor: [id] } });
    } catch {
      return undefined;
    }
    // Not another load's reader: it is removed when that load ends, maybe mid-read.
    const ofImage = candidates
      .filter((c) => c.ImageID === id && c.Labels?.[DELTA_BASE_LABEL] === undefined)
      .sort((a, b) => Number(a.State === "running") - Number(b.State === "running"));
    for (const c of ofImage.slice(0, 3)) {
      const container = this.docker.getContainer(c.Id);
      try {
        const info = await container.inspect({ timeoutMs: 10_000 });
        const changes = await container.changes({
          maxBytes: MAX_CHANGES_BYTES,
          abortSignal: AbortSignal.timeout(30_000),
        });
        const tmpfs = Object.keys(info.HostConfig?.Tmpfs ?? {});
        const view: BorrowedView = {
          changes: changes.map((ch) => ({ path: ch.Path, kind: ch.Kind })),
          mounts: [...(info.Mounts ?? []).map((m) => m.Destination), ...tmpfs, ...IMPLICIT_MOUNTS],
        };
        const name = info.Name.replace(/^\//, "");
        return { reader: containerReader(container, async () => {}), name, view };
      } catch {
        // Removed meanwhile, or the engine cannot list its changes: try the next one.
      }
    }
    return undefined;
  }
}

/** Reads through `container`'s archive API; `close` is what closing means for it. */
function containerReader(container: Container, close: () => Promise<void>): RootfsReader {
  return {
    open: (path) => openFile(container, path),
    walk: (dir) => walkTree(container, dir),
    openArchive: async (dir) => {
      try {
        return await container.getArchive({ path: `/${dir}` });
      } catch (e) {
        if (isStatus(e, 404))
          throw new EvError("EV_DIGEST_MISMATCH", `base image has no directory /${dir}`, {
            hint: "the base image on this device differs from the one the delta was made from",
          });
        throw engineError(`reading /${dir} from the base image`, e);
      }
    },
    close,
  };
}

class DockerLayerImporter implements LayerImporter {
  private readonly docker: EngineClient;

  constructor(docker: EngineClient) {
    this.docker = docker;
  }

  async importLayer(tar: Readable, label: string, value: string): Promise<string> {
    let id: string | undefined;
    await uploadFollowing(
      tar,
      (signal) =>
        this.docker.importImage(tar, { changes: [`LABEL ${label}=${value}`], abortSignal: signal }),
      "importing a layer",
      "layer",
      (m) => {
        if (m.status?.startsWith("sha256:")) id = m.status.trim();
      },
    );
    if (!id) throw new EvError("EV_ENGINE_ERROR", "the engine imported the layer but gave no id");
    return id;
  }

  async labelled(label: string, value?: string): Promise<Array<{ id: string; created: Date }>> {
    try {
      const images = await this.docker.listImages({
        all: true,
        filters: { label: [value === undefined ? label : `${label}=${value}`] },
      });
      return images.map((i) => ({ id: i.Id, created: new Date(i.Created * 1000) }));
    } catch (e) {
      throw engineError(`listing images labelled ${label}`, e);
    }
  }

  async removeImage(id: string): Promise<void> {
    try {
      await this.docker.getImage(id).remove();
    } catch (e) {
      if (isStatus(e, 404)) return;
      throw engineError(`removing image ${id}`, e);
    }
  }
}

/**
 * Send `source` as a request's body and follow the engine's JSON-lines answer; errors in
 * the answer fail the call. A failed source cuts the request: piping stops on error
 * without ending the body, and the engine would wait for the rest of it forever.
 */
async function uploadFollowing(
  source: Readable,
  send: (signal: AbortSignal) => Promise<NodeJS.ReadableStream>,
  what: string,
  noun: string,
  onMessage: (m: EngineStreamMessage) => void = () => {},
): Promise<void> {
  let failed: unknown;
  const cut = new AbortController();
  source.once("error", (e) => {
    failed = e;
    cut.abort(e);
  });
  const errors: string[] = [];
  try {
    await followJsonStream(await send(cut.signal), (m) => {
      if (m.error) errors.push(m.error);
      else onMessage(m);
    });
  } catch (e) {
    throw failed ?? engineError(what, e);
  }
  if (failed) throw failed;
  if (errors.length > 0)
    throw new EvError("EV_ENGINE_ERROR", `the engine refused the ${noun}: ${errors.join("; ")}`);
}

/** One file of a (never started) container, through the engine's archive API. */
async function openFile(container: Container, path: string): Promise<AsyncIterable<Buffer>> {
  let response: Readable;
  try {
    response = await container.getArchive({ path: `/${path}` });
  } catch (e) {
    if (isStatus(e, 404))
      throw new EvError("EV_DIGEST_MISMATCH", `base image has no file /${path}`, {
        hint: "the base image on this device differs from the one the delta was made from",
      });
    throw engineError(`reading /${path} from the base image`, e);
  }
  const ex = extract();
  response.pipe(ex);
  response.once("error", (e) => ex.destroy(e));
  return (async function* () {
    try {
      for await (const entry of ex) {
        if (entry.header.type !== "file")
          throw new EvError("EV_DIGEST_MISMATCH", `base file /${path} is a ${entry.header.type}`);
        for await (const chunk of entry) yield chunk as Buffer;
        return;
      }
      throw new EvError("EV_DIGEST_MISMATCH", `base file /${path}: empty archive from the engine`);
    } finally {
      response.destroy();
      ex.destroy();
    }
  })();
}

/** A directory of a container as one archive from the engine, entry by entry. */
async function* walkTree(container: Container, dir: string): AsyncGenerator<RootfsEntry> {
  let response: Readable;
  try {
    response = await container.getArchive({ path: `/${dir}` });
  } catch (e) {
    throw engineError(`reading /${dir} from the base image`, e);
  }
  const ex = extract();
  response.pipe(ex);
  response.once("error", (e) => ex.destroy(e));
  // The archive's names start at the directory's own name: "node_modules/x" for /app/node_modules.
  const parent = dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/") + 1) : "";
  try {
    for await (const entry of ex) {
      const name = normalizeTarPath(entry.header.name);
      const path = dir === "" ? name : `${parent}${name}`;
      // Never destroy an entry (that destroys the whole extract): read it through one
      // iterator that is only ever advanced, and drain what the consumer left.
      const it = (entry as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      if (entry.header.type === "file") {
        const body = (async function* () {
          for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
        })();
        yield { path, type: "file", body };
        while (!(await it.next()).done);
      } else {
        while (!(await it.next()).done);
        yield { path, type: "other" };
      }
    }
  } finally {
    response.destroy();
    ex.destroy();
  }
}
