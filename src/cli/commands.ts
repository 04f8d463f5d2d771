// Every CLI command module, in help order. A module exports `register(program)`.
import type { Command } from "commander";
import { registerApply } from "./apply.ts";
import { registerConfig } from "./config.ts";
import { registerDelta } from "./delta.ts";
import { registerDoctor } from "./doctor.ts";
import { registerHealthcheck } from "./healthcheck.ts";
import { registerImage } from "./image.ts";
import { registerLint } from "./lint.ts";
import { registerRun } from "./run.ts";
import { registerStatus } from "./status.ts";

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [
  registerApply,
  registerRun,
  registerStatus,
  registerDoctor,
  registerHealthcheck,
  registerImage,
  registerDelta,
  registerLint,
  registerConfig,
];
