// Shared helpers for the release parser tests: parse compose text in memory (no disk),
// and find issues by path.
import assert from "node:assert/strict";
import { parseCompose, type ParseOutput } from "../../src/release/parse-compose.ts";
import { sortIssues, type ReleaseIssue } from "../../src/release/issues.ts";
import type { ServiceSpec } from "../../src/release/types.ts";

export const FILE = "app/docker-compose.yml";
export const BASE = "/srv/app";

export interface ParseOptions {
  env?: Record<string, string>;
  files?: Record<string, string>;
  app?: string;
}

export function parse(text: string, options: ParseOptions = {}): ParseOutput {
  const files = options.files ?? {};
  return parseCompose({
    text,
    file: FILE,
    baseDir: BASE,
    env: options.env ?? {},
    app: options.app,
    fallbackApp: "app",
    homeDir: "/home/dev",
    readTextFile: (abs) => files[abs],
  });
}

/** Compose text with the given service body under `services.web` (body lines indented by 4). */
export function web(body: string, extra = ""): string {
  const lines = body
    .trim()
    .split("\n")
    .map((l) => `    ${l}`);
  return `services:\n  web:\n${lines.join("\n")}\n${extra}`;
}

/** Errors in file order. */
export function errors(out: ParseOutput): ReleaseIssue[] {
  return sortIssues(out.issues.errors);
}

/** Warnings in file order. */
export function warnings(out: ParseOutput): ReleaseIssue[] {
  return sortIssues(out.issues.warnings);
}

/** The service, asserting the parse had no errors. */
export function ok(out: ParseOutput, name = "web"): ServiceSpec {
  assert.deepEqual(
    errors(out).map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`),
    [],
    "expected no errors",
  );
  const spec = out.release.services[name];
  assert.ok(spec, `service ${name} exists`);
  return spec;
}

/** Assert exactly one error, at line:column, on the path, with a message matching `message`. */
export function oneError(
  out: ParseOutput,
  where: string,
  path: string,
  message: RegExp,
): ReleaseIssue {
  const list = errors(out);
  assert.equal(
    list.length,
    1,
    `expected one error, got:\n${list.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join("\n")}`,
  );
  const e = list[0] as ReleaseIssue;
  assert.equal(`${e.file}:${e.line}:${e.column}`, `${FILE}:${where}`);
  assert.equal(e.path, path);
  assert.match(e.message, message);
  return e;
}
