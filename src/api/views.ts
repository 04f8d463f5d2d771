// The agent's snapshot in balena's response shapes. Pure: each view is a function of the
// snapshot (plus the port and host facts the server knows), so tests assert them as literals.
import { createHash } from "node:crypto";
import type { ServiceStatus } from "../reconcile/status.ts";
import type { DeviceSnapshot } from "./device-controller.ts";

/** Host facts balena's /v1/device reports; not the agent's business, so passed in. */
export interface HostFacts {
  ipAddresses: string[];
  osVersion: string | undefined;
}

/**
 * balena numbers services and images; edgevisor names them. A stable number per app and
 * service (31-bit, from a hash of the names) stands in for both serviceId and imageId, so a
 * client can send back the imageId it read from /v2/state/status.
 */
export function serviceNumber(app: string, service: string): number {
  return createHash("sha256").update(`${app}/${service}`).digest().readUInt32BE(0) >>> 1;
}

/** The release the device runs now (balena's "commit"). */
export function currentCommit(s: DeviceSnapshot): string | null {
  return s.current?.releaseId ?? s.status.currentRelease ?? null;
}

export function appNameOf(s: DeviceSnapshot): string | undefined {
  return s.appName ?? s.target?.app ?? s.current?.app;
}

/** The name service numbers are derived from: the release's app, as the engine knows it. */
function numberingApp(s: DeviceSnapshot): string {
  return (s.target ?? s.current)?.app ?? s.appName ?? "";
}

function downloading(s: DeviceSnapshot, service: string): boolean {
  const p = s.downloads?.[service];
  return p !== undefined && p < 100;
}

const ENGINE_TO_BALENA: Record<string, string> = {
  running: "Running",
  created: "Installed",
  dead: "Dead",
  removing: "Stopping",
};

/** balena's service status words, from the engine state and the agent's own knowledge. */
export function serviceStatusWord(svc: ServiceStatus, s: DeviceSnapshot): string {
  if (svc.state !== "running" && s.stoppedServices.includes(svc.service)) return "Stopped";
  if (svc.state === "missing") return downloading(s, svc.service) ? "Downloading" : "Installing";
  if (svc.outdated && downloading(s, svc.service)) return "Downloading";
  return ENGINE_TO_BALENA[svc.state] ?? svc.state;
}

function downloadOf(svc: ServiceStatus, s: DeviceSnapshot): number | null {
  const p = s.downloads?.[svc.service];
  return p === undefined ? null : Math.round(p);
}

function overallDownload(s: DeviceSnapshot): number | null {
  const all = Object.values(s.downloads ?? {});
  return all.length ? Math.round(all.reduce((a, b) => a + b, 0) / all.length) : null;
}

export function updatePending(s: DeviceSnapshot): boolean {
  const o = s.status.overall;
  return o === "applying" || o === "failed" || o === "aborted";
}

/** GET /v1/device */
export function deviceV1(s: DeviceSnapshot, apiPort: number, host: HostFacts) {
  const pending = updatePending(s);
  const downloads = Object.values(s.downloads ?? {});
  const downloading = downloads.some((p) => p < 100);
  const first = s.status.services[0];
  let status = "Idle";
  if (pending) status = downloading ? "Downloading" : "Installing";
  else if (first && serviceStatusWord(first, s) === "Stopped") status = "Stopped";
  return {
    api_port: apiPort,
    ip_address: host.ipAddresses.join(" "),
    os_version: host.osVersion ?? null,
    supervisor_version: s.agentVersion,
    update_pending: pending,
    update_failed: s.status.overall === "failed",
    update_downloaded: pending && s.downloads !== undefined && !downloading,
    status,
    download_progress: downloading ? overallDownload(s) : null,
    commit: currentCommit(s),
  };
}

/** The `env` balena shows in GET /v1/apps/:appId leaves the API's own secrets out. */
const PRIVATE_ENV = /^(BALENA|RESIN)_SUPERVISOR_API_KEY$/;

/** GET /v1/apps/:appId — balena answers it for single-service apps only. */
export function appV1(
  s: DeviceSnapshot,
): { ok: true; body: Record<string, unknown> } | { ok: false; message: string } {
  const release = s.target ?? s.current;
  const services = release ? Object.values(release.services) : [];
  if (services.length !== 1)
    return {
      ok: false,
      message:
        services.length === 0
          ? "the app has no services yet"
          : `GET /v1/apps/:appId answers for single-service apps; this one has ${services.length} — use GET /v2/applications/state`,
    };
  const spec = services[0]!;
  const status = s.status.services.find((x) => x.service === spec.name);
  return {
    ok: true,
    body: {
      appId: s.appId,
      commit: currentCommit(s),
      imageId: spec.image,
      containerId: status?.container ?? null,
      env: Object.fromEntries(
        Object.entries(spec.environment).filter(([k]) => !PRIVATE_ENV.test(k)),
      ),
      releaseId: status?.release ?? release?.releaseId ?? null,
    },
  };
}

/** GET /v2/applications/state: one entry, keyed by the app's name. */
export function applicationsState(s: DeviceSnapshot) {
  const app = appNameOf(s);
  if (!app) return {};
  const services = Object.fromEntries(
    s.status.services.map((svc) => [
      svc.service,
      {
        status: serviceStatusWord(svc, s),
        releaseId: svc.release ?? s.status.targetRelease ?? null,
        downloadProgress: downloadOf(svc, s),
      },
    ]),
  );
  return { [app]: { appId: s.appId, commit: currentCommit(s), services } };
}

/** GET /v2/state/status */
export function stateStatus(s: DeviceSnapshot) {
  const app = numberingApp(s);
  const o = s.status.overall;
  return {
    status: "success",
    appState: o === "applied" || o === "none" ? "applied" : "applying",
    overallDownloadProgress: overallDownload(s),
    containers: s.status.services
      .filter((svc) => svc.container !== undefined)
      .map((svc) => ({
        status: serviceStatusWord(svc, s),
        serviceName: svc.service,
        appId: s.appId,
        imageId: serviceNumber(app, svc.service),
        serviceId: serviceNumber(app, svc.service),
        containerId: svc.container!,
        createdAt: null,
      })),
    images: s.status.services.map((svc) => ({
      name: svc.image,
      appId: s.appId,
      serviceName: svc.service,
      imageId: serviceNumber(app, svc.service),
      dockerImageId: null,
      status: downloading(s, svc.service) ? "Downloading" : "Downloaded",
      downloadProgress: downloadOf(svc, s),
    })),
    release: currentCommit(s),
  };
}

/** Find a service named by balena's v2 body: `serviceName`, or an `imageId` we handed out. */
export function resolveService(
  s: DeviceSnapshot,
  by: { serviceName?: string; imageId?: number },
): string | undefined {
  const release = s.target ?? s.current;
  if (!release) return undefined;
  const names = Object.keys(release.services);
  if (by.serviceName !== undefined) return names.find((n) => n === by.serviceName);
  return names.find((n) => serviceNumber(numberingApp(s), n) === by.imageId);
}
