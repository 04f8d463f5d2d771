// The core benchmark's release: ten services on locally built images (a FROM-scratch busybox
// base plus one small layer per service and version), as v1 and as v2 where five of the ten
// services have a new image. Images are built before anything is timed, so both tools only
// create, stop, remove and start containers. Every engine object the bench creates carries
// the bench's app/project names; cleanup touches nothing else.
import { spawn, spawnSync } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { collectJsonLines, EngineApiError, EngineClient } from "../../src/engine/api/index.ts";
import { pack } from "tar-stream";
import { buildTestImage } from "../../scripts/lib/busybox-image.ts";
import { memoryOf, type MemoryKb } from "./proc.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const WORK = path.join(ROOT, "bench/.work/core");
export const SERVICES = Array.from({ length: 10 }, (_, i) => `s${String(i + 1).padStart(2, "0")}`);
/** The services whose image changes from v1 to v2. */
export const UPDATED = SERVICES.slice(0, 5);
export const BASE_IMAGE = "evbench-core/base:1";

export function imageOf(service: string, version: "v1" | "v2"): string {
  const v = UPDATED.includes(service) ? version : "v1";
  return `evbench-core/${service}:${v}`;
}

export function engineDocker(): EngineClient {
  const host = process.env.DOCKER_HOST;
  if (!host?.startsWith("unix://"))
    throw new Error("DOCKER_HOST must be the private engine's unix socket (see bench/core/run.sh)");
  return new EngineClient({ socketPath: host.slice("unix://".length) });
}

