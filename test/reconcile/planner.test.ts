import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { simulate } from "../../src/reconcile/effects.ts";
import { planUpdate, type PlannerInput } from "../../src/reconcile/planner.ts";
import { describePlan } from "../../src/reconcile/steps.ts";
import type { Release } from "../../src/release/types.ts";
import type { EngineSnapshot } from "../../src/engine/types.ts";
import { container, emptyEngine, release, service } from "../support/release-builders.ts";

function input(
  target: Release,
  engine: EngineSnapshot,
  over: Partial<PlannerInput> = {},
): PlannerInput {
  return { target, engine, locks: {}, now: 1_000_000, force: false, backoffUntil: {}, ...over };
}

/** The engine once `r` is fully applied, reached by the planner itself. */
function converged(r: Release): EngineSnapshot {
  const run = simulate(input(r, emptyEngine()));
  assert.ok(run.converged, "fixture release must converge");
  return run.final;
}

function passes(
  target: Release,
  engine: EngineSnapshot,
  over: Partial<PlannerInput> = {},
  opts = {},
): string[] {
  const run = simulate(input(target, engine, over), opts);
  return run.passes.map((p) => p.plan || `(wait: ${p.waiting.join(" | ")})`);
}

const v1 = release(
  [
    service("db", {
      image: "db:1",
      volumes: [{ type: "volume", source: "data", target: "/data", readOnly: false }],
    }),
    service("web", { image: "web:1", dependsOn: { db: { condition: "service_started" } } }),
  ],
  { volumes: ["data"] },
);

describe("planner: first install", () => {
  test("creates infrastructure, fetches in parallel, then starts in dependency order", () => {
    assert.deepEqual(passes(v1, emptyEngine()), [
      "create network default; create volume data; pull db:1 ∥ pull web:1",
      "create and start db; create web",
      "start web",
    ]);
  });

  test("web is created but not started while db is not started", () => {
    const afterPull = simulate(input(v1, emptyEngine()), { maxPasses: 1 }).final;
    const plan = planUpdate(input(v1, afterPull));
    const starts = plan.steps.map(
      (st) => st.action === "createContainer" && [st.service.name, st.start],
    );
    assert.deepEqual(starts, [
      ["db", true],
      ["web", false],
    ]);
  });

  test("builds instead of pulling for build services", () => {
    const r = release([
      service("app", {
        image: "demo_app:abc",
        build: { context: "/ctx", dockerfile: "Dockerfile", args: {}, labels: {} },
      }),
    ]);
    assert.equal(passes(r, emptyEngine())[0], "create network default; build demo_app:abc");
  });

  test("a converged release plans nothing", () => {
    const plan = planUpdate(input(v1, converged(v1)));
    assert.deepEqual(plan, { steps: [], waiting: [] });
  });
});

describe("planner: update strategies", () => {
  const withWeb = (over: Parameters<typeof service>[1]) =>
    release([v1.services.db!, service("web", { ...v1.services.web!, ...over })], {
      volumes: ["data"],
      releaseId: "r2",
    });

  test("download-then-kill: pull first, stop the old one only when every image is present", () => {
    assert.deepEqual(passes(withWeb({ image: "web:2" }), converged(v1)), [
      "pull web:2",
      "remove web (outdated); create and start web",
    ]);
  });

  test("download-then-kill waits for every service's image, not only its own", () => {
    const v2 = release(
      [
        service("db", { ...v1.services.db!, image: "db:2" }),
        service("web", { ...v1.services.web!, image: "web:2" }),
      ],
      { volumes: ["data"] },
    );
    assert.deepEqual(passes(v2, converged(v1)), [
      "pull db:2 ∥ pull web:2",
      "remove web (outdated); remove db (outdated); create and start db; create web",
      "start web",
    ]);
  });

  test("kill-then-download: stop first, then pull", () => {
    assert.deepEqual(
      passes(withWeb({ image: "web:2", updateStrategy: "kill-then-download" }), converged(v1)),
      ["remove web (outdated)", "pull web:2", "create and start web"],
    );
  });

  test("delete-then-download: the old image goes before the pull", () => {
    assert.deepEqual(
      passes(withWeb({ image: "web:2", updateStrategy: "delete-then-download" }), converged(v1)),
      ["remove web (outdated); remove image of web", "pull web:2", "create and start web"],
    );
  });

  test("delete-then-download keeps an old image that the target still uses", () => {
    const v2 = withWeb({
      image: "web:1",
      environment: { X: "1" },
      updateStrategy: "delete-then-download",
    });
    assert.deepEqual(passes(v2, converged(v1)), ["remove web (outdated); create and start web"]);
  });

  test("hand-over: new beside old, old removed once handover-complete is written", () => {
    const v2 = withWeb({ image: "web:2", updateStrategy: "hand-over" });
    assert.deepEqual(
      passes(v2, converged(v1), { locks: { web: { locked: false, handoverComplete: true } } }),
      ["pull web:2", "create and start web", "remove web (handed over)"],
    );
  });

  test("hand-over: old removed after the timeout when the new one never signals", () => {
    const v2 = withWeb({ image: "web:2", updateStrategy: "hand-over", handoverTimeoutMs: 2500 });
    assert.deepEqual(passes(v2, converged(v1), {}, { tickMs: 1000 }), [
      "pull web:2",
      "create and start web",
      "(wait: web: hand-over waits for handover-complete (timeout in 2 s))",
      "(wait: web: hand-over waits for handover-complete (timeout in 1 s))",
      "remove web (hand-over timeout)",
    ]);
  });

  test("hand-over never kills the old one while the new one is not healthy", () => {
    const v2 = withWeb({
      image: "web:2",
      updateStrategy: "hand-over",
      healthcheck: { test: ["CMD", "true"] },
    });
    let engine = converged(v1);
    engine = simulate(input(v2, engine), { maxPasses: 3 }).final; // pull, create, start
    const fresh = engine.containers.find((c) => c.service === "web" && c.releaseId === "r2")!;
    fresh.health = "starting";
    const plan = planUpdate(
      input(v2, engine, { locks: { web: { locked: false, handoverComplete: true } } }),
    );
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(plan.waiting, ["web: hand-over waits for the new container to be healthy"]);
  });

  test("an unchanged service is never touched", () => {
    const steps = simulate(input(withWeb({ image: "web:2" }), converged(v1)))
      .passes.map((p) => p.plan)
      .join("; ");
    assert.doesNotMatch(steps, /\bdb\b/);
  });
});

