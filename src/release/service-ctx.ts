// What the per-field parsers of one service share: the reader, the service being built,
// and the references they record for the cross-service checks done afterwards.
import type { Node } from "yaml";
import type { Lookup } from "./interpolate.ts";
import type { ServiceSpec } from "./types.ts";
import type { ReadCtx } from "./yaml-read.ts";

/** A name one service uses that must exist elsewhere in the release. */
export interface Reference {
  kind: "service" | "volume" | "network";
  name: string;
  from: string;
  node: Node | null;
  path: string;
  /** depends_on and network_mode: service:X edges take part in cycle detection. */
  dependency: boolean;
}

/** Reads a file next to the compose file; undefined when it does not exist. */
export type ReadTextFile = (absolutePath: string) => string | undefined;

export interface ParseEnv {
  /** Directory of the compose file: relative paths resolve against it. */
  baseDir: string;
  /** Home directory for "~" in bind mounts. */
  homeDir?: string;
  /** Interpolation environment (process env over .env). */
  lookup: Lookup;
  readTextFile: ReadTextFile;
}

export interface ServiceCtx {
  read: ReadCtx;
  env: ParseEnv;
  spec: ServiceSpec;
  refs: Reference[];
  /** Variables from env_file, applied under `environment`. */
  envFileVars: Record<string, string>;
  environment: Record<string, string>;
  /** Node of `build:`, kept so I/O errors about the context can point at it. */
  buildNode?: Node | null;
  buildPath?: string;
  hasNetworks: boolean;
  networksNode?: Node | null;
  /** `image:` is present (even if its value was invalid). */
  imageGiven: boolean;
}
