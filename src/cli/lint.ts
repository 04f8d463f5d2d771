// `edgevisor lint [DIR]`: check a release for edge anti-patterns before it ships.
// Exit code 1 (EV_LINT_FINDINGS) when a finding reaches --fail-on.
import { writeFileSync } from "node:fs";
import { relative, sep } from "node:path";
import type { Command } from "commander";
import { ERROR_CODES, EvError } from "../errors.ts";
import { formatJson } from "../lint/format/json.ts";
import { formatSarif } from "../lint/format/sarif.ts";
import { formatText } from "../lint/format/text.ts";
import { lintRelease, RULES } from "../lint/index.ts";
import { reachesFailOn } from "../lint/runner.ts";

const FORMATS = ["text", "json", "sarif"] as const;
const FAIL_ON = ["error", "warning", "info", "none"] as const;

interface LintFlags {
  format: string;
  failOn: string;
  config?: string;
  output?: string;
  color: boolean;
  listRules?: boolean;
}

export interface LintIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: { write(s: string): unknown; isTTY?: boolean };
}

export function registerLint(
  program: Command,
  io: LintIo = { env: process.env, cwd: process.cwd(), stdout: process.stdout },
): void {
  program
    .command("lint")
    .description(
      "check a release (compose file, Dockerfiles, the scripts they run) for edge-device anti-patterns",
    )
    .argument("[dir]", "release directory: holds docker-compose.yml or a Dockerfile", ".")
    .option("-f, --format <format>", `output format: ${FORMATS.join(", ")}`, "text")
    .option(
      "--fail-on <severity>",
      `exit 1 when a finding is at least this severe: ${FAIL_ON.join(", ")}`,
      "error",
    )
    .option("-c, --config <file>", "lint config (default: .edgevisor-lint.yml in DIR)")
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .option("--no-color", "plain text output (also: NO_COLOR, or when stdout is not a terminal)")
    .option("--list-rules", "print the rules with their default severity and exit")
    .action(async (dir: string, flags: LintFlags) => {
      if (flags.listRules) {
        const width = Math.max(...RULES.map((r) => r.id.length));
        for (const r of RULES)
          io.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.title}\n`);
        return;
      }
      const format = flags.format as (typeof FORMATS)[number];
      const failOn = flags.failOn as (typeof FAIL_ON)[number];
      if (!FORMATS.includes(format))
        throw new EvError("EV_USAGE", `unknown --format "${flags.format}"`, {
          hint: `use one of ${FORMATS.join(", ")}`,
        });
      if (!FAIL_ON.includes(failOn))
        throw new EvError("EV_USAGE", `unknown --fail-on "${flags.failOn}"`, {
          hint: `use one of ${FAIL_ON.join(", ")}`,
        });

      const result = await lintRelease(dir, flags.config ? { configPath: flags.config } : {});
      const rel = relative(io.cwd, result.root).split(sep).join("/");
      const prefix =
        rel === "" || rel.startsWith("..") ? (rel === "" ? "" : `${result.root}/`) : `${rel}/`;
      const color =
        flags.color &&
        !flags.output &&
        io.env.NO_COLOR === undefined &&
        (io.stdout.isTTY === true || io.env.FORCE_COLOR !== undefined);
      const report =
        format === "json"
          ? formatJson(result.findings, { prefix })
          : format === "sarif"
            ? formatSarif(result.findings, RULES, { prefix, version: program.version() ?? "0.0.0" })
            : formatText(result.findings, { color, prefix, files: result.model.files });
      if (flags.output) writeFileSync(flags.output, report);
      else io.stdout.write(report);
      if (reachesFailOn(result.findings, failOn))
        process.exitCode = ERROR_CODES.EV_LINT_FINDINGS.exit;
    });
}
