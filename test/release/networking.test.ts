// network_mode, networks, the default network, top-level networks.
import assert from "node:assert/strict";
import { test } from "node:test";
import { errors, ok, oneError, parse } from "./helpers.ts";

test("network_mode host, none, bridge, service:X; no default network for them", () => {
  for (const mode of ["host", "none", "bridge"]) {
    const out = parse(`services:\n  web:\n    image: x\n    network_mode: ${mode}`);
    const spec = ok(out);
    assert.equal(spec.networkMode, mode);
    assert.deepEqual(spec.networks, {});
    assert.deepEqual(out.release.networks, {});
  }
  const out = parse(
    `services:\n  vpn:\n    image: vpn\n  web:\n    image: x\n    network_mode: service:vpn`,
  );
  assert.equal(ok(out).networkMode, "service:vpn");
  assert.deepEqual(Object.keys(out.release.networks), ["default"]);
});

test("network_mode: service:X must name a service; unknown modes are errors", () => {
  oneError(
    parse(`services:\n  web:\n    image: x\n    network_mode: service:ghost`),
    "4:19",
    "services.web.network_mode",
    /service "ghost" is not declared/,
  );
  oneError(
    parse(`services:\n  web:\n    image: x\n    network_mode: mynet`),
    "4:19",
    "services.web.network_mode",
    /expected "host", "none", "bridge", "service:<name>"/,
  );
});

test("networks as a list and as a map with aliases and ipv4_address", () => {
  const text = `services:
  web:
    image: x
    networks: [frontend, backend]
  db:
    image: db
    networks:
      backend:
        aliases: [database, pg]
        ipv4_address: 172.28.0.10
networks:
  frontend:
  backend:
    driver: bridge
    internal: true
    driver_opts: { com.docker.network.bridge.name: br-back }
    labels: [tier=data]
    ipam:
      config:
        - subnet: 172.28.0.0/16
          gateway: 172.28.0.1`;
  const out = parse(text);
  assert.deepEqual(ok(out).networks, { frontend: { aliases: [] }, backend: { aliases: [] } });
  assert.deepEqual(ok(out, "db").networks, {
    backend: { aliases: ["database", "pg"], ipv4Address: "172.28.0.10" },
  });
  assert.deepEqual(out.release.networks.backend, {
    name: "backend",
    driver: "bridge",
    driverOpts: { "com.docker.network.bridge.name": "br-back" },
    labels: { tier: "data" },
    internal: true,
    ipam: { subnet: "172.28.0.0/16", gateway: "172.28.0.1" },
  });
  assert.equal(out.release.networks.default, undefined, "no service uses the default network");
});

test("the default network may be listed explicitly or declared with settings", () => {
  const out = parse(
    `services:\n  web:\n    image: x\n    networks: [default]\nnetworks:\n  default:\n    driver_opts: { mtu: "1400" }`,
  );
  assert.deepEqual(ok(out).networks, { default: { aliases: [] } });
  assert.deepEqual(out.release.networks.default?.driverOpts, { mtu: "1400" });
});

test("an undeclared network and networks together with network_mode are errors", () => {
  oneError(
    parse(`services:\n  web:\n    image: x\n    networks: [nope]`),
    "4:16",
    "services.web.networks[0]",
    /network "nope" is not declared under top-level networks/,
  );
  oneError(
    parse(`services:\n  web:\n    image: x\n    network_mode: host\n    networks: [default]`),
    "5:15",
    "services.web.networks",
    /cannot be combined with `network_mode`/,
  );
});

test("bad ipv4 addresses and subnets are errors", () => {
  const out = parse(`services:
  web:
    image: x
    networks:
      n:
        ipv4_address: 300.1.1.1
networks:
  n:
    ipam:
      config:
        - subnet: 10.0.0.0/64`);
  assert.deepEqual(
    errors(out).map((e) => `${e.line}:${e.column} ${e.path}`),
    ["6:23 services.web.networks.n.ipv4_address", "11:19 networks.n.ipam.config[0].subnet"],
  );
});
