// Every service field family, parsed in memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_HANDOVER_TIMEOUT_MS } from "../../src/release/types.ts";
import { errors, ok, oneError, parse, web } from "./helpers.ts";

test("defaults: restart always, default network, balena defaults", () => {
  const out = parse(web("image: nginx"));
  const spec = ok(out);
  assert.equal(spec.restart, "always");
  assert.deepEqual(spec.networks, { default: { aliases: [] } });
  assert.equal(spec.updateStrategy, "download-then-kill");
  assert.equal(spec.handoverTimeoutMs, DEFAULT_HANDOVER_TIMEOUT_MS);
  assert.deepEqual(spec.features, []);
  assert.equal(spec.privileged, false);
  assert.equal(spec.readOnly, false);
  assert.equal(spec.command, undefined);
  assert.deepEqual(out.release.networks.default, {
    name: "default",
    driver: "bridge",
    driverOpts: {},
    labels: {},
    internal: false,
  });
});

test("command and entrypoint: string is shell-split, list is kept", () => {
  const spec = ok(
    parse(
      web(`
image: python
command: python -m "http.server" '8000'
entrypoint: ["/bin/sh", "-c"]`),
    ),
  );
  assert.deepEqual(spec.command, ["python", "-m", "http.server", "8000"]);
  assert.deepEqual(spec.entrypoint, ["/bin/sh", "-c"]);
  assert.deepEqual(ok(parse(web("image: x\ncommand: []"))).command, []);
});

test("environment as a map and as a list; KEY alone comes from the interpolation env", () => {
  const map = ok(
    parse(
      web(`image: x\nenvironment:\n  A: 1\n  B: true\n  C: "text"\n  FROM_ENV:\n  NULLISH: null`),
      {
        env: { FROM_ENV: "yes" },
      },
    ),
  );
  assert.deepEqual(map.environment, { A: "1", B: "true", C: "text", FROM_ENV: "yes" });
  const list = ok(
    parse(web(`image: x\nenvironment: [A=1, "B=x=y", FROM_ENV, EMPTY=]`), {
      env: { FROM_ENV: "e" },
    }),
  );
  assert.deepEqual(list.environment, { A: "1", B: "x=y", FROM_ENV: "e", EMPTY: "" });
});

test("a KEY without value that is not set anywhere is left out with a warning", () => {
  const out = parse(web(`image: x\nenvironment: [MISSING]`));
  assert.deepEqual(ok(out).environment, {});
  assert.match(out.issues.warnings[0]?.message ?? "", /MISSING has no value/);
});

test("env_file: string, list, long form; environment wins; relative to the compose file", () => {
  const files = {
    "/srv/app/common.env": "A=from-file\nB=from-file\n# comment\n",
    "/srv/app/conf/more.env": "C=${HOST_VAR}-x\n",
  };
  const spec = ok(
    parse(
      web(`
image: x
env_file:
  - common.env
  - path: ./conf/more.env
  - path: optional.env
    required: false
environment:
  B: from-environment`),
      { files, env: { HOST_VAR: "h" } },
    ),
  );
  assert.deepEqual(spec.environment, { A: "from-file", B: "from-environment", C: "h-x" });
  assert.deepEqual(ok(parse(web("image: x\nenv_file: common.env"), { files })).environment, {
    A: "from-file",
    B: "from-file",
  });
});

test("a missing env_file is an error at its position; bad lines inside it name the env file", () => {
  oneError(
    parse(web("image: x\nenv_file: nope.env")),
    "4:15",
    "services.web.env_file",
    /env file "nope.env" does not exist/,
  );
  const out = parse(web("image: x\nenv_file: bad.env"), {
    files: { "/srv/app/bad.env": "OK=1\nbroken line\n" },
  });
  const [e] = errors(out);
  assert.equal(`${e?.file}:${e?.line}:${e?.column}`, "app/bad.env:2:1");
  assert.match(e?.message ?? "", /expected KEY=VALUE/);
});

