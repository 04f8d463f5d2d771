// Every CLI command, in help order, loaded on demand: `edgevisor healthcheck` runs as a
// frequent probe on small devices and must not pay for parsing every other command's
// modules (lint's parsers, the delta codec, the API server). Only help loads them all.
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

const COMMANDS: Record<string, () => Promise<RegisterCommand>> = {
  apply: async () => (await import("./apply.ts")).registerApply,
  run: async () => (await import("./run.ts")).registerRun,
  status: async () => (await import("./status.ts")).registerStatus,
  doctor: async () => (await import("./doctor.ts")).registerDoctor,
  healthcheck: async () => (await import("./healthcheck.ts")).registerHealthcheck,
  image: async () => (await import("./image.ts")).registerImage,
  delta: async () => (await import("./delta.ts")).registerDelta,
  lint: async () => (await import("./lint.ts")).registerLint as RegisterCommand,
  config: async () => (await import("./config.ts")).registerConfig as RegisterCommand,
};

/** The command named in argv (after node and the script), or all of them for help. */
export async function loadCommands(argv: readonly string[]): Promise<RegisterCommand[]> {
  const named = argv[2] ? COMMANDS[argv[2]] : undefined;
  if (named) return [await named()];
  return Promise.all(Object.values(COMMANDS).map((load) => load()));
}
