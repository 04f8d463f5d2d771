// Build contexts are packed on our side, so .dockerignore is applied here: patterns are
// globs relative to the context, later patterns win, "!" re-includes.
import { readFile } from "node:fs/promises";
import path from "node:path";

export async function dockerignoreFilter(context: string): Promise<(file: string) => boolean> {
  let text: string;
  try {
    text = await readFile(path.join(context, ".dockerignore"), "utf8");
  } catch {
    return () => false;
  }
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => ({
      negate: l.startsWith("!"),
      glob: path.posix.normalize(l.replace(/^!/, "").replace(/^\/+/, "")),
    }));
  return (file: string) => {
    const rel = path.relative(context, file).split(path.sep).join("/");
    if (rel === "Dockerfile" || rel === ".dockerignore") return false;
    let ignored = false;
    for (const r of rules) {
      if (path.posix.matchesGlob(rel, r.glob) || path.posix.matchesGlob(rel, `${r.glob}/**`))
        ignored = !r.negate;
    }
    return ignored;
  };
}
