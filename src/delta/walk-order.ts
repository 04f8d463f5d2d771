// The order Docker walks a directory in (Go's filepath.Walk): names sorted bytewise
// within each directory, a directory's contents right after it ("a/b" before "a.txt").
// Layer tars and the engine's archive API both come in this order.
export function compareWalkOrder(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
