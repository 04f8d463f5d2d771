import assert from "node:assert/strict";
import { test } from "node:test";
import { buildTestImage } from "./images.ts";
import { testDocker, uniqueName } from "./engine.ts";

test("the private engine answers and builds a busybox test image", async () => {
  const docker = testDocker();
  const tag = `${uniqueName("ev-support")}:1`;
  const id = await buildTestImage(docker, { tag, files: { "/etc/hello": "hi\n" } });
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  const container = await docker.createContainer({ Image: tag, Cmd: ["cat", "/etc/hello"] });
  await container.start();
  await container.wait();
  const logs = (await container.logs({ stdout: true })) as Buffer;
  assert.match(logs.toString("latin1"), /hi/);
  await container.remove();
  await docker.getImage(tag).remove();
});