describe("planner: update locks", () => {
  const v2 = release([v1.services.db!, service("web", { ...v1.services.web!, image: "web:2" })], {
    volumes: ["data"],
  });

  test("a held lock lets the download happen but keeps the old container", () => {
    const locks = { web: { locked: true, handoverComplete: false } };
    const run = simulate(input(v2, converged(v1), { locks }), { maxPasses: 3 });
    assert.equal(run.converged, false);
    assert.deepEqual(
      run.passes.map((p) => p.plan || p.waiting.join()),
      [
        "pull web:2",
        "web: update lock held, old container kept",
        "web: update lock held, old container kept",
      ],
    );
  });

  test("force overrides the lock", () => {
    const locks = { web: { locked: true, handoverComplete: false } };
    assert.deepEqual(passes(v2, converged(v1), { locks, force: true }), [
      "pull web:2",
      "remove web (outdated); create and start web",
    ]);
  });

  test("a locked service that leaves the release is kept until its lock goes", () => {
    const v2only = release([v1.services.db!], { volumes: ["data"] });
    const plan = planUpdate(
      input(v2only, converged(v1), { locks: { web: { locked: true, handoverComplete: false } } }),
    );
    assert.deepEqual(plan.steps, []);
    assert.deepEqual(plan.waiting, ["web: removed from the release, but its update lock is held"]);
  });
});

describe("planner: drift and repair", () => {
  test("a container removed by hand is recreated", () => {
    const engine = converged(v1);
    engine.containers = engine.containers.filter((c) => c.service !== "web");
    assert.deepEqual(passes(v1, engine), ["create and start web"]);
  });

  test("a container stopped by hand is restarted, unless it is in backoff", () => {
    const engine = converged(v1);
    const web = engine.containers.find((c) => c.service === "web")!;
    web.status = "exited";
    web.exitCode = 137;
    assert.equal(describePlan(planUpdate(input(v1, engine)).steps), "restart web");
    const backing = planUpdate(input(v1, engine, { backoffUntil: { [web.id]: 1_004_000 } }));
    assert.deepEqual(backing.steps, []);
    assert.deepEqual(backing.waiting, ["web: exited (code 137), restart in 4 s (backoff)"]);
  });

  test("restart: no and on-failure with exit 0 stay exited", () => {
    for (const over of [{ restart: "no" as const }, { restart: "on-failure" as const }]) {
      const r = release([service("job", { image: "job:1", ...over })]);
      const engine = converged(r);
      engine.containers[0]!.status = "exited";
      engine.containers[0]!.exitCode = 0;
      assert.deepEqual(planUpdate(input(r, engine)), { steps: [], waiting: [] });
    }
  });

  test("duplicates of the current container are removed, the running one kept", () => {
    const engine = converged(v1);
    const web = engine.containers.find((c) => c.service === "web")!;
    engine.containers.push({
      ...web,
      id: "dup",
      name: "dup",
      status: "created",
      startedAt: undefined,
    });
    const plan = planUpdate(input(v1, engine));
    assert.equal(describePlan(plan.steps), "remove web (duplicate)");
    assert.equal(plan.steps[0]?.action === "removeContainer" && plan.steps[0].container.id, "dup");
  });

  test("a dead container is replaced", () => {
    const engine = converged(v1);
    engine.containers.find((c) => c.service === "web")!.status = "dead";
    assert.deepEqual(passes(v1, engine), ["remove web (outdated); create and start web"]);
  });

  test("containers of other apps are never touched", () => {
    const engine = converged(v1);
    engine.containers.push(container({ id: "other", service: "web", app: "someone-else" }));
    assert.deepEqual(planUpdate(input(v1, engine)), { steps: [], waiting: [] });
  });

  test("a service dropped from the release is removed, then its network", () => {
    const v0 = release(
      [service("old", { image: "old:1", networks: { legacy: { aliases: [] } } }), v1.services.db!],
      {
        volumes: ["data"],
        networks: ["default", "legacy"],
      },
    );
    const v2 = release([v1.services.db!], { volumes: ["data"] });
    assert.deepEqual(passes(v2, converged(v0)), [
      "remove old (not in release)",
      "remove network demo_legacy",
    ]);
  });

  test("named volumes are never removed, even when the release stops using them", () => {
    const v2 = release([service("web", { image: "web:1" })]);
    const run = simulate(input(v2, converged(v1)));
    assert.ok(run.converged);
    assert.deepEqual(run.final.volumes, [{ name: "demo_data", app: "demo" }]);
  });
});