/** The compose file of one version: plain `image:` services, no build, no healthcheck. */
export function composeText(version: "v1" | "v2"): string {
  const lines = [
    `# edgevisor core benchmark, release ${version}: ten services, ${UPDATED.length} change in v2`,
    'version: "2.4"',
    "services:",
  ];
  for (const s of SERVICES) {
    lines.push(
      `  ${s}:`,
      `    image: ${imageOf(s, version)}`,
      "    restart: always",
      "    environment:",
      `      SERVICE: ${s}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Writes WORK/<dir>/docker-compose.yml for v1 and v2. The directory of the daemon's target
 * is named after the app, since `edgevisor run` takes the app name from it.
 */
export async function writeReleases(): Promise<{ v1: string; v2: string }> {
  const out = { v1: path.join(WORK, "v1"), v2: path.join(WORK, "v2") };
  for (const v of ["v1", "v2"] as const) {
    await mkdir(out[v], { recursive: true });
    await writeFile(path.join(out[v], "docker-compose.yml"), composeText(v));
  }
  return out;
}

/** Base image, then one small layer per service and version (15 images for 10 services). */
export async function buildImages(docker: EngineClient): Promise<void> {
  await buildTestImage(docker, { tag: BASE_IMAGE });
  const tags = new Set(SERVICES.flatMap((s) => [imageOf(s, "v1"), imageOf(s, "v2")]));
  for (const tag of tags) {
    const tar = pack();
    tar.entry({ name: "Dockerfile" }, `FROM ${BASE_IMAGE}\nRUN echo '${tag}' > /version\n`);
    tar.finalize();
    const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
      t: tag,
      rm: true,
      forcerm: true,
    });
    const output = await collectJsonLines(stream);
    const failed = output.find((o) => typeof o === "object" && o !== null && "error" in o);
    if (failed) throw new Error(`building ${tag} failed: ${JSON.stringify(failed)}`);
  }
}

/**
 * A forced container removal can return before the engine has released the container's
 * network endpoint (seen with compose's containers on a loaded host): retry a few times.
 */
async function removeNetwork(docker: EngineClient, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await docker.getNetwork(id).remove();
    } catch (e) {
      const busy = e instanceof EngineApiError && e.statusCode === 403;
      if (!busy || attempt >= 20) throw e;
      await sleep(250);
    }
  }
}

/** Removes the containers, networks and volumes of one edgevisor app or compose project. */
export async function cleanup(docker: EngineClient, label: string): Promise<void> {
  const filters = { label: [label] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })),
  );
  for (const n of await docker.listNetworks({ filters })) await removeNetwork(docker, n.Id);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? [])
    await docker.getVolume(v.Name).remove();
}

export const evLabel = (app: string) => `io.edgevisor.app=${app}`;
export const composeLabel = (project: string) => `com.docker.compose.project=${project}`;

/** Running containers of an app/project by service, with their image reference. */
export async function running(docker: EngineClient, label: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of await docker.listContainers({ filters: { label: [label] } })) {
    const service =
      c.Labels["io.edgevisor.service"] ?? c.Labels["com.docker.compose.service"] ?? c.Id;
    if (c.State === "running") out.set(service, c.Image);
  }
  return out;
}

/** Throws unless all ten services run the version's images. */
export async function assertRunning(
  docker: EngineClient,
  label: string,
  version: "v1" | "v2",
): Promise<void> {
  const seen = await running(docker, label);
  const wrong = SERVICES.filter((s) => seen.get(s) !== imageOf(s, version));
  if (wrong.length)
    throw new Error(
      `${label}: services not running ${version}: ${wrong.map((s) => `${s}=${seen.get(s) ?? "none"}`).join(", ")}`,
    );
}

export async function resetDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/** One app's target release on disk and its daemon's own state and lock directories. */
export interface AppFixture {
  app: string;
  target: string;
  stateDir: string;
  lockDir: string;
  /** The daemon's environment: the private state and lock directories. */
  env: NodeJS.ProcessEnv;
}

/**
 * The setup every core bench shares: images built, the app's leftovers removed, fresh state
 * and lock directories, and WORK/<app>/docker-compose.yml holding the release (the directory
 * is named after the app, since `edgevisor run` takes the app name from it).
 */
export async function prepareApp(
  docker: EngineClient,
  app: string,
  version: "v1" | "v2" = "v1",
): Promise<AppFixture> {
  await buildImages(docker);
  await cleanup(docker, evLabel(app));
  const stateDir = path.join(WORK, `${app}-state`);
  const lockDir = path.join(WORK, `${app}-locks`);
  await resetDir(stateDir);
  await resetDir(lockDir);
  await mkdir(path.join(WORK, app), { recursive: true });
  const target = path.join(WORK, app, "docker-compose.yml");
  await writeFile(target, composeText(version));
  const env = { ...process.env, EDGEVISOR_STATE_DIR: stateDir, EDGEVISOR_LOCK_DIR: lockDir };
  return { app, target, stateDir, lockDir, env };
}

/** `edgevisor run`'s arguments for a bench daemon: its own resync, a short test window. */
export function runArgs(target: string, resyncS: number, testWindowS = 5): string[] {
  return [
    "run",
    "--target",
    target,
    "--resync",
    String(resyncS),
    "--test-window",
    String(testWindowS),
    "--api-port",
    "0",
  ];
}

/** A Node child process whose output lines are kept with their arrival time. */
export interface NodeChild {
  pid: number;
  lines: { at: number; text: string }[];
  exited(): boolean;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export function spawnNode(argv: string[], env: NodeJS.ProcessEnv = process.env): NodeChild {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: NodeChild["lines"] = [];
  let exited = false;
  child.on("exit", () => (exited = true));
  for (const s of [child.stdout, child.stderr])
    s.on("data", (d: Buffer) => {
      for (const text of d.toString().split("\n").filter(Boolean))
        lines.push({ at: Date.now(), text });
    });
  return {
    pid: child.pid!,
    lines,
    exited: () => exited,
    stop: async () => {
      child.kill("SIGTERM");
      for (let i = 0; i < 40 && !exited; i++) await sleep(250);
      if (!exited) child.kill("SIGKILL");
    },
  };
}

/** Memory of a fresh `node <argv>` after it has run `settleS` seconds. */
export async function memoryAfter(
  argv: string[],
  settleS: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MemoryKb> {
  const child = spawnNode(argv, env);
  try {
    await sleep(settleS * 1000);
    if (child.exited())
      throw new Error(
        `node ${argv.join(" ")} exited early:\n${child.lines.map((l) => l.text).join("\n")}`,
      );
    return memoryOf(child.pid);
  } finally {
    await child.stop();
  }
}

/** Waits until the daemon runs all ten services of `version`; returns the time it took. */
export async function waitConverged(
  docker: EngineClient,
  daemon: NodeChild,
  app: string,
  version: "v1" | "v2" = "v1",
): Promise<number> {
  const startedAt = Date.now();
  for (let i = 0; ; i++) {
    if (daemon.exited())
      throw new Error(`daemon exited:\n${daemon.lines.map((l) => l.text).join("\n")}`);
    const ok = await assertRunning(docker, evLabel(app), version).then(
      () => true,
      () => false,
    );
    if (ok) return Date.now() - startedAt;
    if (i >= 240) throw new Error("the daemon did not converge within 120 s");
    await sleep(500);
  }
}

/**
 * The benches measure what ships: dist/ (bin/edgevisor.js runs it) is rebuilt first, so an
 * edited source is never measured through a stale build. Incremental: seconds when current.
 */
export function buildDist(): void {
  const r = spawnSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal})`);
}
