// A CLI entry that registers only `run`: the daemon without the other commands' modules
// (lint, delta, doctor, image...). Used by rss-breakdown.ts to measure what eager imports
// of every command cost the daemon's memory.
import { Command } from "commander";
import { registerRun } from "../../src/cli/run.ts";

const program = new Command("edgevisor");
registerRun(program);
await program.parseAsync(process.argv);
