// Shared helpers for the lint tests: fixture paths and findings as "file:line:col" strings.
import { fileURLToPath } from "node:url";
import { lintRelease } from "../../src/lint/index.ts";
import type { Finding } from "../../src/lint/types.ts";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export function fixture(...parts: string[]): string {
  return `${FIXTURES}${parts.join("/")}`;
}

export function where(f: Finding): string {
  return `${f.loc.file}:${f.loc.line}:${f.loc.column}`;
}

/** Locations of one rule's findings for a fixture directory, sorted. */
export async function findingsOf(ruleId: string, ...path: string[]): Promise<string[]> {
  const { findings } = await lintRelease(fixture(...path));
  return findings
    .filter((f) => f.ruleId === ruleId)
    .map(where)
    .sort();
}
