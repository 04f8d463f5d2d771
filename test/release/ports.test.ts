import assert from "node:assert/strict";
import { test } from "node:test";
import { parseShortPort } from "../../src/release/parse-ports.ts";
import { ok, oneError, parse, web } from "./helpers.ts";

test("short ports: container only, host:container, ip:host:container, protocol", () => {
  assert.deepEqual(parseShortPort("80"), [{ target: 80, protocol: "tcp" }]);
  assert.deepEqual(parseShortPort("8080:80"), [{ target: 80, published: 8080, protocol: "tcp" }]);
  assert.deepEqual(parseShortPort("127.0.0.1:8080:80/udp"), [
    { target: 80, published: 8080, hostIp: "127.0.0.1", protocol: "udp" },
  ]);
  assert.deepEqual(parseShortPort("127.0.0.1::80"), [
    { target: 80, hostIp: "127.0.0.1", protocol: "tcp" },
  ]);
  assert.deepEqual(parseShortPort("[::1]:53:53/udp"), [
    { target: 53, published: 53, hostIp: "::1", protocol: "udp" },
  ]);
});

test("short ports: equal-size ranges expand to one mapping per port", () => {
  assert.deepEqual(parseShortPort("8000-8001:80-81"), [
    { target: 80, published: 8000, protocol: "tcp" },
    { target: 81, published: 8001, protocol: "tcp" },
  ]);
  assert.deepEqual(parseShortPort("3000-3001"), [
    { target: 3000, protocol: "tcp" },
    { target: 3001, protocol: "tcp" },
  ]);
});

test("short ports: invalid forms say why", () => {
  assert.match(parseShortPort("99999:80") as string, /not a port/);
  assert.match(parseShortPort("8080:80/sctp") as string, /not tcp or udp/);
  assert.match(parseShortPort("8000-8005:80") as string, /differ in size/);
  assert.match(parseShortPort("a:b:c:d") as string, /not a port mapping/);
  assert.match(parseShortPort("http") as string, /not a port/);
});

test("ports in compose: numbers, strings and the long form", () => {
  const spec = ok(
    parse(
      web(`
image: nginx
ports:
  - 80
  - "443:443"
  - target: 53
    published: "5353"
    protocol: udp
    host_ip: 0.0.0.0
    mode: host
expose: [3000, "4000/udp", "5000-5001"]`),
    ),
  );
  assert.deepEqual(spec.ports, [
    { target: 80, protocol: "tcp" },
    { target: 443, published: 443, protocol: "tcp" },
    { target: 53, published: 5353, hostIp: "0.0.0.0", protocol: "udp" },
  ]);
  assert.deepEqual(spec.expose, ["3000", "4000/udp", "5000-5001"]);
});

test("a bad port names file:line:column and what is accepted", () => {
  oneError(
    parse(web(`image: nginx\nports: ["8080:80", "80:99999"]`)),
    "4:24",
    "services.web.ports[1]",
    /is not a port.*expected a port like "80", "8080:80"/,
  );
});

test("a long-form port needs target", () => {
  oneError(
    parse(web(`image: nginx\nports:\n  - published: 80`)),
    "5:9",
    "services.web.ports[0]",
    /needs `target`/,
  );
});

test("an invalid expose entry is an error", () => {
  oneError(
    parse(web(`image: nginx\nexpose: ["http"]`)),
    "4:14",
    "services.web.expose[0]",
    /expected a port like "3000"/,
  );
});
