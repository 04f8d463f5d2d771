// `edgevisor doctor`: diagnose this device in one screen (or JSON). Exit code 0 ok, 1 warn,
// 2 fail. It only reads: no file, log or cache is written.
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import type { Command } from "commander";
import { addConfigOptions, resolveConfig } from "../config.ts";
import { runDoctor } from "../doctor/doctor.ts";
import { linuxHost } from "../doctor/host.ts";
import type { DoctorFlagValues } from "../doctor/options.ts";
import { DOCTOR_FLAGS, resolveDoctorOptions } from "../doctor/options.ts";
import { renderJson, renderText, textStyleFor } from "../doctor/render.ts";
import { dockerDiagnosticsFor } from "../engine/docker-diagnostics.ts";

export function registerDoctor(program: Command): void {
  const cmd = program
    .command("doctor")
    .description(
      "diagnose this device: engine, storage, writes, memory, OOM, core dumps, clock, fleet endpoint, boot config (exit 0 ok, 1 warn, 2 fail)",
    )
    .option("--json", "print the report as JSON");
  addConfigOptions(cmd);
  for (const f of DOCTOR_FLAGS) {
    const description = `${f.description} (env ${f.env})`;
    if (f.repeatable)
      cmd.option(f.flags, description, (v: string, acc: string[] | undefined) => [
        ...(acc ?? []),
        v,
      ]);
    else cmd.option(f.flags, description);
  }
  cmd.action(async (flags: DoctorFlagValues & { json?: boolean }) => {
    const env = process.env;
    const config = resolveConfig(flags as Record<string, unknown>, env);
    const report = await runDoctor({
      options: resolveDoctorOptions(flags, env, existsSync, config.stateDir),
      engine: dockerDiagnosticsFor(config.dockerHost),
      host: linuxHost(),
      hostname: hostname(),
    });
    process.stdout.write(
      flags.json ? renderJson(report) : renderText(report, textStyleFor(process.stdout, env)),
    );
    process.exitCode = report.exitCode;
  });
}
