// Runs the rules over a release model and applies what the user asked for: severities and
// path ignores from the config file, `# edgevisor-ignore <id>` comments in the files. The
// result is deduplicated (a file shared by two services is reported once) and sorted.
import { matchesGlob } from "node:path";
import type { LintConfig } from "./config.ts";
import type { ReleaseModel } from "./model.ts";
import { PARSE_ERROR_ID } from "./rules/index.ts";
import { severityRank } from "./types.ts";
import type { Finding, Rule, RuleFinding } from "./types.ts";

export function runRules(
  model: ReleaseModel,
  rules: readonly Rule[],
  config: LintConfig,
): Finding[] {
  const raw: Finding[] = model.problems.map((p) =>
    toFinding(PARSE_ERROR_ID, p, "error", undefined),
  );
  for (const rule of rules) {
    const setting = config.rules[rule.id];
    if (setting === "off") continue;
    for (const f of rule.check(model)) raw.push(toFinding(rule.id, f, rule.severity, setting));
  }
  const kept = new Map<string, Finding>();
  for (const f of raw) {
    if (config.ignore.some((g) => matchesGlob(f.loc.file, g))) continue;
    if (inlineIgnored(model, f)) continue;
    const key = `${f.ruleId}\0${f.loc.file}\0${f.loc.line}\0${f.loc.column}`;
    const prev = kept.get(key);
    if (!prev || severityRank(f.severity) > severityRank(prev.severity)) kept.set(key, f);
  }
  return [...kept.values()].sort(
    (a, b) =>
      a.loc.file.localeCompare(b.loc.file) ||
      a.loc.line - b.loc.line ||
      a.loc.column - b.loc.column ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

function toFinding(
  ruleId: string,
  f: RuleFinding,
  fallback: Finding["severity"],
  setting: LintConfig["rules"][string] | undefined,
): Finding {
  const severity = setting && setting !== "off" ? setting : (f.severity ?? fallback);
  return { ruleId, severity, message: f.message, loc: f.loc };
}

/** `# edgevisor-ignore id[, id…]` (or `//`) at the end of the line, or alone on the line
 * above. `all` ignores every rule. */
const DIRECTIVE = /(?:#|\/\/)\s*edgevisor-ignore\s+([A-Za-z0-9_,\s-]+)/;

function inlineIgnored(model: ReleaseModel, f: Finding): boolean {
  const file = model.files.get(f.loc.file);
  if (!file) return false;
  const same = file.lines[f.loc.line - 1] ?? "";
  const above = file.lines[f.loc.line - 2] ?? "";
  const ids = (line: string): string[] =>
    (DIRECTIVE.exec(line)?.[1] ?? "").split(/[\s,]+/).filter(Boolean);
  const listed = [...ids(same), ...(/^\s*(#|\/\/)/.test(above) ? ids(above) : [])];
  return listed.includes(f.ruleId) || listed.includes("all");
}

export function countBySeverity(findings: readonly Finding[]): Record<Finding["severity"], number> {
  const out = { error: 0, warning: 0, info: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

/** True when some finding is at least as severe as `failOn` ("none" never fails). */
export function reachesFailOn(
  findings: readonly Finding[],
  failOn: Finding["severity"] | "none",
): boolean {
  if (failOn === "none") return false;
  return findings.some((f) => severityRank(f.severity) >= severityRank(failOn));
}
