// Human output: one block per finding with a code frame (the line, a caret under the
// column), then a summary. Colours only when asked (the CLI decides from NO_COLOR/TTY).
import type { SourceFile } from "../model.ts";
import { countBySeverity } from "../runner.ts";
import type { Finding, Severity } from "../types.ts";

export interface TextOptions {
  color: boolean;
  /** Path prefix shown before release-relative paths (e.g. "device/"). */
  prefix: string;
  files: ReadonlyMap<string, SourceFile>;
}

const CODES = { red: 31, yellow: 33, blue: 34, gray: 90, bold: 1, cyan: 36 } as const;

export function formatText(findings: readonly Finding[], opts: TextOptions): string {
  const paint = (c: keyof typeof CODES, s: string) =>
    opts.color ? `\u001b[${CODES[c]}m${s}\u001b[0m` : s;
  const sevColor: Record<Severity, keyof typeof CODES> = {
    error: "red",
    warning: "yellow",
    info: "blue",
  };
  const out: string[] = [];
  for (const f of findings) {
    const where = `${opts.prefix}${f.loc.file}:${f.loc.line}:${f.loc.column}`;
    out.push(
      `${paint("bold", where)}  ${paint(sevColor[f.severity], f.severity)}  ${f.message}  ${paint("gray", `[${f.ruleId}]`)}`,
    );
    const frame = codeFrame(
      opts.files.get(f.loc.file),
      f,
      (s) => paint("gray", s),
      (s) => paint(sevColor[f.severity], s),
    );
    if (frame) out.push(frame);
    out.push(paint("gray", `  docs/rules/${f.ruleId}.md`), "");
  }
  const n = countBySeverity(findings);
  const total = findings.length;
  const summary =
    total === 0
      ? "no findings"
      : `${total} finding${total === 1 ? "" : "s"}: ${n.error} error(s), ${n.warning} warning(s), ${n.info} info`;
  out.push(total === 0 ? paint("bold", summary) : paint(n.error > 0 ? "red" : "yellow", summary));
  return `${out.join("\n")}\n`;
}

/** The offending line (and the one before, for context) with a caret under the column. */
export function codeFrame(
  file: SourceFile | undefined,
  f: Finding,
  dim: (s: string) => string,
  mark: (s: string) => string,
): string {
  if (!file) return "";
  const line = file.lines[f.loc.line - 1];
  if (line === undefined) return "";
  const width = String(f.loc.line).length;
  const gutter = (n: number | "") => dim(`  ${String(n).padStart(width)} | `);
  const rows: string[] = [];
  const prev = file.lines[f.loc.line - 2];
  if (prev !== undefined && prev.trim() !== "")
    rows.push(`${gutter(f.loc.line - 1)}${expandTabs(prev)}`);
  rows.push(`${gutter(f.loc.line)}${expandTabs(line)}`);
  const col = expandTabs(line.slice(0, f.loc.column - 1)).length;
  const endCol =
    f.loc.endLine === f.loc.line && f.loc.endColumn
      ? expandTabs(line.slice(0, f.loc.endColumn - 1)).length
      : col + 1;
  const len = Math.max(1, Math.min(endCol - col, 60));
  rows.push(`${gutter("")}${" ".repeat(col)}${mark("^".repeat(len))}`);
  return rows.join("\n");
}

function expandTabs(s: string): string {
  return s.replace(/\t/g, "    ");
}
