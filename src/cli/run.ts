// `edgevisor run --target <file>`: the daemon.
import type { Command } from "commander";
import { createAgent } from "../agent.ts";
import { addConfigOptions, resolveConfig } from "../config.ts";
import { Daemon } from "../reconcile/daemon.ts";
import { loadTargetRelease } from "./load-target.ts";
import { createStepView } from "./step-view.ts";

export function registerRun(program: Command): void {
  addConfigOptions(
    program
      .command("run")
      .description("run the agent: keep this device on the target release until SIGTERM")
      .requiredOption("--target <file>", "compose file of the target release (watched for changes)")
      .option("--app <name>", "application name (default: compose `name:` or the directory name)")
      .option("--resync <seconds>", "reconcile at least this often even without events", "30")
      .option("--test-window <seconds>", "how long a new release must run well before it is committed", "60")
      .option("--json", "NDJSON log lines"),
  ).action(async (opts: Record<string, unknown>) => {
    const config = resolveConfig(opts, process.env);
    const view = createStepView({ json: Boolean(opts.json), out: process.stdout });
    const agent = createAgent(config, {
      progress: (p) => view.progress(p),
      onStep: (e) => view.step(e),
    });
    const ac = new AbortController();
    const stop = (sig: string) => {
      view.info(`${sig}: stopping the agent; the release keeps running`);
      ac.abort();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    const daemon = new Daemon(agent, {
      targetFile: opts.target as string,
      loadTarget: async (file) => {
        const { release, warnings } = await loadTargetRelease(
          file,
          process.env,
          opts.app as string | undefined,
        );
        for (const w of warnings) view.info(`warning: ${w}`);
        return release;
      },
      log: (l) => view.info(l),
      resyncMs: Number(opts.resync) * 1000,
      testWindowMs: Number(opts.testWindow) * 1000,
      signal: ac.signal,
    });
    await daemon.run();
    view.close();
  });
}
