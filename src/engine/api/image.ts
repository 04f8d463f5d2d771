// One image by reference or id: the calls of /images/{name}/… and /distribution/{name}.
import type { IncomingMessage } from "node:http";
import { call, type CallOptions } from "./container.ts";
import { pathSegment } from "./query.ts";
import type { ImageDistributionInfo, ImageInspectInfo } from "./shapes.ts";
import type { Transport } from "./transport.ts";

/** Registry credentials as the engine takes them (X-Registry-Auth). */
export interface AuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

export function registryAuthHeader(auth: AuthConfig | undefined): Record<string, string> {
  if (!auth) return {};
  // The engine decodes URL-safe base64 *with* padding (Go's base64.URLEncoding).
  const encoded = Buffer.from(JSON.stringify(auth))
    .toString("base64")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
  return { "x-registry-auth": encoded };
}

export class Image {
  readonly name: string;
  private readonly t: Transport;
  private readonly base: string;

  constructor(transport: Transport, name: string) {
    this.t = transport;
    this.name = name;
    this.base = `/images/${pathSegment(name)}`;
  }

  inspect(o: CallOptions = {}): Promise<ImageInspectInfo> {
    return this.t.json({ ...call(o), method: "GET", path: `${this.base}/json` });
  }

  /** Untags (and deletes when no tag is left); 409 when a container uses it, unless `force`. */
  remove(
    o: CallOptions & { force?: boolean; noprune?: boolean } = {},
  ): Promise<{ Untagged?: string; Deleted?: string }[]> {
    return this.t.json({
      ...call(o),
      method: "DELETE",
      path: this.base,
      query: { force: o.force, noprune: o.noprune },
    });
  }

  async tag(o: CallOptions & { repo: string; tag?: string }): Promise<void> {
    await this.t.buffer({
      ...call(o),
      method: "POST",
      path: `${this.base}/tag`,
      query: { repo: o.repo, tag: o.tag },
    });
  }

  /** The `docker save` archive of the image, as a stream. */
  get(o: CallOptions = {}): Promise<IncomingMessage> {
    // Docker 20.10 stages the whole archive in a temporary directory before the first byte.
    return this.t.stream({
      ...call(o),
      method: "GET",
      path: `${this.base}/get`,
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /** Pushes to its registry; progress as JSON lines (errors arrive in-band as `error`). */
  push(o: CallOptions & { tag?: string; authconfig?: AuthConfig } = {}): Promise<IncomingMessage> {
    return this.t.stream({
      ...call(o),
      method: "POST",
      path: `${this.base}/push`,
      query: { tag: o.tag },
      // The engine wants the header even for an anonymous registry.
      headers: registryAuthHeader(o.authconfig ?? {}),
      // The engine answers only once the registry has: a slow registry is not a dead engine.
      timeoutMs: o.timeoutMs ?? 0,
    });
  }

  /** The registry's descriptor of the reference, asked through the engine; nothing is pulled. */
  distribution(o: CallOptions & { authconfig?: AuthConfig } = {}): Promise<ImageDistributionInfo> {
    return this.t.json({
      ...call(o),
      method: "GET",
      path: `/distribution/${pathSegment(this.name)}/json`,
      headers: registryAuthHeader(o.authconfig),
    });
  }
}

/**
 * fromImage and tag for POST /images/create. A reference without tag or digest would make
 * the engine pull every tag of the repository, so it gets "latest", as `docker pull` does.
 */
export function pullParams(ref: string): { fromImage: string; tag?: string } {
  if (ref.includes("@")) return { fromImage: ref };
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > lastSlash) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: "latest" };
}