describe("planner: health and API intents", () => {
  test("an unhealthy container is restarted, then backs off", () => {
    const r = release([service("web", { healthcheck: { test: ["CMD", "true"] } })]);
    const engine = converged(r);
    const web = engine.containers[0]!;
    web.health = "unhealthy";
    assert.equal(describePlan(planUpdate(input(r, engine)).steps), "restart web (unhealthy)");
    const later = planUpdate(input(r, engine, { backoffUntil: { [web.id]: 1_002_000 } }));
    assert.deepEqual(later, { steps: [], waiting: ["web: unhealthy, restart in 2 s (backoff)"] });
  });

  test("an unhealthy service holding its update lock is left alone", () => {
    const r = release([service("web", { healthcheck: { test: ["CMD", "true"] } })]);
    const engine = converged(r);
    engine.containers[0]!.health = "unhealthy";
    const plan = planUpdate(
      input(r, engine, { locks: { web: { locked: true, handoverComplete: false } } }),
    );
    assert.deepEqual(plan, { steps: [], waiting: ["web: unhealthy, but its update lock is held"] });
  });

  test("a service held stopped is stopped and never restarted, the others keep running", () => {
    const engine = converged(v1);
    assert.deepEqual(passes(v1, engine, { stopped: ["web"] }), ["stop web"]);
    const stoppedEngine = simulate(input(v1, engine, { stopped: ["web"] })).final;
    assert.deepEqual(planUpdate(input(v1, stoppedEngine, { stopped: ["web"] })), {
      steps: [],
      waiting: [],
    });
    assert.equal(describePlan(planUpdate(input(v1, stoppedEngine)).steps), "restart web");
  });
});

describe("planner: depends_on conditions", () => {
  test("service_healthy waits for health, service_completed_successfully for exit 0", () => {
    const r = release([
      service("db", { image: "db:1", healthcheck: { test: ["CMD", "true"] } }),
      service("migrate", {
        image: "m:1",
        restart: "no",
        dependsOn: { db: { condition: "service_healthy" } },
      }),
      service("web", {
        image: "web:1",
        dependsOn: { migrate: { condition: "service_completed_successfully" } },
      }),
    ]);
    let engine = simulate(input(r, emptyEngine()), { maxPasses: 2 }).final; // infra+pull; create (db started)
    const db = engine.containers.find((c) => c.service === "db")!;
    db.health = "starting";
    assert.deepEqual(planUpdate(input(r, engine)).waiting, [
      "migrate: waits for db to be healthy",
      "web: waits for migrate to be completed",
    ]);
    db.health = "healthy";
    engine = simulate(input(r, engine), { maxPasses: 1 }).final; // start migrate
    const migrate = engine.containers.find((c) => c.service === "migrate")!;
    assert.equal(migrate.status, "running");
    assert.deepEqual(planUpdate(input(r, engine)).waiting, [
      "web: waits for migrate to be completed",
    ]);
    migrate.status = "exited";
    migrate.exitCode = 1;
    assert.deepEqual(planUpdate(input(r, engine)).waiting, [
      "web: waits for migrate to be completed",
    ]);
    migrate.exitCode = 0;
    assert.equal(describePlan(planUpdate(input(r, engine)).steps), "start web");
  });

  test("network_mode service:X joins X's current container and follows it when X is replaced", () => {
    const r1 = release([
      service("vpn", { image: "vpn:1" }),
      service("app", { image: "app:1", networks: {}, networkMode: "service:vpn" }),
    ]);
    const engine = converged(r1);
    const vpn = engine.containers.find((c) => c.service === "vpn")!;
    assert.equal(engine.containers.find((c) => c.service === "app")!.netnsOf, vpn.id);
    const r2 = release([service("vpn", { image: "vpn:2" }), r1.services.app!]);
    assert.deepEqual(passes(r2, engine), [
      "pull vpn:2",
      "remove app (outdated); remove vpn (outdated); create and start vpn",
      "create and start app",
    ]);
  });
});
