// Apply interpolation to every string value of a parsed compose document, in place, before
// any validation (keys are left alone, as in compose). Failures become positioned errors;
// variables used without a default and not set become one warning each.
import { isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import { interpolate, type Lookup } from "./interpolate.ts";
import { childPath, fail, warn, type ReadCtx } from "./yaml-read.ts";

export function interpolateDocument(ctx: ReadCtx, lookup: Lookup): void {
  const warned = new Set<string>();
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : "?";
        walk(pair.value, childPath(path, key));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, childPath(path, i)));
    } else if (isScalar(node) && typeof node.value === "string") {
      const r = interpolate(node.value, lookup);
      if (!r.ok) {
        fail(ctx, node as Node, path, r.error);
        ctx.reported.add(node as Node);
        return;
      }
      node.value = r.value;
      for (const name of r.unset) {
        if (warned.has(name)) continue;
        warned.add(name);
        warn(ctx, node as Node, path, `variable ${name} is not set; substituting an empty string`);
      }
    }
  };
  walk(ctx.doc.contents, "");
}
