// The release linter's entry point: load a release directory, run every rule, return the
// findings. The CLI (src/cli/lint.ts) adds formatting and exit codes.
import { loadConfig } from "./config.ts";
import type { LintConfig } from "./config.ts";
import { loadRelease } from "./loader.ts";
import type { ReleaseModel } from "./model.ts";
import { loadParsers } from "./parsers.ts";
import { RULES } from "./rules/index.ts";
import { runRules } from "./runner.ts";
import type { Finding, Rule } from "./types.ts";

export interface LintResult {
  root: string;
  findings: Finding[];
  config: LintConfig;
  model: ReleaseModel;
}

export async function lintRelease(
  dir: string,
  options: { configPath?: string; rules?: readonly Rule[] } = {},
): Promise<LintResult> {
  const rules = options.rules ?? RULES;
  const parsers = await loadParsers();
  const model = await loadRelease(dir, parsers);
  const config = loadConfig(
    model.root,
    options.configPath,
    RULES.map((r) => r.id),
  );
  return { root: model.root, findings: runRules(model, rules, config), config, model };
}

export { RULES };
export type { Finding, Rule };
