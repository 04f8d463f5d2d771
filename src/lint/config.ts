// The lint config file, `.edgevisor-lint.yml` (or .yaml/.json) in the release directory:
//   rules:  { <rule-id>: off | info | warning | error }
//   ignore: [ <glob of release-relative paths> ]
// Optional; without it every rule runs at its default severity.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import * as v from "valibot";
import { EvError } from "../errors.ts";
import { describeIssue, ISSUES, plainObject, recordOf } from "../util/schema.ts";
import type { Severity } from "./types.ts";

export const CONFIG_NAMES = [".edgevisor-lint.yml", ".edgevisor-lint.yaml", ".edgevisor-lint.json"];

export type RuleSetting = Severity | "off";

export interface LintConfig {
  rules: Record<string, RuleSetting>;
  ignore: string[];
  /** Where the config came from, for messages; undefined for the defaults. */
  source?: string;
}

const schema = plainObject(
  v.strictObject({
    rules: v.optional(recordOf(v.picklist(["off", "info", "warning", "error"])), () => ({})),
    ignore: v.optional(v.array(v.string()), () => []),
  }),
);

export function defaultConfig(): LintConfig {
  return { rules: {}, ignore: [] };
}

/** Reads `explicit` if given, else the first config file found in `root`. */
export function loadConfig(
  root: string,
  explicit: string | undefined,
  knownIds: readonly string[],
): LintConfig {
  const path = explicit ?? CONFIG_NAMES.map((n) => join(root, n)).find((p) => existsSync(p));
  if (!path) return defaultConfig();
  if (!existsSync(path))
    throw new EvError("EV_CONFIG_INVALID", `lint config ${path} does not exist`);
  let raw: unknown;
  try {
    const text = readFileSync(path, "utf8");
    raw = path.endsWith(".json") ? JSON.parse(text) : (parseYaml(text) ?? {});
  } catch (e) {
    throw new EvError(
      "EV_CONFIG_INVALID",
      `lint config ${path} cannot be parsed: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const parsed = v.safeParse(schema, raw, ISSUES);
  if (!parsed.success) {
    throw new EvError(
      "EV_CONFIG_INVALID",
      `lint config ${path}: ${describeIssue(parsed.issues[0])}`,
      {
        hint: "expected `rules: {<id>: off|info|warning|error}` and `ignore: [<glob>]`",
      },
    );
  }
  const unknown = Object.keys(parsed.output.rules).filter((id) => !knownIds.includes(id));
  if (unknown.length > 0) {
    throw new EvError(
      "EV_CONFIG_INVALID",
      `lint config ${path} names unknown rule(s): ${unknown.join(", ")}`,
      {
        hint: `known rules: ${knownIds.join(", ")}`,
      },
    );
  }
  return { rules: parsed.output.rules, ignore: parsed.output.ignore, source: path };
}
