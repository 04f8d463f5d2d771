// What Linux says about one process: resident memory from /proc/<pid>/status, I/O counters
// from /proc/<pid>/io (write_bytes = bytes this process caused to be written to storage).
import { readFileSync } from "node:fs";

/**
 * VmRSS = RssAnon + RssFile + RssShmem. RssAnon is the process's own memory (V8 heap, native
 * allocations, stacks): what a leak or a module grows. RssFile is file-backed pages mapped
 * and touched, mostly the node binary's code and read-only data (~38-41 MB): shared with
 * every other Node process on the device and reclaimable by the kernel under pressure.
 */
export interface MemoryKb {
  rssKb: number;
  hwmKb: number;
  anonKb: number;
  fileKb: number;
  shmemKb: number;
}

export function memoryOf(pid: number): MemoryKb {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return {
    rssKb: kb("VmRSS"),
    hwmKb: kb("VmHWM"),
    anonKb: kb("RssAnon"),
    fileKb: kb("RssFile"),
    shmemKb: kb("RssShmem"),
  };
}

/** VmRSS, RssAnon and RssFile in MB (one decimal), the form the results report. */
export function rssMb(m: MemoryKb): { rss: number; anon: number; file: number } {
  return { rss: mb(m.rssKb), anon: mb(m.anonKb), file: mb(m.fileKb) };
}

export type IoCounters = Record<
  "rchar" | "wchar" | "syscw" | "write_bytes" | "cancelled_write_bytes",
  number
>;

export function ioOf(pid: number): IoCounters {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/io`, "utf8").split("\n")) {
    const [k, v] = line.split(":");
    if (k && v) out[k.trim()] = Number(v.trim());
  }
  return out as IoCounters;
}

export function mb(kb: number): number {
  return Math.round((kb / 1024) * 10) / 10;
}
