// releaseId: the first 12 hex digits of sha256 over a canonical JSON of the release (keys
// sorted at every level, undefined left out), so equal releases get equal ids.
import { createHash } from "node:crypto";
import type { Release } from "./types.ts";

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function computeReleaseId(release: Omit<Release, "releaseId">): string {
  const { releaseId: _ignored, ...rest } = release as Release;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex").slice(0, 12);
}
