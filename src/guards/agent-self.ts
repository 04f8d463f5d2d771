// The agent protects itself from the memory pressure its services cause: a low OOM score, so
// the kernel picks a leaking service before the agent that would restart it, and a capped V8
// heap (set by bin/edgevisor.js), so a leak in the agent itself ends in a clean crash and a
// restart by the init system instead of the kernel killing something else.
import { writeFile } from "node:fs/promises";
import { getHeapStatistics } from "node:v8";

/**
 * -500: well below services (0 unless they set oom_score_adj), equal to what dockerd and
 * balenaEngine give themselves, so under pressure the kernel prefers any service over the
 * agent. Not -1000 ("never kill"): an agent that leaks must stay killable rather than make
 * the kernel kill the engine or panic.
 */
export const AGENT_OOM_SCORE_ADJ = -500;

/**
 * Old-space cap in MiB, passed as --max-old-space-size by the launcher. The agent's live heap
 * is release models, engine snapshots and status; image data streams through buffers outside
 * the V8 heap and the delta codec's zstd memory is native and bounded. Measured peaks of used
 * heap: `apply --dry-run` of the demo release 29 MiB, `lint` 32 MiB, `doctor` 28 MiB (most of
 * it Node's own baseline). 96 MiB of old space plus the young generation caps the JS heap
 * near 100 MiB, about three times that: under a quarter of a 512 MB device, leaving the rest
 * to the engine and the services. The young generation is kept at 1 MiB semi-spaces: V8
 * otherwise grows it on its own after a few hundred reconcile passes (RSS +16 MB that never
 * comes back, bench/core/passes.ts), and the agent's allocations are small and short-lived.
 */
export const AGENT_MAX_OLD_SPACE_MB = 96;
export const AGENT_MAX_SEMI_SPACE_MB = 1;

export interface SelfProtectionDeps {
  writeOomScoreAdj: (value: string) => Promise<void>;
  log: (line: string) => void;
}

export const linuxSelf: SelfProtectionDeps = {
  writeOomScoreAdj: (value) => writeFile("/proc/self/oom_score_adj", value),
  log: (line) => process.stderr.write(`${line}\n`),
};

/**
 * glibc's malloc settings for edgevisor's processes (GLIBC_TUNABLES, set by the launcher
 * unless the caller set it). glibc raises its mmap threshold to the size of any large block
 * that is freed (up to 32 MiB), after which patch dictionaries, decoded segments and gzip
 * chunks (1–8 MiB, Node's ArrayBuffers are malloc'ed) come from the main heap, which cannot
 * give back what lies below a live block: at the peak of a delta load 45 MiB of [heap], much
 * of it free. A fixed 128 KiB threshold returns every large buffer to the kernel when freed,
 * two arenas keep threadpool threads from holding their own. Measured on the Node bench
 * pair's load (docs/delta-format.md §5 "Apply memory"): peak RSS 129.5–131.2 → 122.8–124.3 MiB.
 * Other C libraries ignore the variable.
 */
export const AGENT_GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2";

/**
 * Whether this process's glibc hands freed large blocks back to the kernel (a fixed mmap
 * threshold, from the launcher's settings or the caller's): then threads that free large
 * buffers do not keep them in their arenas, and `delta create` can afford two level-19
 * frames at once (src/delta/frame-pool.ts).
 */
export function mallocReturnsLargeBlocks(env: NodeJS.ProcessEnv): boolean {
  return (
    /(^|:)glibc\.malloc\.mmap_threshold=/.test(env.GLIBC_TUNABLES ?? "") ||
    env.MALLOC_MMAP_THRESHOLD_ !== undefined
  );
}

/** The environment the launcher adds: the malloc settings, unless already chosen. */
export function mallocEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return env.GLIBC_TUNABLES === undefined ? { GLIBC_TUNABLES: AGENT_GLIBC_TUNABLES } : {};
}

export type OomScoreOutcome =
  { set: true; value: number } | { set: false; value: number; reason: string };

/**
 * Lower the agent's own oom_score_adj. Lowering needs CAP_SYS_RESOURCE; without it the agent
 * carries on with its inherited score and says so once.
 */
export async function protectAgentFromOom(
  deps: SelfProtectionDeps = linuxSelf,
  value = AGENT_OOM_SCORE_ADJ,
): Promise<OomScoreOutcome> {
  try {
    await deps.writeOomScoreAdj(String(value));
    return { set: true, value };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    const reason =
      code === "EACCES" || code === "EPERM"
        ? "not permitted (lowering the score needs root or CAP_SYS_RESOURCE)"
        : `cannot write /proc/self/oom_score_adj (${code})`;
    deps.log(
      `agent: oom_score_adj ${value} not set: ${reason}; under memory pressure the kernel may kill the agent before a leaking service`,
    );
    return { set: false, value, reason };
  }
}

/** The V8 heap limit this process runs with, in MiB (for status and the self-check). */
export function heapLimitMb(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 1048576);
}

/** The V8 flags the launcher adds, unless the caller already chose a heap size. */
export function heapFlags(existing: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const chosen = [...existing, ...(env.NODE_OPTIONS ?? "").split(/\s+/)];
  const has = (flag: string) => chosen.some((a) => a.replace(/_/g, "-").startsWith(flag));
  const out: string[] = [];
  if (!has("--max-old-space-size")) out.push(`--max-old-space-size=${AGENT_MAX_OLD_SPACE_MB}`);
  if (!has("--max-semi-space-size")) out.push(`--max-semi-space-size=${AGENT_MAX_SEMI_SPACE_MB}`);
  return out;
}
