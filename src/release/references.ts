// Checks that need the whole release: every referenced service, volume and network exists,
// and depends_on / network_mode: service:X edges form no cycle.
import type { Reference } from "./service-ctx.ts";
import { fail, type ReadCtx } from "./yaml-read.ts";

export interface Declared {
  services: ReadonlySet<string>;
  volumes: ReadonlySet<string>;
  networks: ReadonlySet<string>;
}

const HINT: Record<Reference["kind"], string> = {
  service: "services",
  volume: "top-level volumes",
  network: "top-level networks",
};

export function checkReferences(ctx: ReadCtx, refs: Reference[], declared: Declared): void {
  for (const ref of refs) {
    const known =
      ref.kind === "service"
        ? declared.services
        : ref.kind === "volume"
          ? declared.volumes
          : declared.networks;
    if (ref.kind === "network" && ref.name === "default") continue;
    if (ref.kind === "service" && ref.name === ref.from) {
      fail(ctx, ref.node, ref.path, `service "${ref.from}" cannot depend on itself`);
    } else if (!known.has(ref.name)) {
      fail(
        ctx,
        ref.node,
        ref.path,
        `${ref.kind} "${ref.name}" is not declared under ${HINT[ref.kind]}`,
      );
    }
  }
  checkCycles(
    ctx,
    refs.filter((r) => r.dependency && r.name !== r.from && declared.services.has(r.name)),
  );
}

function checkCycles(ctx: ReadCtx, edges: Reference[]): void {
  const out = new Map<string, Reference[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const state = new Map<string, "visiting" | "done">();
  const stack: Reference[] = [];
  const reported = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, "visiting");
    for (const edge of out.get(name) ?? []) {
      const s = state.get(edge.name);
      if (s === "visiting") {
        const start = stack.findIndex((e) => e.from === edge.name);
        const cycle = [...stack.slice(start < 0 ? stack.length : start), edge];
        const names = [...cycle.map((e) => e.from), edge.name];
        const key = [...new Set(names)].sort().join(",");
        if (!reported.has(key)) {
          reported.add(key);
          const first = cycle[0] as Reference;
          fail(ctx, first.node, first.path, `dependency cycle: ${names.join(" -> ")}`);
        }
      } else if (s === undefined) {
        stack.push(edge);
        visit(edge.name);
        stack.pop();
      }
    }
    state.set(name, "done");
  };
  for (const name of [...out.keys()].sort()) if (!state.has(name)) visit(name);
}
