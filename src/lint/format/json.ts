// Machine output: the findings as plain JSON, with the summary and each rule's docs path.
import { countBySeverity } from "../runner.ts";
import type { Finding } from "../types.ts";

export function formatJson(findings: readonly Finding[], opts: { prefix: string }): string {
  const report = {
    version: 1,
    findings: findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      file: `${opts.prefix}${f.loc.file}`,
      line: f.loc.line,
      column: f.loc.column,
      ...(f.loc.endLine !== undefined
        ? { endLine: f.loc.endLine, endColumn: f.loc.endColumn }
        : {}),
      docs: `docs/rules/${f.ruleId}.md`,
    })),
    summary: countBySeverity(findings),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
