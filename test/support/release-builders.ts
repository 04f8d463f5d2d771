// Literal releases for pure tests: every ServiceSpec field has its parser default, so a
// test only writes what it is about.
import { emptyService } from "../../src/release/parse-service.ts";
import type { NetworkSpec, Release, ServiceSpec, VolumeSpec } from "../../src/release/types.ts";
import type { ContainerState, EngineSnapshot } from "../../src/engine/types.ts";

export function service(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    ...emptyService(name),
    image: `${name}:1`,
    networks: { default: { aliases: [] } },
    ...over,
  };
}

export function release(
  services: ServiceSpec[],
  extra: { app?: string; releaseId?: string; volumes?: string[]; networks?: string[] } = {},
): Release {
  const net = (name: string): NetworkSpec => ({
    name,
    driver: "bridge",
    driverOpts: {},
    labels: {},
    internal: false,
  });
  const vol = (name: string): VolumeSpec => ({ name, driver: "local", driverOpts: {}, labels: {} });
  return {
    app: extra.app ?? "demo",
    releaseId: extra.releaseId ?? "r1",
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    volumes: Object.fromEntries((extra.volumes ?? []).map((v) => [v, vol(v)])),
    networks: Object.fromEntries((extra.networks ?? ["default"]).map((n) => [n, net(n)])),
  };
}

export function emptyEngine(): EngineSnapshot {
  return { containers: [], images: [], networks: [], volumes: [] };
}

export function container(
  over: Partial<ContainerState> & Pick<ContainerState, "id" | "service">,
): ContainerState {
  return {
    name: `demo_${over.service}_x`,
    app: "demo",
    releaseId: "r0",
    configHash: "old",
    imageId: "sha256:old",
    image: `${over.service}:0`,
    status: "running",
    startedAt: 0,
    ...over,
  };
}
