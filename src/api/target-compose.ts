// A target release sent to POST /v2/local/target-state as compose text. Parsed by the same
// pure parser as files (src/release/parse-compose.ts), with what a file on the device may
// do and a request must not refused: builds (no build context is sent), env_file (it would
// read the device's files), relative bind sources (relative to nothing the caller knows),
// and interpolation from the agent's environment (only `env` from the body is used).
import { formatIssue, type ReleaseIssue } from "../release/issues.ts";
import { parseCompose } from "../release/parse-compose.ts";
import { computeReleaseId } from "../release/release-id.ts";
import type { Release } from "../release/types.ts";

export const POSTED_FILE = "compose";

/** Relative paths resolve under this name, which no absolute path in a real file uses. */
const RELATIVE_BASE = "/.edgevisor-relative-to-nothing";

export interface PostedTarget {
  compose: string;
  app?: string;
  env?: Record<string, string>;
}

export type ParsedTarget =
  { ok: true; release: Release; warnings: string[] } | { ok: false; issues: ReleaseIssue[] };

/** Validate the body's shape; a message for the caller, or the typed body. */
export function readPostedTarget(body: unknown): PostedTarget | string {
  const b = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  if (typeof b.compose !== "string" || b.compose.trim() === "")
    return 'expected {"compose": "<compose file text>", "app"?: "<name>", "env"?: {…}, "force"?: bool}; balena\'s {local: {apps: …}} target format is not accepted';
  if (b.app !== undefined && typeof b.app !== "string") return "app: expected a string";
  if (b.env !== undefined) {
    if (!b.env || typeof b.env !== "object" || Array.isArray(b.env))
      return "env: expected an object of strings";
    for (const [k, v] of Object.entries(b.env))
      if (typeof v !== "string") return `env.${k}: expected a string`;
  }
  return {
    compose: b.compose,
    ...(b.app !== undefined ? { app: b.app as string } : {}),
    ...(b.env !== undefined ? { env: b.env as Record<string, string> } : {}),
  };
}

export function parsePostedTarget(t: PostedTarget, opts: { fallbackApp: string }): ParsedTarget {
  let usedEnvFile = false;
  const parsed = parseCompose({
    text: t.compose,
    file: POSTED_FILE,
    baseDir: RELATIVE_BASE,
    env: t.env ?? {},
    ...(t.app !== undefined ? { app: t.app } : {}),
    fallbackApp: opts.fallbackApp,
    readTextFile: () => {
      usedEnvFile = true;
      return "";
    },
  });
  const issues = [...parsed.issues.errors];
  const at = (needle: string) => positionOf(t.compose, needle);
  for (const b of parsed.builds)
    issues.push({
      ...issue(b.at, b.path),
      message:
        "build is not supported in a target sent to the API (no build context is sent); build and push the image, then name it with image:",
    });
  if (usedEnvFile)
    issues.push({
      ...issue(at("env_file"), ""),
      message:
        "env_file is not supported in a target sent to the API; use environment or the body's env",
    });
  for (const s of Object.values(parsed.release.services))
    for (const v of s.volumes)
      if (v.type === "bind" && v.source.startsWith(`${RELATIVE_BASE}/`)) {
        const rel = v.source.slice(RELATIVE_BASE.length + 1);
        issues.push({
          ...issue(at(rel), `services.${s.name}.volumes`),
          message: `bind source ${rel} is relative; a target sent to the API needs absolute host paths`,
        });
      }
  if (issues.length > 0) return { ok: false, issues: sortByPosition(issues) };
  const draft = parsed.release;
  return {
    ok: true,
    release: { ...draft, releaseId: computeReleaseId(draft) },
    warnings: parsed.issues.warnings.map(formatIssue),
  };
}

function issue(pos: { line: number; column: number }, path: string): Omit<ReleaseIssue, "message"> {
  return { severity: "error", file: POSTED_FILE, line: pos.line, column: pos.column, path };
}

function positionOf(text: string, needle: string): { line: number; column: number } {
  const i = needle ? text.indexOf(needle) : -1;
  if (i < 0) return { line: 1, column: 1 };
  const before = text.slice(0, i).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function sortByPosition(issues: ReleaseIssue[]): ReleaseIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
