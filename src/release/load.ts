// loadRelease: the I/O shell around the pure parser. Finds the compose file, reads it and
// the .env next to it, reads env_files on request, hashes build contexts for image tags,
// and computes the releaseId. Throws one EvError listing every problem found.
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EvError } from "../errors.ts";
import { hashBuildContext } from "./build-context-hash.ts";
import { parseDotenv } from "./dotenv.ts";
import { ReleaseInvalidError, sortIssues, type IssueList, type ReleaseIssue } from "./issues.ts";
import { parseCompose, type DraftRelease, type PendingBuild } from "./parse-compose.ts";
import { computeReleaseId } from "./release-id.ts";
import type { Release } from "./types.ts";

export const COMPOSE_FILE_NAMES = [
  "docker-compose.yml",
  "docker-compose.yaml",
  "compose.yml",
  "compose.yaml",
];

export interface LoadReleaseOptions {
  /** Interpolation variables; the CLI passes process.env. They win over the .env file. Default {}. */
  env?: Readonly<Record<string, string | undefined>>;
  /** App name; wins over the file's top-level `name` and the directory name. */
  app?: string;
  /** Use this releaseId instead of the content hash. */
  releaseId?: string;
  /** Home directory for "~" bind mounts; default os.homedir(). */
  homeDir?: string;
}

export interface LoadedRelease {
  release: Release;
  warnings: ReleaseIssue[];
  /** Absolute path of the compose file that was read. */
  file: string;
}

/** `source` is a compose file or a directory holding one. */
export async function loadRelease(
  source: string,
  options: LoadReleaseOptions = {},
): Promise<LoadedRelease> {
  const { file, display } = await locateComposeFile(source);
  const baseDir = path.dirname(file);
  const text = await readFile(file, "utf8");
  const env = options.env ?? {};
  const dotenv = await readDotenv(baseDir, display, env);
  const parsed = parseCompose({
    text,
    file: display,
    baseDir,
    env: { ...dotenv.vars, ...env },
    app: options.app,
    fallbackApp: path.basename(baseDir),
    homeDir: options.homeDir ?? os.homedir(),
    readTextFile,
  });
  const { issues } = parsed;
  for (const i of dotenv.issues) issues.add(i);
  const draft = parsed.release;
  await checkBuilds(parsed.builds, issues);
  if (issues.errors.length > 0) throw new ReleaseInvalidError(sortIssues(issues.errors));
  await tagBuilds(draft, parsed.builds);
  const release: Release = { ...draft, releaseId: options.releaseId ?? computeReleaseId(draft) };
  return { release, warnings: sortIssues(issues.warnings), file };
}

/** Resolve a file or directory argument to the compose file inside it. */
export async function locateComposeFile(
  source: string,
): Promise<{ file: string; display: string }> {
  const abs = path.resolve(source);
  const st = await stat(abs).catch(() => undefined);
  if (!st)
    throw new EvError("EV_RELEASE_NOT_FOUND", `${source} does not exist`, {
      hint: "pass a compose file or a directory holding one",
    });
  if (st.isFile()) return { file: abs, display: source };
  for (const name of COMPOSE_FILE_NAMES) {
    const candidate = path.join(abs, name);
    if ((await stat(candidate).catch(() => undefined))?.isFile())
      return { file: candidate, display: path.join(source, name) };
  }
  throw new EvError("EV_RELEASE_NOT_FOUND", `no compose file in ${source}`, {
    hint: `add one of ${COMPOSE_FILE_NAMES.join(", ")}`,
  });
}

function readTextFile(abs: string): string | undefined {
  try {
    return readFileSync(abs, "utf8");
  } catch (e) {
    if (
      (e as NodeJS.ErrnoException).code === "ENOENT" ||
      (e as NodeJS.ErrnoException).code === "EISDIR"
    )
      return undefined;
    throw e;
  }
}

async function readDotenv(
  baseDir: string,
  composeDisplay: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ vars: Record<string, string>; issues: ReleaseIssue[] }> {
  const text = readTextFile(path.join(baseDir, ".env"));
  if (text === undefined) return { vars: {}, issues: [] };
  const display = path.join(path.dirname(composeDisplay), ".env");
  const parsed = parseDotenv(text, (name) => env[name]);
  const issues = parsed.issues.map((i): ReleaseIssue => ({
    severity: "error",
    file: display,
    line: i.line,
    column: i.column,
    path: "",
    message: i.message,
  }));
  return { vars: parsed.vars, issues };
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

/** Report build contexts that are not a directory or lack their Dockerfile. */
async function checkBuilds(builds: PendingBuild[], issues: IssueList): Promise<void> {
  for (const b of builds) {
    const ctx = await stat(b.build.context).catch(() => undefined);
    if (!ctx?.isDirectory()) {
      issues.error(b.at, b.path, `build context ${b.build.context} is not a directory`);
      continue;
    }
    const dockerfile = path.resolve(b.build.context, b.build.dockerfile);
    if (!(await isFile(dockerfile))) {
      const template = await isFile(`${dockerfile}.template`);
      const why = template
        ? "; balena Dockerfile.template files are not supported, write a plain Dockerfile"
        : "";
      issues.error(b.at, b.path, `Dockerfile ${dockerfile} does not exist${why}`);
    }
  }
}

/** Complete derived build image names with the content tag of their build. */
async function tagBuilds(draft: DraftRelease, builds: PendingBuild[]): Promise<void> {
  for (const b of builds) {
    const service = draft.services[b.service];
    if (b.derived && service) service.image = `${service.image}:${await hashBuildContext(b.build)}`;
  }
}
