// `edgevisor apply <compose file | dir>`: one-shot local mode. Exit 0 only when the
// target is reached; an invalid release changes nothing.
import type { Command } from "commander";
import { createAgent, faultInjectorFromEnv } from "../agent.ts";
import { addConfigOptions, resolveConfig } from "../config.ts";
import { EvError } from "../errors.ts";
import { simulate } from "../reconcile/effects.ts";
import { formatStatus, statusReport } from "../reconcile/status.ts";
import { loadTargetRelease } from "./load-target.ts";
import { createStepView } from "./step-view.ts";

export function registerApply(program: Command): void {
  addConfigOptions(
    program
      .command("apply")
      .description(
        "apply a release (docker-compose.yml or its directory) to the engine, with progress",
      )
      .argument("<source>", "compose file, or a directory holding docker-compose.yml")
      .option("--wait", "also wait until every service runs steadily and is healthy")
      .option("--force", "override the services' update locks")
      .option("--timeout <seconds>", "give up after this long", "900")
      .option("--app <name>", "application name (default: compose `name:` or the directory name)")
      .option("--dry-run", "print the plan, pass by pass, and change nothing")
      .option("--json", "NDJSON progress events and a JSON result"),
  ).action(async (source: string, opts: Record<string, unknown>) => {
    const config = resolveConfig(opts, process.env);
    const view = createStepView({ json: Boolean(opts.json), out: process.stdout });
    const { release, warnings } = await loadTargetRelease(
      source,
      process.env,
      opts.app as string | undefined,
    );
    for (const w of warnings) view.info(`warning: ${w}`);
    const agent = createAgent(config, {
      progress: (p) => view.progress(p),
      onStep: (e) => view.step(e),
      faultPoint: faultInjectorFromEnv(process.env, (l) => view.info(l)),
    });
    await agent.engine.ping();
    const force = Boolean(opts.force);

    if (opts.dryRun) {
      const engine = await agent.engine.snapshot(release.app);
      const locks = await agent.locks.read(release.app, Object.keys(release.services));
      const run = simulate({
        target: release,
        engine,
        locks,
        now: Date.now(),
        force,
        backoffUntil: {},
      });
      run.passes.forEach((p, i) =>
        view.info(`${i + 1}. ${p.plan || `(wait) ${p.waiting.join("; ")}`}`),
      );
      if (run.passes.length === 0) view.info("nothing to do: the release is applied");
      view.close();
      return;
    }

    await agent.store.load();
    for (const f of await agent.locks.cleanAgentLocks())
      view.info(`removed a lock left by a previous agent: ${f}`);
    await agent.store.update((s) => ({
      ...s,
      target: { release, source, force },
      status: "applying",
      reason: undefined,
    }));
    view.info(
      `applying release ${release.releaseId} of ${release.app} (${Object.keys(release.services).length} services)`,
    );

    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const outcome = await agent.reconciler.converge(release, {
      force,
      signal: ac.signal,
      waitHealthy: Boolean(opts.wait),
      timeoutMs: Number(opts.timeout) * 1000,
    });
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);

    await agent.store.update((s) => {
      s.status = outcome.status;
      if (outcome.status === "applied") {
        delete s.reason;
        s.current = { release, appliedAt: new Date().toISOString() };
      } else {
        s.reason = outcome.status === "failed" ? outcome.reason : "interrupted";
      }
      return s;
    });
    const engine = await agent.engine.snapshot(release.app);
    const report = statusReport(agent.store.get(), engine, undefined);
    view.close();
    if (opts.json) process.stdout.write(`${JSON.stringify({ event: "result", ...report })}\n`);
    else process.stdout.write(`${formatStatus(report)}\n`);
    if (outcome.status === "failed")
      throw new EvError(
        "EV_TIMEOUT",
        `release ${release.releaseId} not reached: ${outcome.reason}`,
      );
    if (outcome.status === "aborted")
      throw new EvError(
        "EV_ABORTED",
        "apply interrupted; run it again (or start the daemon) to finish",
      );
  });
}
