// The port between the local API and the agent. The API never talks to the engine: it reads
// a snapshot the agent keeps current, and sends requests that the reconcile loop carries
// out. The daemon implements DeviceController; API tests use a fake.
import type { Release } from "../release/types.ts";
import type { StatusReport } from "../reconcile/status.ts";

export interface DeviceSnapshot {
  /** Stable device identifier (config.json uuid, or generated once and persisted). */
  uuid: string;
  deviceName: string;
  /** balena apps are numbered; a local-mode release gets appId 1 unless its target says otherwise. */
  appId: number;
  appName: string | undefined;
  agentVersion: string;
  /** ISO time the agent process started. */
  startedAt: string;
  status: StatusReport;
  target: Release | undefined;
  current: Release | undefined;
  /** The loop finished a pass (or an idle wait) recently, and the engine answered its last ping. */
  health: { loopAliveAt: number; engineOkAt: number; engineOk: boolean };
  /** Services stopped through the API: they stay stopped until started or the target changes. */
  stoppedServices: string[];
  /** Named volumes of the app that the target no longer references. */
  unusedVolumes: string[];
  /**
   * Optional: download progress (0–100) of target images still being fetched, by service.
   * Absent when the agent does not track it; the API then reports no progress (null).
   */
  downloads?: Record<string, number>;
}

export type AgentRequest =
  | { kind: "reboot"; force: boolean }
  | { kind: "shutdown"; force: boolean }
  /** Apply the target again now (balena's POST /v1/update). */
  | { kind: "update"; force: boolean }
  | { kind: "restartApp"; force: boolean }
  | { kind: "stopApp"; force: boolean }
  | { kind: "startApp" }
  /** Remove the app's containers and its volumes, then start it again (balena's purge). */
  | { kind: "purge"; force: boolean }
  | { kind: "restartService"; service: string; force: boolean }
  | { kind: "stopService"; service: string; force: boolean }
  | { kind: "startService"; service: string }
  | { kind: "setTarget"; release: Release; force: boolean }
  /** Remove named volumes of the app that the target does not reference (explicit only). */
  | { kind: "cleanupVolumes" };

export type AgentRequestKind = AgentRequest["kind"];

export interface RequestResult {
  /** Human summary, e.g. "restarting service web". */
  message: string;
}

export interface LogLine {
  /** Epoch ms. */
  timestamp: number;
  service: string;
  isStdErr: boolean;
  message: string;
}

export interface DeviceController {
  snapshot(): DeviceSnapshot;
  /**
   * Hand a request to the loop. Resolves once it is accepted (not necessarily carried out);
   * rejects with an EvError (e.g. EV_UPDATE_LOCKED → 423, EV_USAGE → 400) when refused.
   */
  request(r: AgentRequest): Promise<RequestResult>;
  /** Container output of the app's services, newest last; ends when `signal` aborts. */
  logs(opts: { follow: boolean; services?: string[] }, signal: AbortSignal): AsyncIterable<LogLine>;
}
