// Every kind of error names file:line:column, the field path and what is accepted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../src/release/issues.ts";
import { errors, oneError, parse, web } from "./helpers.ts";

test("YAML syntax errors carry positions and stop the parse", () => {
  const out = parse("services:\n  web:\n    image: [unclosed\n");
  const [e] = errors(out);
  assert.ok(e);
  assert.equal(e.file, "app/docker-compose.yml");
  assert.match(e.message, /^YAML: /);
  assert.ok(e.line >= 3, `line ${e.line}`);
});

test("tabs and bad indentation are syntax errors", () => {
  const out = parse("services:\n  web:\n\timage: x\n");
  assert.ok(errors(out).length >= 1);
  assert.equal(errors(out)[0]?.line, 3);
});

test("duplicate keys are errors at the second key, and parsing goes on", () => {
  const out = parse(web("image: x\nmem_limit: 1g\nimage: y\ncpus: lots"));
  assert.deepEqual(
    errors(out).map((e) => `${e.line}:${e.column} ${e.path} ${e.message}`),
    [
      '5:5 services.web.image duplicate key "image" (YAML mapping keys must be unique)',
      '6:11 services.web.cpus expected a number of CPUs greater than 0, like 0.5 or "1.5", got "lots"',
    ],
  );
});

test("duplicate services are errors", () => {
  const out = parse("services:\n  web:\n    image: a\n  web:\n    image: b\n");
  assert.match(errors(out)[0]?.message ?? "", /duplicate key "web"/);
  assert.equal(errors(out)[0]?.path, "services.web");
  assert.equal(errors(out)[0]?.line, 4);
});

test("empty file, no services, wrong shapes", () => {
  oneError(parse(""), "1:1", "", /the compose file is empty/);
  oneError(parse("version: '2.4'\n"), "1:1", "services", /needs `services`/);
  oneError(parse("- a\n- b\n"), "1:1", "", /expected a mapping with `services`, got a list/);
  oneError(
    parse("services: []\n"),
    "1:11",
    "services",
    /expected a mapping of service name to settings, got a list/,
  );
  oneError(parse("services: {}\n"), "1:11", "services", /at least one service/);
  oneError(
    parse("services:\n  web: nginx\n"),
    "2:8",
    "services.web",
    /expected a mapping of service settings, got "nginx"/,
  );
});

test("a service needs image or build; names are checked", () => {
  oneError(
    parse("services:\n  web:\n    restart: always\n"),
    "2:3",
    "services.web",
    /needs `image` or `build`/,
  );
  oneError(
    parse("services:\n  -bad:\n    image: x\n"),
    "2:3",
    "services.-bad",
    /service name may only use/,
  );
  oneError(parse(web("image: 'has space'")), "3:12", "services.web.image", /an image reference/);
});

test("type errors across field families say what is accepted", () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ["mem_limit: lots", "4:16", "services.web.mem_limit", /a byte size like "512m" or "1g"/],
    ["mem_reservation: [1]", "4:22", "services.web.mem_reservation", /a byte size/],
    ["shm_size: 1x", "4:15", "services.web.shm_size", /a byte size/],
    ["cpus: -1", "4:11", "services.web.cpus", /greater than 0/],
    ["cpu_shares: 1.5", "4:17", "services.web.cpu_shares", /a whole number of CPU shares/],
    ["cpuset: all", "4:13", "services.web.cpuset", /CPU numbers like "0-2"/],
    ["privileged: yes", "4:17", "services.web.privileged", /true or false, got "yes"/],
    ["oom_score_adj: 2000", "4:20", "services.web.oom_score_adj", /from -1000 to 1000/],
    ["stop_grace_period: 10", "4:24", "services.web.stop_grace_period", /a duration like "30s"/],
    ["cap_add: NET_ADMIN", "4:14", "services.web.cap_add", /a list of strings, got "NET_ADMIN"/],
    [
      "environment: 12",
      "4:18",
      "services.web.environment",
      /a mapping or a list of "KEY=VALUE" strings/,
    ],
    ['labels: ["=x"]', "4:14", "services.web.labels[0]", /a "KEY=VALUE" string/],
    [
      "ulimits:\n  nofile: { soft: 1 }",
      "5:15",
      "services.web.ulimits.nofile",
      /both soft and hard/,
    ],
    [
      "ulimits:\n  nofile: many",
      "5:15",
      "services.web.ulimits.nofile",
      /a whole number or \{soft, hard\}/,
    ],
    ['command: "echo \'x"', "4:14", "services.web.command", /unterminated single quote/],
    ["extra_hosts: [nohost]", "4:19", "services.web.extra_hosts[0]", /"host:ip" or "host=ip"/],
    ["logging: json", "4:14", "services.web.logging", /expected a mapping/],
    ["healthcheck:\n  retries: -1", "5:16", "services.web.healthcheck.retries", /0 or more/],
    [
      "build:\n  context: https://github.com/x/y.git",
      "5:16",
      "services.web.build.context",
      /remote build context/,
    ],
  ];
  for (const [body, where, path, message] of cases) {
    oneError(parse(web(`image: x\n${body}`)), where, path, message);
  }
});

test("interpolation errors point at the value and are not reported twice", () => {
  oneError(
    parse(web("image: ${IMAGE:?set IMAGE to the image to run}")),
    "3:12",
    "services.web.image",
    /required variable IMAGE is not set: set IMAGE/,
  );
  oneError(
    parse(web("image: x\nenvironment:\n  PRICE: 5$")),
    "5:14",
    "services.web.environment.PRICE",
    /lone "\$".*\$\$/,
  );
  oneError(
    parse(web("image: x\nhostname: ${BROKEN")),
    "4:15",
    "services.web.hostname",
    /never closed/,
  );
});

test("all errors are collected, not just the first", () => {
  const out = parse(`services:
  web:
    image: x
    mem_limit: lots
    cpus: none
    restart: sometimes
    depends_on: [ghost]
  api:
    restart: always`);
  const lines = errors(out).map(formatIssue);
  assert.deepEqual(lines, [
    'app/docker-compose.yml:4:16 services.web.mem_limit: expected a byte size like "512m" or "1g" (or a number of bytes), got "lots"',
    'app/docker-compose.yml:5:11 services.web.cpus: expected a number of CPUs greater than 0, like 0.5 or "1.5", got "none"',
    'app/docker-compose.yml:6:14 services.web.restart: expected "no", "always", "on-failure", "on-failure:<retries>" or "unless-stopped", got "sometimes"',
    'app/docker-compose.yml:7:18 services.web.depends_on[0]: service "ghost" is not declared under services',
    "app/docker-compose.yml:8:3 services.api: a service needs `image` or `build`",
  ]);
});
