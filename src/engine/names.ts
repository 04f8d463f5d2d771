// Engine object names derived from the release: compose-like and deterministic, so a
// restarted agent finds what it created before and two creates of the same container
// collide in the engine instead of producing duplicates.
export function networkName(app: string, network: string): string {
  return `${app}_${network}`;
}

export function volumeName(app: string, volume: string): string {
  return `${app}_${volume}`;
}

export function containerName(app: string, service: string, configHash: string): string {
  return `${app}_${service}_${configHash.slice(0, 12)}`;
}
