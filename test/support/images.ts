// Test images: FROM scratch plus Debian's static busybox, built on the private engine.
import assert from "node:assert/strict";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { after, before } from "node:test";
import { buildTestImage } from "../../scripts/lib/busybox-image.ts";
import { testDocker, uniqueName } from "./engine.ts";
import { collectJsonLines, type EngineClient } from "../../src/engine/api/index.ts";
import { pack } from "tar-stream";
import { createDelta } from "../../src/images/delta-create.ts";
import { DockerImageStore } from "../../src/images/docker-store.ts";

export { buildTestImage, type TestImageSpec } from "../../scripts/lib/busybox-image.ts";

/**
 * A busybox base image built before the file's tests and removed after them; returns its tag.
 * Call at module level of a test file.
 */
export function useBaseImage(prefix: string): string {
  const tag = `${uniqueName(prefix)}:1`;
  const docker = testDocker();
  before(async () => {
    await buildTestImage(docker, { tag });
  });
  after(async () => {
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => {});
  });
  return tag;
}

/** The engine's id for an image reference, or undefined when it has no such image. */
export async function imageIdOf(docker: EngineClient, ref: string): Promise<string | undefined> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      (i) => i.Id,
      () => undefined,
    );
}

/** Remove images by reference, last first; ones already gone are fine (after() hooks). */
export async function removeImages(docker: EngineClient, refs: readonly string[]): Promise<void> {
  for (const ref of [...refs].reverse())
    await docker
      .getImage(ref)
      .remove()
      .catch(() => {});
}

/** Remove `tag`, and check that the image `id` went with it (a delta's NEW before a load). */
export async function removeAndCheckGone(
  docker: EngineClient,
  tag: string,
  id: string,
): Promise<void> {
  await removeImages(docker, [tag]);
  assert.equal(await imageIdOf(docker, id), undefined, `${id} is gone before the load`);
}

/** A file's content in an image, read by busybox's cat in a container removed after. */
export async function catFile(docker: EngineClient, ref: string, path: string): Promise<string> {
  const c = await docker.createContainer({ Image: ref, Cmd: ["/bin/busybox", "cat", path] });
  try {
    await c.start();
    await c.wait();
    const logs = (await c.logs({ stdout: true })) as Buffer;
    return logs.subarray(8).toString("utf8");
  } finally {
    await c.remove({ force: true });
  }
}

/** A build-context entry: its content, or its content with a mode and an mtime. */
export type ContextFile = string | Buffer | { body: string | Buffer; mode?: number; mtime?: Date };

/** Build `tag` from a context of files (a `Dockerfile` among them); the image's id. */
export async function buildContext(
  docker: EngineClient,
  tag: string,
  files: Record<string, ContextFile>,
): Promise<string> {
  const tar = pack();
  for (const [name, f] of Object.entries(files)) {
    if (typeof f === "string" || Buffer.isBuffer(f)) tar.entry({ name }, f);
    else
      tar.entry(
        { name, ...(f.mode ? { mode: f.mode } : {}), ...(f.mtime ? { mtime: f.mtime } : {}) },
        f.body,
      );
  }
  tar.finalize();
  const out = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: tag,
    rm: true,
    forcerm: true,
  });
  const failed = (await collectJsonLines<{ error?: string }>(out)).find((m) => m.error);
  if (failed) throw new Error(`building ${tag} failed: ${failed.error}`);
  return (await docker.getImage(tag).inspect()).Id;
}

/** `b` with `text` written over its bytes at `at` (a patched library of the same size). */
export function overwritten(b: Buffer, at: number, text: string): Buffer {
  const t = Buffer.from(text);
  return Buffer.concat([b.subarray(0, at), t, b.subarray(at + t.length)]);
}

export interface DeltaPair {
  oldTag: string;
  newTag: string;
  oldId: string;
  newId: string;
}

/**
 * Busybox images `name:1` (OLD, `files.old`) and `name:2` (NEW, `files.new`), and a
 * level-3 delta from OLD to NEW written to `file`.
 */
export async function buildDeltaPair(
  docker: EngineClient,
  name: string,
  files: { old: Record<string, string | Buffer>; new: Record<string, string | Buffer> },
  file: string,
): Promise<DeltaPair> {
  const oldTag = `${name}:1`;
  const newTag = `${name}:2`;
  const oldId = await buildTestImage(docker, { tag: oldTag, files: files.old });
  const newId = await buildTestImage(docker, { tag: newTag, files: files.new });
  const out = createWriteStream(file);
  await createDelta(new DockerImageStore(docker), oldTag, newTag, out, { level: 3 });
  await finished(out);
  return { oldTag, newTag, oldId, newId };
}
