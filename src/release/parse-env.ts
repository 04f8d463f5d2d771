// `environment` (map or list; a key without a value comes from the interpolation env) and
// `env_file` (path, list of paths, or {path, required}); `environment` wins over env_file.
import path from "node:path";
import { isMap, isScalar, type Node } from "yaml";
import { parseDotenv } from "./dotenv.ts";
import type { ServiceCtx } from "./service-ctx.ts";
import {
  fail,
  mapEntries,
  readBool,
  readKeyValues,
  readString,
  seqItems,
  warn,
  type Item,
} from "./yaml-read.ts";

export function parseEnvironment(s: ServiceCtx, node: Node | null, at: string): void {
  s.environment =
    readKeyValues(s.read, node, at, {
      missing: (key, keyNode, p) => {
        const v = s.env.lookup(key);
        if (v === undefined)
          warn(
            s.read,
            keyNode,
            p,
            `${key} has no value and is not set in the environment; left out`,
          );
        return v;
      },
    }) ?? {};
}

export function parseEnvFile(s: ServiceCtx, node: Node | null, at: string): void {
  const items: Item[] = isScalar(node)
    ? [{ node, path: at }]
    : (seqItems(s.read, node, at, "a path or a list of paths") ?? []);
  for (const item of items) {
    let file: string | undefined;
    let required = true;
    if (isMap(item.node)) {
      for (const e of mapEntries(s.read, item.node, item.path) ?? []) {
        if (e.key === "path") file = readString(s.read, e.value, e.path, "a file path");
        else if (e.key === "required") required = readBool(s.read, e.value, e.path) ?? true;
        else if (e.key !== "format") warn(s.read, e.keyNode, e.path, "unknown field, ignored");
      }
      if (file === undefined) {
        fail(s.read, item.node, item.path, "an env_file entry needs `path`");
        continue;
      }
    } else {
      file = readString(s.read, item.node, item.path, "a file path");
      if (file === undefined) continue;
    }
    readOne(s, item, file, required);
  }
}

function readOne(s: ServiceCtx, item: Item, file: string, required: boolean): void {
  const abs = path.resolve(s.env.baseDir, file);
  const text = s.env.readTextFile(abs);
  if (text === undefined) {
    if (required)
      fail(s.read, item.node, item.path, `env file "${file}" does not exist (looked for ${abs})`);
    return;
  }
  const display = path.isAbsolute(file) ? file : path.join(path.dirname(s.read.issues.file), file);
  const parsed = parseDotenv(text, s.env.lookup);
  for (const issue of parsed.issues) {
    s.read.issues.add({
      severity: "error",
      file: display,
      line: issue.line,
      column: issue.column,
      path: item.path,
      message: issue.message,
    });
  }
  Object.assign(s.envFileVars, parsed.vars);
}
