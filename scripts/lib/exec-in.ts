// Runs a command in an app service's running container and returns its stdout. Used by the
// demo (to show the named volume's data) and by the integration tests.
import type { EngineClient } from "../../src/engine/api/index.ts";
import { LABEL } from "../../src/engine/labels.ts";

/** Run a command in a service's running container and return its stdout. */
export async function execIn(
  docker: EngineClient,
  app: string,
  service: string,
  cmd: string[],
): Promise<string> {
  const [c] = await docker.listContainers({
    filters: { label: [`${LABEL.app}=${app}`, `${LABEL.service}=${service}`], status: ["running"] },
  });
  if (!c) throw new Error(`no running container for ${app}/${service}`);
  const exec = await docker
    .getContainer(c.Id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (b: Buffer) => chunks.push(b));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const raw = Buffer.concat(chunks);
  let out = "";
  for (let i = 0; i + 8 <= raw.length;) {
    const len = raw.readUInt32BE(i + 4);
    if (raw[i] === 1) out += raw.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}
