// Where a caller's key is read from, and what an identity may touch. balena clients send
// the key as ?apikey=… (most examples) or `Authorization: Bearer …`; both are accepted.
import type { ApiIdentity } from "./api-keys.ts";

export function presentedKey(
  query: unknown,
  authorization: string | undefined,
): string | undefined {
  const q = (query ?? {}) as Record<string, unknown>;
  const fromQuery = q.apikey;
  if (typeof fromQuery === "string" && fromQuery) return fromQuery;
  const m = /^(?:Bearer|ApiKey)\s+(\S+)\s*$/i.exec(authorization ?? "");
  return m?.[1];
}

/** The global key may act on any app; an app key only on its own. */
export function mayActOn(identity: ApiIdentity, appId: number): boolean {
  return identity.kind === "global" || identity.appId === appId;
}

/** The bucket an identity's requests are counted in. */
export function clientOf(identity: ApiIdentity): string {
  return identity.kind === "global" ? "key:global" : `key:app:${identity.appId}`;
}

/** One 401 body and header set for every reason (no key, wrong key, wrong app). */
export const UNAUTHORIZED_BODY = { status: "failed", message: "Unauthorized" } as const;
export const UNAUTHORIZED_HEADERS = { "www-authenticate": 'Bearer realm="edgevisor"' } as const;
