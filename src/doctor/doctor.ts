// `edgevisor doctor` as a function: run every check against an engine and a host, and
// build the report. The CLI (src/cli/doctor.ts) is the composition root that wires the
// Docker-API engine, the Linux host and the options resolved from flags and environment.
import { ALL_CHECKS } from "./checks/index.ts";
import type { EngineDiagnostics } from "./engine-diagnostics.ts";
import type { HostProbe } from "./host.ts";
import type { DoctorOptions } from "./options.ts";
import type { DoctorReport } from "./report.ts";
import { buildReport } from "./report.ts";
import { runChecks } from "./runner.ts";
import type { Check } from "./types.ts";

export interface DoctorDeps {
  options: DoctorOptions;
  engine: EngineDiagnostics;
  host: HostProbe;
  hostname: string;
  now?: () => Date;
  checks?: Check[];
}

export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const now = deps.now ?? (() => new Date());
  const outcomes = await runChecks(deps.checks ?? ALL_CHECKS, { ...deps, now });
  return buildReport(outcomes, now(), deps.hostname);
}
