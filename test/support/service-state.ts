// What the engine runs for one service of an edgevisor app, as tests and benches ask it.
import type { EngineClient } from "../../src/engine/api/index.ts";
import { LABEL } from "../../src/engine/labels.ts";

/**
 * The value of environment variable `name` in the service's container, when that container
 * is running; undefined when there is none or it is not running (a release's version is
 * usually told apart by such a variable).
 */
export async function runningServiceEnv(
  docker: EngineClient,
  app: string,
  service: string,
  name: string,
): Promise<string | undefined> {
  // Running containers only: during an update the old one may linger, exited.
  const [c] = await docker.listContainers({
    filters: { label: [`${LABEL.app}=${app}`, `${LABEL.service}=${service}`] },
  });
  if (!c) return undefined;
  const info = await docker.getContainer(c.Id).inspect();
  if (!info.State.Running) return undefined;
  return info.Config.Env?.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}
