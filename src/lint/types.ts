// Shared vocabulary of the release linter: where a finding points, how bad it is, and the
// shape every rule module exports.
import type { ReleaseModel } from "./model.ts";

export type Severity = "error" | "warning" | "info";

export const SEVERITIES: readonly Severity[] = ["info", "warning", "error"];

/** Higher is worse: info < warning < error. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A place in a release file. `file` is relative to the release root, with "/" separators;
 * line and column are 1-based. */
export interface Loc {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

/** What a rule reports; the runner adds the rule id and resolves the severity. */
export interface RuleFinding {
  message: string;
  loc: Loc;
  /** Overrides the rule's default severity for this finding (e.g. worse inside a loop). */
  severity?: Severity;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  loc: Loc;
}

export interface Rule {
  /** Stable kebab-case id; also the name of docs/rules/<id>.md. */
  id: string;
  severity: Severity;
  title: string;
  /** One-sentence "why and how to fix"; the full text lives in docs/rules/<id>.md. */
  docs: string;
  check(model: ReleaseModel): RuleFinding[];
}
