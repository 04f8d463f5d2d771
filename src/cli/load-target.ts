// The CLI's way to read a target release: the compose loader with the process
// environment for interpolation, warnings as printable lines.
import { formatIssue } from "../release/issues.ts";
import { loadRelease } from "../release/load.ts";
import type { Release } from "../release/types.ts";

export async function loadTargetRelease(
  source: string,
  env: NodeJS.ProcessEnv,
  app?: string,
): Promise<{ release: Release; warnings: string[] }> {
  const { release, warnings } = await loadRelease(source, { env, ...(app ? { app } : {}) });
  return { release, warnings: warnings.map(formatIssue) };
}
