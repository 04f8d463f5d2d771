// The CLI's composition root: every command module registers itself on one commander
// program. Errors are printed once here, as "EV_CODE: message — hint", with the exit code
// from the error table.
import { Command, CommanderError } from "commander";
import { isEvError, toEvError } from "../errors.ts";
import { loadCommands } from "./commands.ts";

export async function main(argv: string[]): Promise<number> {
  const program = new Command("edgevisor")
    .description(
      "On-device supervisor for edge fleets: run, update, delta-ship and guard a compose release.",
    )
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  for (const register of await loadCommands(argv)) register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const err = toEvError(e);
    process.stderr.write(`${err.format()}\n`);
    if (!isEvError(e) && process.env.EDGEVISOR_DEBUG)
      process.stderr.write(`${(e as Error).stack}\n`);
    return err.exitCode;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv);
}
