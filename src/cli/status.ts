// `edgevisor status`: per service image, state, health, release; overall outcome. Reads
// only: the agent's state file and the engine.
import type { Command } from "commander";
import { createAgent } from "../agent.ts";
import { addConfigOptions, resolveConfig } from "../config.ts";
import { formatStatus, statusReport } from "../reconcile/status.ts";

export function registerStatus(program: Command): void {
  addConfigOptions(
    program
      .command("status")
      .description("show the release's state on this device")
      .option("--json", "machine-readable output"),
  ).action(async (opts: Record<string, unknown>) => {
    const config = resolveConfig(opts, process.env);
    const agent = createAgent(config, { progress: () => {}, onStep: () => {} });
    const state = await agent.store.load();
    const target = state.target?.release;
    const engine = target ? await agent.engine.snapshot(target.app) : undefined;
    const plan = target
      ? await agent.reconciler.plan(target, state.target?.force ?? false)
      : undefined;
    const report = statusReport(state, engine, plan);
    process.stdout.write(
      opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatus(report)}\n`,
    );
  });
}
