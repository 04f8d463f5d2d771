// Content hash of a build: every file of the context that .dockerignore lets through (path,
// mode, contents; symlinks by target), plus the Dockerfile path and contents, args, target
// and labels. An unchanged context gives the same 12-hex tag; any change gives a new one.
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import dockerignore from "@balena/dockerignore";
import { canonicalJson } from "./release-id.ts";
import type { BuildSpec } from "./types.ts";

export const BUILD_HASH_LENGTH = 12;

interface Matcher {
  ignores(relPath: string): boolean;
  /** True when some rule re-includes paths (`!pattern`): ignored directories must still be walked. */
  hasExceptions: boolean;
}

async function loadDockerignore(context: string): Promise<Matcher> {
  let text = "";
  try {
    text = await readFile(path.join(context, ".dockerignore"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const ig = dockerignore.default().add(rules);
  return { ignores: (p) => ig.ignores(p), hasExceptions: rules.some((r) => r.startsWith("!")) };
}

async function hashFile(hash: Hash, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function walk(hash: Hash, root: string, rel: string, matcher: Matcher): Promise<void> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  const names = entries.map((e) => e.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const relPath = rel === "" ? name : `${rel}/${name}`;
    const abs = path.join(root, relPath);
    const st = await lstat(abs);
    const ignored = matcher.ignores(relPath);
    if (st.isDirectory()) {
      if (ignored && !matcher.hasExceptions) continue;
      if (!ignored) hash.update(`dir ${relPath} ${(st.mode & 0o7777).toString(8)}\n`);
      await walk(hash, root, relPath, matcher);
    } else if (ignored) {
      continue;
    } else if (st.isSymbolicLink()) {
      hash.update(`link ${relPath} ${await readlink(abs)}\n`);
    } else if (st.isFile()) {
      hash.update(`file ${relPath} ${(st.mode & 0o7777).toString(8)} ${st.size}\n`);
      await hashFile(hash, abs);
      hash.update("\n");
    }
  }
}

/** sha256 (first 12 hex) of a build's inputs. The context directory must exist. */
export async function hashBuildContext(build: BuildSpec): Promise<string> {
  const hash = createHash("sha256");
  const matcher = await loadDockerignore(build.context);
  await walk(hash, build.context, "", matcher);
  hash.update(`dockerfile ${build.dockerfile}\n`);
  // The engine always receives the Dockerfile, even when .dockerignore lists it.
  await hashFile(hash, path.resolve(build.context, build.dockerfile));
  hash.update(
    `\nargs ${canonicalJson(build.args)}\ntarget ${build.target ?? ""}\nlabels ${canonicalJson(build.labels)}\n`,
  );
  return hash.digest("hex").slice(0, BUILD_HASH_LENGTH);
}
