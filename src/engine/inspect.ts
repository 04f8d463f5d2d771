// Container inspect → ContainerState.
import type { ContainerInspectInfo } from "./api/shapes.ts";
import { LABEL } from "./labels.ts";
import type { ContainerState, ContainerStatus, HealthStatus } from "./types.ts";

export function toContainerState(info: ContainerInspectInfo): ContainerState {
  const labels = info.Config.Labels ?? {};
  const started = Date.parse(info.State.StartedAt);
  const health = (info.State as { Health?: { Status?: string } }).Health?.Status;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ""),
    app: labels[LABEL.app] ?? "",
    service: labels[LABEL.service] ?? "",
    releaseId: labels[LABEL.release] ?? "",
    configHash: labels[LABEL.configHash] ?? "",
    imageId: info.Image,
    image: info.Config.Image,
    status: info.State.Status as ContainerStatus,
    ...(health === "starting" || health === "healthy" || health === "unhealthy"
      ? { health: health as HealthStatus }
      : {}),
    exitCode: info.State.ExitCode,
    // The engine reports "0001-01-01T00:00:00Z" for a container that never started.
    ...(Number.isFinite(started) && started > 0 ? { startedAt: started } : {}),
    ...(labels[LABEL.netnsOf] ? { netnsOf: labels[LABEL.netnsOf] } : {}),
    oomKilled: info.State.OOMKilled,
    restartCount: info.RestartCount,
  };
}
