// Memory guard: the engine's `oom` events, counted per service, and the services that run
// without a memory limit (one leak in them can make the kernel kill anything, the agent or
// the engine included). Pure: the daemon feeds it events and releases.
import type { EngineEvent } from "../engine/types.ts";
import { LABEL } from "../engine/labels.ts";
import type { Release } from "../release/types.ts";

export interface OomRecord {
  service: string;
  /** Epoch ms when the event arrived. */
  time: number;
  /** The container the kill happened in. */
  container?: string;
}

/**
 * One OOM incident can kill several processes of a container, and the engine sends an
 * `oom` event for each: events of one container this close together count once.
 */
export const OOM_INCIDENT_MS = 5_000;

export interface ServiceOoms {
  service: string;
  count: number;
  /** Epoch ms of the latest kill. */
  last: number;
}

export interface OomReport {
  windowMs: number;
  total: number;
  /** Most kills first, then the most recent. */
  services: ServiceOoms[];
}

/** An OomRecord from an engine event, or undefined when the event is not a managed OOM. */
export function oomRecordOf(e: EngineEvent, time: number): OomRecord | undefined {
  if (e.type !== "container" || e.action !== "oom") return undefined;
  const service = e.labels[LABEL.service];
  return service ? { service, time, container: e.id } : undefined;
}

/** Kills per service in (now - windowMs, now]. */
export function oomReport(records: readonly OomRecord[], now: number, windowMs: number): OomReport {
  const by = new Map<string, ServiceOoms>();
  let total = 0;
  for (const r of records) {
    if (r.time <= now - windowMs || r.time > now) continue;
    total++;
    const s = by.get(r.service) ?? { service: r.service, count: 0, last: 0 };
    s.count++;
    s.last = Math.max(s.last, r.time);
    by.set(r.service, s);
  }
  const services = [...by.values()].sort((a, b) => b.count - a.count || b.last - a.last);
  return { windowMs, total, services };
}

/** "web ×3, db ×1", or "" when there were none. */
export function describeOoms(report: OomReport): string {
  return report.services.map((s) => `${s.service} ×${s.count}`).join(", ");
}

/** Names of the release's services without mem_limit, in release order. */
export function servicesWithoutLimit(release: Release): string[] {
  return Object.values(release.services)
    .filter((s) => !(s.memLimit !== undefined && s.memLimit > 0))
    .map((s) => s.name);
}

/**
 * A bounded in-memory log of OOM records for the daemon: records older than the window are
 * dropped as new ones arrive, so it cannot grow without bound. Nothing is written to disk.
 */
export class OomLog {
  private readonly windowMs: number;
  private records: OomRecord[] = [];

  constructor(windowMs = 24 * 3_600_000) {
    this.windowMs = windowMs;
  }

  /** Feed every engine event; returns the record when it was an OOM kill of a service. */
  onEvent(e: EngineEvent, now: number): OomRecord | undefined {
    const r = oomRecordOf(e, now);
    if (!r) return undefined;
    const same = this.records.find(
      (x) => x.container === r.container && r.time - x.time < OOM_INCIDENT_MS,
    );
    if (same) return undefined;
    this.records = this.records.filter((x) => x.time > now - this.windowMs);
    this.records.push(r);
    return r;
  }

  report(now: number): OomReport {
    return oomReport(this.records, now, this.windowMs);
  }
}
