// Labels edgevisor puts on every engine object it creates. The agent only ever touches
// objects carrying MANAGED; everything else on the engine belongs to the user.
export const LABEL = {
  managed: "io.edgevisor.managed",
  app: "io.edgevisor.app",
  service: "io.edgevisor.service",
  release: "io.edgevisor.release",
  configHash: "io.edgevisor.config-hash",
  /** Container id a `network_mode: service:X` container shares its network namespace with. */
  netnsOf: "io.edgevisor.netns-of",
} as const;

export function managedLabels(app: string): Record<string, string> {
  return { [LABEL.managed]: "true", [LABEL.app]: app };
}
