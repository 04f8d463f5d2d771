// Text for people (one screen, aligned columns, colour only on a TTY without NO_COLOR) and
// JSON for scripts.
import type { DoctorReport } from "./report.ts";
import type { CheckStatus } from "./types.ts";

export interface TextStyle {
  color: boolean;
  /** Terminal width; lines are cut to it so each check stays on its lines. */
  width: number;
}

/** Colour when writing to a terminal, unless NO_COLOR is set to anything non-empty. */
export function textStyleFor(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): TextStyle {
  const color = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
  return { color, width: stream.isTTY && stream.columns ? stream.columns : 120 };
}

const LABEL: Record<CheckStatus, string> = { ok: "OK", warn: "WARN", fail: "FAIL", skip: "SKIP" };
const COLOUR: Record<CheckStatus, string> = { ok: "32", warn: "33", fail: "31", skip: "90" };

export function renderText(report: DoctorReport, style: TextStyle): string {
  const paint = (s: CheckStatus, text: string) =>
    style.color ? `\x1b[${COLOUR[s]}m${text}\x1b[0m` : text;
  const titleWidth = Math.max(...report.checks.map((c) => c.title.length), 5);
  const indent = 6 + titleWidth + 2;
  const cut = (line: string, room: number) =>
    line.length <= room ? line : `${line.slice(0, Math.max(room - 1, 0))}…`;
  const lines = [`edgevisor doctor — ${report.hostname}, ${report.generatedAt}`, ""];
  for (const c of report.checks) {
    const label = paint(c.status, LABEL[c.status].padEnd(4));
    lines.push(`${label}  ${c.title.padEnd(titleWidth)}  ${cut(c.figure, style.width - indent)}`);
    if ((c.status === "warn" || c.status === "fail") && c.action)
      lines.push(`${" ".repeat(indent)}${cut(`→ ${c.action}`, style.width - indent)}`);
  }
  const { ok, warn, fail, skip } = report.counts;
  lines.push("", `${ok} ok, ${warn} warn, ${fail} fail, ${skip} skipped — exit ${report.exitCode}`);
  if (report.worst !== "ok") lines.push("Details of every check: edgevisor doctor --json");
  return `${lines.join("\n")}\n`;
}

export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
