import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parallelBatch, serviceChains } from "../../src/reconcile/parallel.ts";
import { describeStep, type Step } from "../../src/reconcile/steps.ts";
import type { Release } from "../../src/release/types.ts";
import { release, service } from "../support/release-builders.ts";

/** The pass as batches: steps of one batch joined by " ∥ ", batches by "; ". */
function batches(steps: Step[], r: Release): string {
  const out: string[] = [];
  for (let i = 0; i < steps.length;) {
    const b = parallelBatch(steps, i, r);
    out.push(b.map(describeStep).join(" ∥ "));
    i += b.length;
  }
  return out.join("; ");
}

const remove = (name: string): Step => ({
  action: "removeContainer",
  container: { id: `${name}-id`, name: `demo_${name}_x`, service: name },
  graceMs: 10_000,
  reason: "outdated",
  clearHandover: false,
});

describe("parallel batches of one pass", () => {
  const r = release([
    service("db"),
    service("api", { dependsOn: { db: { condition: "service_started" } } }),
    service("vpn"),
    service("app", { networkMode: "service:vpn" }),
    service("web"),
  ]);
  const s = (n: string) => r.services[n]!;

  test("independent creates and starts run together, kinds never mix", () => {
    const steps: Step[] = [
      ...["db", "vpn", "web"].map((n): Step => ({
        action: "createContainer",
        service: s(n),
        configHash: "h",
        clearHandover: false,
        start: false,
      })),
      ...["db", "vpn", "web"].map((n): Step => ({
        action: "startContainer",
        service: s(n),
        container: { id: n, name: n, service: n },
        restart: false,
      })),
    ];
    assert.equal(
      batches(steps, r),
      "create db ∥ create vpn ∥ create web; start db ∥ start vpn ∥ start web",
    );
  });

  test("a dependency cuts the batch, so dependents are removed first", () => {
    const steps = ["api", "app", "web", "db", "vpn"].map(remove);
    assert.equal(
      batches(steps, r),
      "remove api (outdated) ∥ remove app (outdated) ∥ remove web (outdated); remove db (outdated) ∥ remove vpn (outdated)",
    );
  });

  test("two steps of one service never run together", () => {
    const steps = [remove("web"), remove("web")];
    assert.equal(batches(steps, r), "remove web (outdated); remove web (outdated)");
  });

  test("fetches ignore depends_on; infrastructure steps run alone", () => {
    const steps: Step[] = [
      { action: "createNetwork", network: r.networks.default! },
      { action: "fetchImage", service: s("db") },
      { action: "fetchImage", service: s("api") },
      { action: "removeImage", image: "sha256:a", service: "db" },
      { action: "removeImage", image: "sha256:b", service: "api" },
    ];
    assert.equal(
      batches(steps, r),
      "create network default; pull db:1 ∥ pull api:1; remove image of db; remove image of api",
    );
  });
});

describe("per-service chains", () => {
  const create = (r: Release, name: string): Step => ({
    action: "createContainer",
    service: r.services[name]!,
    configHash: "h",
    clearHandover: false,
    start: true,
  });
  const chainsText = (chains: Step[][] | undefined) =>
    chains?.map((c) => c.map(describeStep).join(" → "));

  test("independent services: each stops its old container, then creates and starts the new one", () => {
    const r = release([service("a"), service("b"), service("c")]);
    const steps = [
      remove("a"),
      remove("b"),
      { action: "removeImage", image: "b:0", service: "b" } as Step,
      create(r, "a"),
      create(r, "b"),
    ];
    assert.deepEqual(chainsText(serviceChains(steps, r)), [
      "remove a (outdated) → create and start a",
      "remove b (outdated) → remove image of b → create and start b",
    ]);
  });

  test("no chains when services depend on one another, or a step is not a service's", () => {
    const r = release([
      service("db"),
      service("api", { dependsOn: { db: { condition: "service_started" } } }),
    ]);
    assert.equal(
      serviceChains([remove("api"), remove("db"), create(r, "db"), create(r, "api")], r),
      undefined,
    );
    const plain = release([service("a")]);
    assert.equal(
      serviceChains(
        [{ action: "createNetwork", network: plain.networks.default! }, remove("a")],
        plain,
      ),
      undefined,
    );
  });
});
