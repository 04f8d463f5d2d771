// SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`). Paths are
// relative to where the linter ran (the repository root in CI), marked with %SRCROOT%.
import { pathToFileURL } from "node:url";
import { PARSE_ERROR_ID } from "../rules/index.ts";
import type { ArtifactLocation, Log } from "sarif";
import type { Finding, Rule, Severity } from "../types.ts";

export const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  info: "note",
};

/** Relative paths are resolved against %SRCROOT% (the repository in CI); a release outside
 * the working directory gets an absolute file: URI. */
function artifact(path: string): ArtifactLocation {
  if (path.startsWith("/")) return { uri: pathToFileURL(path).href };
  return { uri: encodeURI(path), uriBaseId: "%SRCROOT%" };
}

export function formatSarif(
  findings: readonly Finding[],
  rules: readonly Rule[],
  opts: { prefix: string; version: string },
): string {
  const described = [
    ...rules,
    {
      id: PARSE_ERROR_ID,
      severity: "error" as const,
      title: "File cannot be parsed",
      docs: "A release file could not be read or parsed, so it was not linted.",
      check: () => [],
    },
  ];
  const index = new Map(described.map((r, i) => [r.id, i]));
  // Typed against @types/sarif, so a misspelt or misplaced property fails to compile.
  const sarif: Log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "edgevisor-lint",
            version: opts.version,
            rules: described.map((r) => ({
              id: r.id,
              name: r.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
                c ? c.toUpperCase() : "",
              ),
              shortDescription: { text: r.title },
              fullDescription: { text: r.docs },
              help: {
                text: `${r.docs} See docs/rules/${r.id}.md.`,
                markdown: `${r.docs}\n\nSee \`docs/rules/${r.id}.md\`.`,
              },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: ["edge", "balena"] },
            })),
          },
        },
        originalUriBaseIds: {
          "%SRCROOT%": { description: { text: "Directory the linter ran in" } },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId) ?? -1,
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifact(`${opts.prefix}${f.loc.file}`),
                region: {
                  startLine: f.loc.line,
                  startColumn: f.loc.column,
                  ...(f.loc.endLine !== undefined && f.loc.endColumn !== undefined
                    ? { endLine: f.loc.endLine, endColumn: f.loc.endColumn }
                    : {}),
                },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
