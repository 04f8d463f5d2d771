// Image digests: ChainIDs from DiffIDs (OCI image spec), sha256 helpers.
import { createHash } from "node:crypto";

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}

/** How many bottom layers two images share (equal ChainIDs means an equal prefix). */
export function sharedPrefix(a: readonly string[], b: readonly string[]): number {
  const ca = chainIds(a);
  const cb = chainIds(b);
  let n = 0;
  while (n < ca.length && n < cb.length && ca[n] === cb[n]) n++;
  return n;
}

export function hexOf(digest: string): string {
  return digest.startsWith("sha256:") ? digest.slice("sha256:".length) : digest;
}
