// The registry's manifest digest of a reference, asked through the engine (`GET
// /distribution/{name}/json`): the engine talks to the registry with its own settings
// (mirrors, insecure registries, credentials) and nothing is pulled.
import type { EngineClient } from "../engine/api/index.ts";
import { engineError } from "../engine/engine-errors.ts";
import { EvError } from "../errors.ts";

export function manifestDigestVia(docker: EngineClient): (ref: string) => Promise<string> {
  return async (ref) => {
    let digest: string | undefined;
    try {
      digest = (await docker.getImage(ref).distribution()).Descriptor?.digest;
    } catch (e) {
      throw engineError(`asking the registry for ${ref}`, e);
    }
    if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest))
      throw new EvError("EV_IMAGE_FETCH_FAILED", `the registry gave no digest for ${ref}`);
    return digest;
  };
}
