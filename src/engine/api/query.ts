// Query strings the engine understands: booleans as true/false, objects (filters, build
// args, labels) as JSON, arrays of plain values as repeated keys, undefined left out.

export type QueryValue =
  string | number | boolean | undefined | null | string[] | Record<string, unknown>;

export function queryString(params: Record<string, QueryValue> | undefined): string {
  if (!params) return "";
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) q.append(key, String(v));
    else if (typeof value === "object") q.append(key, JSON.stringify(value));
    else q.append(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * One path segment from a name or image reference. Reference characters the engine's router
 * reads literally (`/` between repository parts, `:` before a tag, `@` before a digest) stay
 * as they are; anything else is percent-encoded.
 */
export function pathSegment(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, "/").replace(/%3A/gi, ":").replace(/%40/gi, "@");
}
