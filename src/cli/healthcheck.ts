// `edgevisor healthcheck [--engine] [--api-url URL] [--json]`: a light check for systemd,
// a container HEALTHCHECK or a person. Asks the running agent (GET /v1/healthy on its local
// API) and, with --engine, runs the light engine check itself. Reads only: writes nothing
// to storage, prints one line, exits 0 when healthy and 1 when not.
//
// Also runnable on its own (`node src/cli/healthcheck.ts …`): that skips loading every other
// command and is the fastest form for frequent probes.
import http from "node:http";
import { Command, CommanderError } from "commander";
import { addConfigOptions, resolveConfig, socketPathOf } from "../config.ts";
import { EvError } from "../errors.ts";
import { DEFAULT_ENGINE_CHECK_TIMEOUT_MS, type EngineCheckResult } from "../health/engine-check.ts";

export const DEFAULT_API_URL = "http://127.0.0.1:48484";

interface PartResult {
  ok: boolean;
  ms: number;
  detail: string;
}

export interface HealthcheckResult {
  healthy: boolean;
  agent: PartResult;
  engine?: PartResult;
}

export function registerHealthcheck(program: Command): void {
  addConfigOptions(
    program
      .command("healthcheck")
      .description("light check of the running agent (and the engine): exit 0 healthy, 1 not")
      .option("--engine", "also check the engine: API ping plus one cheap read")
      .option("--api-url <url>", "the agent's local API (env EDGEVISOR_API_URL)")
      .option("--timeout <ms>", "per-check timeout in ms", String(DEFAULT_ENGINE_CHECK_TIMEOUT_MS))
      .option("--json", "one JSON line"),
  ).action(async (opts: Record<string, unknown>) => {
    const timeoutMs = Number(opts.timeout);
    if (!(timeoutMs > 0))
      throw new EvError(
        "EV_USAGE",
        `--timeout: "${String(opts.timeout)}" is not a positive number of ms`,
      );
    const result = await runHealthcheck({
      apiUrl:
        (opts.apiUrl as string | undefined) || process.env.EDGEVISOR_API_URL || DEFAULT_API_URL,
      dockerHost: opts.engine ? resolveConfig(opts, process.env).dockerHost : undefined,
      timeoutMs,
    });
    process.stdout.write(`${opts.json ? JSON.stringify(result) : formatHealthcheck(result)}\n`);
    process.exitCode = result.healthy ? 0 : 1;
  });
}

export async function runHealthcheck(opts: {
  apiUrl: string;
  /** Check the engine at this DOCKER_HOST too; undefined: agent only. */
  dockerHost: string | undefined;
  timeoutMs: number;
}): Promise<HealthcheckResult> {
  const [agent, engine] = await Promise.all([
    checkAgent(opts.apiUrl, opts.timeoutMs),
    opts.dockerHost === undefined ? undefined : checkEngineAt(opts.dockerHost, opts.timeoutMs),
  ]);
  const result: HealthcheckResult = { healthy: agent.ok && (engine?.ok ?? true), agent };
  if (engine) result.engine = engine;
  return result;
}

export function formatHealthcheck(r: HealthcheckResult): string {
  const part = (name: string, p: PartResult) =>
    `${name} ${p.ok ? "ok" : "FAIL"} (${p.detail}, ${Math.round(p.ms)} ms)`;
  const parts = [part("agent", r.agent), r.engine ? part("engine", r.engine) : undefined];
  return `${r.healthy ? "healthy" : "unhealthy"}: ${parts.filter(Boolean).join("; ")}`;
}

/** GET /v1/healthy: any 2xx is healthy; anything else, or no answer in time, is not. */
function checkAgent(apiUrl: string, timeoutMs: number): Promise<PartResult> {
  const started = performance.now();
  const done = (ok: boolean, detail: string): PartResult => ({
    ok,
    detail,
    ms: round1(performance.now() - started),
  });
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL("/v1/healthy", apiUrl);
    } catch {
      return resolve(done(false, `bad API URL ${apiUrl}`));
    }
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        resolve(done(status >= 200 && status < 300, `GET /v1/healthy ${status}`));
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) =>
      resolve(
        done(
          false,
          `${url.host}: ${e.code === "ECONNREFUSED" ? "the agent's API does not answer (ECONNREFUSED)" : e.message}`,
        ),
      ),
    );
  });
}

/** The engine check; the engine client and adapter are loaded only when it is asked for. */
async function checkEngineAt(dockerHost: string, timeoutMs: number): Promise<PartResult> {
  const started = performance.now();
  let r: EngineCheckResult;
  try {
    const [{ EngineClient }, { DockerEngine }, { checkEngine }] = await Promise.all([
      import("../engine/api/index.ts"),
      import("../engine/docker-engine.ts"),
      import("../health/engine-check.ts"),
    ]);
    const engine = new DockerEngine(new EngineClient({ socketPath: socketPathOf(dockerHost) }));
    r = await checkEngine(engine, timeoutMs);
  } catch (e) {
    r = { ok: false, ms: 0, error: (e as Error).message };
  }
  return {
    ok: r.ok,
    detail: r.ok ? "ping + list 1 container" : (r.error ?? "failed"),
    ms: round1(r.ok ? r.ms : performance.now() - started),
  };
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;

if (import.meta.main) {
  const program = new Command("edgevisor").exitOverride();
  registerHealthcheck(program);
  try {
    await program.parseAsync(["node", "edgevisor", "healthcheck", ...process.argv.slice(2)]);
  } catch (e) {
    if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
    else {
      process.stderr.write(`${e instanceof EvError ? e.format() : (e as Error).message}\n`);
      process.exitCode = 2;
    }
  }
}
