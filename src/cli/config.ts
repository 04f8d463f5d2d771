// `edgevisor config validate|get|set`: the device's config.json (typed schema) and config.txt
// (Raspberry Pi firmware syntax). A change is validated before anything is written, the old
// file goes to <file>.bak, and an invalid file or value is refused with file:line:column.
import type { Command } from "commander";
import { EvError } from "../errors.ts";
import { formatFinding } from "../guards/config-json.ts";
import {
  configTypeOf,
  getConfigValue,
  invalidError,
  readConfig,
  setConfigValue,
  validateText,
} from "../guards/config-file.ts";

export interface ConfigIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

interface TypeFlags {
  type?: string;
  json?: boolean;
}

export function registerConfig(
  program: Command,
  io: ConfigIo = { stdout: process.stdout, stderr: process.stderr },
): void {
  const config = program
    .command("config")
    .description("validate, read and change the device's config.json and config.txt safely");
  const typeOption = "--type <type>";
  const typeHelp = "json or txt (default: from the file name)";

  config
    .command("validate")
    .description("check a config.json or config.txt; errors name file:line:column (exit 3)")
    .argument("<file>", "config.json or config.txt")
    .option(typeOption, typeHelp)
    .option("--json", "print the findings as JSON")
    .action(async (file: string, flags: TypeFlags) => {
      const type = configTypeOf(file, flags.type);
      const findings = validateText(type, (await readConfig(file)).text, file);
      const ok = !findings.some((f) => f.severity === "error");
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ file, type, ok, findings }, null, 2)}\n`);
        if (!ok) throw quiet(invalidError(file, findings, "", undefined));
        return;
      }
      if (!ok) throw invalidError(file, findings, "", undefined);
      for (const f of findings) io.stdout.write(`${formatFinding(f)}\n`);
      const n = findings.length;
      io.stdout.write(`${file}: valid${n ? `, ${n} warning${n === 1 ? "" : "s"}` : ""}\n`);
    });

  config
    .command("get")
    .description(
      "print a value: JSON for config.json, the matching lines for config.txt (exit 1 when unset)",
    )
    .argument("<file>", "config.json or config.txt")
    .argument(
      "<key>",
      "config.json: dotted path (os.network.connectivity.uri, os.sshKeys[0]); config.txt: a key, dtoverlay[.<overlay>] or dtparam[.<name>]",
    )
    .option(typeOption, typeHelp)
    .option("--json", "print {file, key, value} (or the matching lines) as JSON")
    .action(async (file: string, key: string, flags: TypeFlags) => {
      const type = configTypeOf(file, flags.type);
      const r = getConfigValue(type, (await readConfig(file)).text, file, key);
      if (flags.json) io.stdout.write(`${JSON.stringify({ file, ...r }, null, 2)}\n`);
      else if (r.type === "json") io.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
      else {
        const param = /^dtparam\.(.+)$/.exec(key)?.[1];
        for (const m of r.matches)
          io.stdout.write(`${param ? `${param}=${m.value ?? ""}` : m.text.trim()}\n`);
      }
    });

  config
    .command("set")
    .description(
      "change a value: validated first, then <file>.bak and an atomic replace; refused changes leave the file as it was",
    )
    .argument("<file>", "config.json or config.txt")
    .argument("<key>", "as for get")
    .argument(
      "<value>",
      "config.json: JSON when it parses (42, true, [\"a\"]), else a string; config.txt: the text after '='",
    )
    .option(typeOption, typeHelp)
    .option("--section <filter>", "config.txt: the [filter] section the setting belongs to", "all")
    .action(
      async (file: string, key: string, value: string, flags: TypeFlags & { section: string }) => {
        const type = configTypeOf(file, flags.type);
        const section = type === "txt" ? { section: flags.section } : {};
        if (type === "json" && flags.section !== "all")
          throw new EvError("EV_USAGE", "--section applies to config.txt only");
        const r = await setConfigValue(file, type, key, value, section);
        for (const w of r.warnings) io.stderr.write(`${formatFinding(w)}\n`);
        io.stdout.write(
          r.changed
            ? `${file}: ${key} set (previous file in ${r.backup})\n`
            : `${file}: ${key} unchanged\n`,
        );
      },
    );
}

/** An error whose details were already printed as JSON: the exit code, one short line. */
function quiet(e: EvError): EvError {
  return new EvError(e.code, e.message.split("\n")[0]!, e.hint ? { hint: e.hint } : {});
}
