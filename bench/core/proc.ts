// What Linux says about one process: resident memory from /proc/<pid>/status, I/O counters
// from /proc/<pid>/io (write_bytes = bytes this process caused to be written to storage).
import { readFileSync } from "node:fs";

export interface MemoryKb {
  rssKb: number;
  hwmKb: number;
}

export function memoryOf(pid: number): MemoryKb {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
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
