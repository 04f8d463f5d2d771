// Public API of the release parser.
export { loadRelease, locateComposeFile, COMPOSE_FILE_NAMES } from "./load.ts";
export type { LoadReleaseOptions, LoadedRelease } from "./load.ts";
export { parseCompose } from "./parse-compose.ts";
export type { ParseInput, ParseOutput, PendingBuild, DraftRelease } from "./parse-compose.ts";
export { ReleaseInvalidError, formatIssue } from "./issues.ts";
export type { ReleaseIssue, IssueSeverity } from "./issues.ts";
export { hashBuildContext } from "./build-context-hash.ts";
export { computeReleaseId, canonicalJson } from "./release-id.ts";
export * from "./types.ts";
