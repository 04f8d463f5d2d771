// Issues found while reading a release: errors stop the load, warnings travel with the
// result. Each names a place in a file and the field path, so a user can go straight to it.
import { EvError } from "../errors.ts";
import type { SourcePos } from "./positions.ts";

export type IssueSeverity = "error" | "warning";

export interface ReleaseIssue {
  severity: IssueSeverity;
  /** File as the user named it, e.g. "app/docker-compose.yml". */
  file: string;
  line: number;
  column: number;
  /** Field path, e.g. "services.web.mem_limit"; "" for the whole file. */
  path: string;
  message: string;
}

/** "app/docker-compose.yml:12:5 services.web.mem_limit: expected …" */
export function formatIssue(issue: ReleaseIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
}

/** Collects issues for one file. */
export class IssueList {
  readonly file: string;
  readonly items: ReleaseIssue[] = [];

  constructor(file: string) {
    this.file = file;
  }

  error(pos: SourcePos, path: string, message: string): void {
    this.items.push({ severity: "error", file: this.file, ...pos, path, message });
  }

  warn(pos: SourcePos, path: string, message: string): void {
    this.items.push({ severity: "warning", file: this.file, ...pos, path, message });
  }

  /** An issue located in another file (an env_file, the .env file). */
  add(issue: ReleaseIssue): void {
    this.items.push(issue);
  }

  get errors(): ReleaseIssue[] {
    return this.items.filter((i) => i.severity === "error");
  }

  get warnings(): ReleaseIssue[] {
    return this.items.filter((i) => i.severity === "warning");
  }
}

/** The one error a failed load throws: every problem found, not just the first. */
export class ReleaseInvalidError extends EvError {
  readonly issues: ReleaseIssue[];

  constructor(issues: ReleaseIssue[]) {
    const count = issues.length === 1 ? "1 error" : `${issues.length} errors`;
    const file = issues[0]?.file ?? "release";
    const lines = issues.map((i) => `  ${formatIssue(i)}`).join("\n");
    // No separate hint: each line says what is accepted, which is the hint.
    super("EV_RELEASE_INVALID", `${file}: ${count}\n${lines}`);
    this.name = "ReleaseInvalidError";
    this.issues = issues;
  }
}

/** Sort issues by file, then position, so output reads top to bottom. */
export function sortIssues(issues: ReleaseIssue[]): ReleaseIssue[] {
  return [...issues].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}
