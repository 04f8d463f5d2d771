// The device's boot configuration: config.json (balenaOS style) and config.txt (Raspberry
// Pi). A malformed config.json can stop the device from booting; absent files are skipped.
import { dirname, resolve } from "node:path";
import type { ConfigFinding } from "../../guards/config-json.ts";
import { formatFinding, validateConfigJson } from "../../guards/config-json.ts";
import { validateConfigTxt } from "../../guards/config-txt.ts";
import type { Check, CheckResult } from "../types.ts";
import { skip } from "../types.ts";

function judge(path: string, findings: ConfigFinding[], what: string): CheckResult {
  const errors = findings.filter((f) => f.severity === "error");
  const warnings = findings.filter((f) => f.severity === "warning");
  const detail = findings.length > 0 ? findings.map(formatFinding).join("\n") : `${path} is valid.`;
  if (errors.length > 0)
    return {
      status: "fail",
      figure: `${errors.length} error(s): ${formatFinding(errors[0]!)}`,
      detail,
      action: `Fix ${path} before the next reboot: ${what}`,
    };
  if (warnings.length > 0)
    return {
      status: "warn",
      figure: `${warnings.length} warning(s): ${formatFinding(warnings[0]!)}`,
      detail,
      action: `Review the warnings in ${path} (edgevisor doctor --json lists them all).`,
    };
  return { status: "ok", figure: `${path} valid`, detail, action: "" };
}

export const configJsonCheck: Check = {
  id: "config-json",
  title: "config.json",
  async run(ctx) {
    const path = ctx.options.configJsonPath;
    const text = await ctx.host.readText(path, ctx.signal);
    if (text === undefined) return skip("absent", `${path} does not exist.`);
    return judge(
      path,
      validateConfigJson(text, path).findings,
      "a malformed config.json keeps the device from booting and connecting.",
    );
  },
};

export const configTxtCheck: Check = {
  id: "config-txt",
  title: "config.txt",
  async run(ctx) {
    const path = ctx.options.configTxtPath;
    const text = await ctx.host.readText(path, ctx.signal);
    if (text === undefined) return skip("absent", `${path} does not exist.`);
    const { model, findings } = validateConfigTxt(text, path);
    for (const l of model.lines)
      if (l.kind === "include" && !ctx.host.exists(resolve(dirname(path), l.file)))
        findings.push({
          severity: "warning",
          file: path,
          line: l.line,
          column: 1,
          key: "include",
          message: `included file ${l.file} does not exist`,
        });
    return judge(path, findings, "a mangled config.txt can cost hardware functions at boot.");
  },
};
