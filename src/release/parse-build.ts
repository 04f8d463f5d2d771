// `build`: a context path, or the long form with context, dockerfile, args, target, labels.
import path from "node:path";
import { isScalar, type Node } from "yaml";
import type { ServiceCtx } from "./service-ctx.ts";
import type { BuildSpec } from "./types.ts";
import { UNSUPPORTED_BUILD_FIELDS } from "./unsupported.ts";
import { fail, mapEntries, readKeyValues, readString, warn } from "./yaml-read.ts";

const REMOTE = /^(https?:\/\/|git@|git:\/\/|github\.com\/)/;

export function parseBuild(s: ServiceCtx, node: Node | null, at: string): BuildSpec | undefined {
  const build: BuildSpec = {
    context: s.env.baseDir,
    dockerfile: "Dockerfile",
    args: {},
    labels: {},
  };
  const setContext = (value: Node | null, p: string): boolean => {
    const ctxPath = readString(s.read, value, p, "a path to the build context directory");
    if (ctxPath === undefined) return false;
    if (REMOTE.test(ctxPath)) {
      fail(
        s.read,
        value,
        p,
        `remote build context "${ctxPath}" is not supported; use a local directory`,
      );
      return false;
    }
    build.context = path.resolve(s.env.baseDir, ctxPath);
    return true;
  };
  if (isScalar(node)) return setContext(node, at) ? build : undefined;
  const entries = mapEntries(
    s.read,
    node,
    at,
    "a context path or a mapping with context, dockerfile, args, target",
  );
  if (!entries) return undefined;
  let ok = true;
  for (const e of entries) {
    switch (e.key) {
      case "context":
        ok = setContext(e.value, e.path) && ok;
        break;
      case "dockerfile": {
        const file = readString(
          s.read,
          e.value,
          e.path,
          "a Dockerfile path relative to the context",
        );
        if (file === undefined) ok = false;
        else build.dockerfile = file;
        break;
      }
      case "args":
        build.args =
          readKeyValues(s.read, e.value, e.path, { missing: (key) => s.env.lookup(key) }) ?? {};
        break;
      case "target": {
        const target = readString(s.read, e.value, e.path, "a build stage name");
        if (target !== undefined) build.target = target;
        break;
      }
      case "labels":
        build.labels = readKeyValues(s.read, e.value, e.path) ?? {};
        break;
      default: {
        const why = UNSUPPORTED_BUILD_FIELDS[e.key];
        if (!e.key.startsWith("x-"))
          warn(
            s.read,
            e.keyNode,
            e.path,
            why ? `not supported: ${why}` : "unknown build field, ignored",
          );
      }
    }
  }
  return ok ? build : undefined;
}