test("numbers in environment and labels keep their written form", () => {
  const spec = ok(
    parse(
      web(
        `image: x\nenvironment:\n  VERSION: 1.10\n  MODE: 0755\n  BIG: 1e3\nlabels:\n  ratio: 0.50`,
      ),
    ),
  );
  assert.deepEqual(spec.environment, { VERSION: "1.10", MODE: "0755", BIG: "1e3" });
  assert.deepEqual(spec.labels, { ratio: "0.50" });
});

test("labels as a map and as a list", () => {
  assert.deepEqual(ok(parse(web(`image: x\nlabels:\n  a.b: c\n  empty:\n  n: 1`))).labels, {
    "a.b": "c",
    empty: "",
    n: "1",
  });
  assert.deepEqual(ok(parse(web(`image: x\nlabels: ["a=b", "flag"]`))).labels, {
    a: "b",
    flag: "",
  });
});

test("capabilities, privileged, security, user, dirs, host name, init, read_only, tty", () => {
  const spec = ok(
    parse(
      web(`
image: x
cap_add: [NET_ADMIN, SYS_TIME]
cap_drop: [ALL]
privileged: true
security_opt: ["no-new-privileges:true"]
group_add: [dialout, 20]
user: 1000
working_dir: /app
hostname: gateway
init: true
read_only: "true"
tty: true
stdin_open: false
stop_signal: SIGINT
stop_grace_period: 1m30s
pid: host
ipc: shareable
oom_score_adj: -500`),
    ),
  );
  assert.deepEqual(spec.capAdd, ["NET_ADMIN", "SYS_TIME"]);
  assert.deepEqual(spec.capDrop, ["ALL"]);
  assert.equal(spec.privileged, true);
  assert.deepEqual(spec.securityOpt, ["no-new-privileges:true"]);
  assert.deepEqual(spec.groupAdd, ["dialout", "20"]);
  assert.equal(spec.user, "1000");
  assert.equal(spec.workingDir, "/app");
  assert.equal(spec.hostname, "gateway");
  assert.equal(spec.init, true);
  assert.equal(spec.readOnly, true);
  assert.equal(spec.tty, true);
  assert.equal(spec.stdinOpen, false);
  assert.equal(spec.stopSignal, "SIGINT");
  assert.equal(spec.stopGracePeriodMs, 90_000);
  assert.equal(spec.pid, "host");
  assert.equal(spec.ipc, "shareable");
  assert.equal(spec.oomScoreAdj, -500);
});

test("resources: memory, cpus, shares, cpuset, shm, ulimits, sysctls", () => {
  const spec = ok(
    parse(
      web(`
image: x
mem_limit: 512m
mem_reservation: 1.5g
shm_size: 67108864
cpus: "1.5"
cpu_shares: 512
cpuset: "0-1,3"
ulimits:
  nproc: 65535
  nofile: { soft: 20000, hard: 40000 }
sysctls:
  net.core.somaxconn: 1024
sysctls_list_is_separate: ignored`),
    ),
  );
  assert.equal(spec.memLimit, 512 * 1024 ** 2);
  assert.equal(spec.memReservation, 1.5 * 1024 ** 3);
  assert.equal(spec.shmSize, 64 * 1024 ** 2);
  assert.equal(spec.cpus, 1.5);
  assert.equal(spec.cpuShares, 512);
  assert.equal(spec.cpuset, "0-1,3");
  assert.deepEqual(spec.ulimits, {
    nproc: { soft: 65535, hard: 65535 },
    nofile: { soft: 20000, hard: 40000 },
  });
  assert.deepEqual(spec.sysctls, { "net.core.somaxconn": "1024" });
  assert.deepEqual(ok(parse(web(`image: x\nsysctls: ["net.ipv4.ip_forward=1"]`))).sysctls, {
    "net.ipv4.ip_forward": "1",
  });
});

test("restart policies", () => {
  const restart = (v: string) => ok(parse(web(`image: x\nrestart: ${v}`)));
  assert.equal(restart("no").restart, "no");
  assert.equal(restart('"no"').restart, "no");
  assert.equal(restart("false").restart, "no");
  assert.equal(restart("unless-stopped").restart, "unless-stopped");
  assert.equal(restart("always").restart, "always");
  const onFailure = restart("on-failure:5");
  assert.equal(onFailure.restart, "on-failure");
  assert.equal(onFailure.restartMaxRetries, 5);
  assert.equal(restart("on-failure").restartMaxRetries, undefined);
  oneError(
    parse(web("image: x\nrestart: always:3")),
    "4:14",
    "services.web.restart",
    /expected "no", "always", "on-failure"/,
  );
});

