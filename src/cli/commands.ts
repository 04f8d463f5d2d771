// Every CLI command module, in help order. A module exports `register(program)`.
import type { Command } from "commander";
import { registerDoctor } from "./doctor.ts";

export type RegisterCommand = (program: Command) => void;

export const commandModules: RegisterCommand[] = [registerDoctor];
