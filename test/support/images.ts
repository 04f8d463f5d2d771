// Test images: FROM scratch plus Debian's static busybox, built on the private engine.
import { after, before } from "node:test";
import { buildTestImage } from "../../scripts/lib/busybox-image.ts";
import { testDocker, uniqueName } from "./engine.ts";
import type { EngineClient } from "../../src/engine/api/index.ts";

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