test("healthcheck: string test, list test, durations, retries, disable", () => {
  const shell = ok(
    parse(
      web(
        `image: x\nhealthcheck:\n  test: curl -f http://localhost\n  interval: 1m30s\n  timeout: 10s\n  start_period: 500ms\n  retries: 3`,
      ),
    ),
  );
  assert.deepEqual(shell.healthcheck, {
    test: ["CMD-SHELL", "curl -f http://localhost"],
    intervalMs: 90_000,
    timeoutMs: 10_000,
    startPeriodMs: 500,
    retries: 3,
  });
  const list = ok(parse(web(`image: x\nhealthcheck:\n  test: ["CMD", "pg_isready", "-U", "app"]`)));
  assert.deepEqual(list.healthcheck, { test: ["CMD", "pg_isready", "-U", "app"] });
  const disabled = ok(parse(web(`image: x\nhealthcheck:\n  disable: true\n  interval: 5s`)));
  assert.deepEqual(disabled.healthcheck, { test: ["NONE"] });
  const inherit = ok(parse(web(`image: x\nhealthcheck:\n  interval: 5s`)));
  assert.deepEqual(inherit.healthcheck, { test: [], intervalMs: 5000 });
  oneError(
    parse(web(`image: x\nhealthcheck:\n  test: ["curl", "x"]`)),
    "5:13",
    "services.web.healthcheck.test",
    /a list starting with "CMD"/,
  );
  oneError(
    parse(web(`image: x\nhealthcheck:\n  timeout: 10`)),
    "5:16",
    "services.web.healthcheck.timeout",
    /a duration like "30s"/,
  );
});

test("logging with driver and options", () => {
  const spec = ok(
    parse(
      web(`image: x\nlogging:\n  driver: local\n  options:\n    max-size: 10m\n    max-file: 3`),
    ),
  );
  assert.deepEqual(spec.logging, {
    driver: "local",
    options: { "max-size": "10m", "max-file": "3" },
  });
});

test("dns and extra_hosts in their string, list and map forms", () => {
  const spec = ok(
    parse(web(`image: x\ndns: 1.1.1.1\nextra_hosts: ["db:10.0.0.2", "cache=10.0.0.3", "v6:::1"]`)),
  );
  assert.deepEqual(spec.dns, ["1.1.1.1"]);
  assert.deepEqual(spec.extraHosts, ["db:10.0.0.2", "cache:10.0.0.3", "v6:::1"]);
  const map = ok(
    parse(
      web(
        `image: x\ndns: [8.8.8.8, 8.8.4.4]\nextra_hosts:\n  db: 10.0.0.2\n  multi: [10.0.0.4, 10.0.0.5]`,
      ),
    ),
  );
  assert.deepEqual(map.dns, ["8.8.8.8", "8.8.4.4"]);
  assert.deepEqual(map.extraHosts, ["db:10.0.0.2", "multi:10.0.0.4", "multi:10.0.0.5"]);
});

test("null values mean 'not set'", () => {
  const spec = ok(parse(web(`image: x\ncommand:\nenvironment:\nports:\nmem_limit:`)));
  assert.equal(spec.command, undefined);
  assert.deepEqual(spec.environment, {});
  assert.equal(spec.memLimit, undefined);
});

test("YAML anchors and merge keys are followed", () => {
  const text = `x-base: &base
  restart: unless-stopped
  environment: { SHARED: "1" }
services:
  web:
    <<: *base
    image: nginx
    restart: "no"
  api:
    <<: [*base]
    image: api`;
  const out = parse(text);
  assert.equal(ok(out, "web").restart, "no");
  assert.deepEqual(ok(out, "web").environment, { SHARED: "1" });
  assert.equal(ok(out, "api").restart, "unless-stopped");
});
