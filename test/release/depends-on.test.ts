import assert from "node:assert/strict";
import { test } from "node:test";
import { errors, ok, oneError, parse } from "./helpers.ts";

test("list form means service_started", () => {
  const out = parse(
    `services:\n  db:\n    image: db\n  cache:\n    image: c\n  web:\n    image: x\n    depends_on: [db, cache]`,
  );
  assert.deepEqual(ok(out).dependsOn, {
    db: { condition: "service_started" },
    cache: { condition: "service_started" },
  });
});

test("long form with every condition; missing condition means service_started", () => {
  const out = parse(`services:
  db: { image: db }
  migrate: { image: m }
  cache: { image: c }
  plain: { image: p }
  web:
    image: x
    depends_on:
      db: { condition: service_healthy }
      migrate: { condition: service_completed_successfully, restart: true }
      cache: { condition: service_started, required: false }
      plain:`);
  assert.deepEqual(ok(out).dependsOn, {
    db: { condition: "service_healthy" },
    migrate: { condition: "service_completed_successfully" },
    cache: { condition: "service_started" },
    plain: { condition: "service_started" },
  });
});

test("an invalid condition lists the accepted ones", () => {
  oneError(
    parse(
      `services:\n  db: { image: db }\n  web:\n    image: x\n    depends_on:\n      db: { condition: ready }`,
    ),
    "6:24",
    "services.web.depends_on.db.condition",
    /expected service_started, service_healthy, service_completed_successfully, got "ready"/,
  );
});

test("an undefined target is an error at the reference", () => {
  oneError(
    parse(`services:\n  web:\n    image: x\n    depends_on: [db]`),
    "4:18",
    "services.web.depends_on[0]",
    /service "db" is not declared under services/,
  );
});

test("depending on oneself is an error", () => {
  oneError(
    parse(`services:\n  web:\n    image: x\n    depends_on: [web]`),
    "4:18",
    "services.web.depends_on[0]",
    /cannot depend on itself/,
  );
});

test("cycles are reported once, naming the services", () => {
  const out = parse(`services:
  a: { image: a, depends_on: [b] }
  b: { image: b, depends_on: [c] }
  c: { image: c, depends_on: [a] }
  d: { image: d, depends_on: [a] }`);
  const list = errors(out);
  assert.equal(list.length, 1);
  assert.match(list[0]?.message ?? "", /dependency cycle: a -> b -> c -> a/);
  assert.equal(`${list[0]?.line}:${list[0]?.column}`, "2:31");
});

test("network_mode: service:X takes part in cycle detection", () => {
  const out = parse(
    `services:\n  a: { image: a, network_mode: "service:b" }\n  b: { image: b, depends_on: [a] }`,
  );
  assert.match(errors(out)[0]?.message ?? "", /dependency cycle: a -> b -> a/);
});
