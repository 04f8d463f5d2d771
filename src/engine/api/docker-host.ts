// DOCKER_HOST → where to open the engine's socket. Pure, so every accepted and refused form
// is unit tested.

export type EngineAddress =
  { kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number };

export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/** The engine's plain HTTP port when DOCKER_HOST names none (Docker's own default). */
const DEFAULT_TCP_PORT = 2375;

export class DockerHostError extends Error {
  readonly dockerHost: string;

  constructor(dockerHost: string, why: string) {
    super(`DOCKER_HOST=${dockerHost}: ${why}`);
    this.name = "DockerHostError";
    this.dockerHost = dockerHost;
  }
}

/**
 * Accepts `unix:///path`, a bare absolute socket path, and `tcp://host[:port]` or
 * `http://host[:port]` (plain HTTP). TLS (`https://`, DOCKER_TLS_VERIFY) and `ssh://` are
 * refused with a reason: an edge device talks to its local engine, and supporting them
 * would mean certificate handling (and, for ssh, the very dependency this client avoids).
 */
export function parseDockerHost(dockerHost: string): EngineAddress {
  const value = dockerHost.trim();
  if (value === "") throw new DockerHostError(dockerHost, "empty");
  if (value.startsWith("/")) return { kind: "unix", socketPath: value };
  if (value.startsWith("unix://")) {
    const socketPath = value.slice("unix://".length);
    if (!socketPath.startsWith("/"))
      throw new DockerHostError(dockerHost, "a unix socket needs an absolute path (unix:///x)");
    return { kind: "unix", socketPath };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DockerHostError(dockerHost, "not a unix:// or tcp:// address");
  }
  if (url.protocol !== "tcp:" && url.protocol !== "http:") {
    throw new DockerHostError(
      dockerHost,
      `${url.protocol.replace(/:$/, "")}:// is not supported; use unix:///path or tcp://host:port (plain HTTP)`,
    );
  }
  if (!url.hostname) throw new DockerHostError(dockerHost, "no host name");
  if (url.pathname !== "" && url.pathname !== "/")
    throw new DockerHostError(dockerHost, "a tcp address takes no path");
  // IPv6 literals come back bracketed; the socket API wants them bare. The port is read from
  // the text: URL drops an explicit default port ("http://h:80" → "").
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = /:(\d+)\/?$/.exec(value)?.[1];
  return { kind: "tcp", host, port: port ? Number(port) : DEFAULT_TCP_PORT };
}

/** The address for messages: "unix:///run/docker.sock", "tcp://10.0.0.2:2375". */
export function formatAddress(a: EngineAddress): string {
  if (a.kind === "unix") return `unix://${a.socketPath}`;
  return `tcp://${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}
