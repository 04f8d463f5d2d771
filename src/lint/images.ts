// Image references and what counts as pinned. A reference is pinned when it names one build
// of an image: a digest, or a tag that carries a dated or full release version, or a
// repository path that does. Anything else (no tag, `latest`, `bookworm`, `18`, `3.19`,
// `16-run`) moves under you when the publisher pushes again.

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const out: ImageRef = { repository: rest };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

const FLOATING = new Set([
  "latest",
  "stable",
  "edge",
  "lts",
  "current",
  "nightly",
  "main",
  "master",
  "dev",
  "beta",
  "rc",
]);
/** 20250428, 2025-04-28, 2025.04.28 — a build date. */
const DATE = /(^|[^0-9])(19|20)\d{2}[-.]?(0[1-9]|1[0-2])[-.]?(0[1-9]|[12]\d|3[01])([^0-9]|$)/;
/** 1.25.3, v2.4.1, 8.11.1-run: major.minor.patch. */
const FULL_VERSION = /(^|[^0-9.])v?\d+\.\d+\.\d+([^0-9.]|$)/;

export type PinVerdict = { pinned: true } | { pinned: false; reason: string };

export function pinVerdict(ref: ImageRef): PinVerdict {
  if (ref.digest && /^sha256:[0-9a-f]{64}$/.test(ref.digest)) return { pinned: true };
  if (ref.digest) return { pinned: false, reason: `digest "${ref.digest}" is not a sha256 digest` };
  const pathSegments = ref.repository.split("/").slice(1);
  const pathVersioned = pathSegments.some((s) => FULL_VERSION.test(s) || DATE.test(s));
  if (ref.tag === undefined) {
    return pathVersioned
      ? { pinned: true }
      : { pinned: false, reason: "has no tag, so it means `latest`" };
  }
  const tag = ref.tag;
  if (FLOATING.has(tag.toLowerCase()))
    return { pinned: false, reason: `tag "${tag}" moves with every release` };
  if (/\$|%%/.test(tag)) return { pinned: false, reason: `tag "${tag}" is chosen at build time` };
  if (DATE.test(tag) || FULL_VERSION.test(tag) || pathVersioned) return { pinned: true };
  return { pinned: false, reason: `tag "${tag}" is a floating tag (no date or full version)` };
}
