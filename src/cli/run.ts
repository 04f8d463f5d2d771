// `edgevisor run --target <file>`: the daemon, with the local API and health checks.
import type { Command } from "commander";
import { DEFAULT_API_PORT, runAgentDaemon } from "../agent-daemon.ts";
import { addConfigOptions, resolveConfig } from "../config.ts";
import { addHealthOptions, resolveHealthConfig } from "../health/config.ts";
import { DEFAULT_POWER_COMMANDS } from "../guards/power.ts";
import { loadTargetRelease } from "./load-target.ts";
import { createStepView } from "./step-view.ts";

export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .description("run the agent: keep this device on the target release until SIGTERM")
    .requiredOption("--target <file>", "compose file of the target release (watched for changes)")
    .option("--app <name>", "application name (default: compose `name:` or the directory name)")
    .option("--resync <seconds>", "reconcile at least this often even without events", "30")
    .option(
      "--test-window <seconds>",
      "how long a new release must run well before it is committed",
      "60",
    )
    .option(
      "--api-port <port>",
      "port of the local (balena-compatible) API",
      String(DEFAULT_API_PORT),
    )
    .option(
      "--reboot-command <cmd>",
      "how this device reboots (after the reboot-loop guard)",
      DEFAULT_POWER_COMMANDS.reboot,
    )
    .option(
      "--shutdown-command <cmd>",
      "how this device shuts down",
      DEFAULT_POWER_COMMANDS.shutdown,
    )
    .option("--json", "NDJSON log lines");
  addHealthOptions(addConfigOptions(cmd)).action(async (opts: Record<string, unknown>) => {
    const view = createStepView({ json: Boolean(opts.json), out: process.stdout });
    const ac = new AbortController();
    const stop = (sig: string) => {
      view.info(`${sig}: stopping the agent; the release keeps running`);
      ac.abort();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    await runAgentDaemon({
      config: resolveConfig(opts, process.env),
      health: resolveHealthConfig(opts, process.env),
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
      resyncMs: Number(opts.resync) * 1000,
      testWindowMs: Number(opts.testWindow) * 1000,
      apiPort: Number(opts.apiPort),
      agentVersion: "0.1.0",
      power: { reboot: opts.rebootCommand as string, shutdown: opts.shutdownCommand as string },
      hooks: { progress: (p) => view.progress(p), onStep: (e) => view.step(e) },
      log: (l) => view.info(l),
      signal: ac.signal,
    });
    view.close();
  });
}
