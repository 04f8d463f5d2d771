import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DockerHostError,
  formatAddress,
  parseDockerHost,
} from "../../../src/engine/api/docker-host.ts";

test("unix:// and bare paths are unix sockets", () => {
  assert.deepEqual(parseDockerHost("unix:///var/run/docker.sock"), {
    kind: "unix",
    socketPath: "/var/run/docker.sock",
  });
  assert.deepEqual(parseDockerHost("/run/balena-engine.sock"), {
    kind: "unix",
    socketPath: "/run/balena-engine.sock",
  });
  assert.deepEqual(parseDockerHost("  unix:///x.sock\n"), { kind: "unix", socketPath: "/x.sock" });
});

test("tcp:// and http:// are plain TCP, port 2375 by default, IPv6 unbracketed", () => {
  assert.deepEqual(parseDockerHost("tcp://10.0.0.2:2376"), {
    kind: "tcp",
    host: "10.0.0.2",
    port: 2376,
  });
  assert.deepEqual(parseDockerHost("tcp://engine.local"), {
    kind: "tcp",
    host: "engine.local",
    port: 2375,
  });
  assert.deepEqual(parseDockerHost("http://127.0.0.1:80/"), {
    kind: "tcp",
    host: "127.0.0.1",
    port: 80,
  });
  assert.deepEqual(parseDockerHost("tcp://[::1]:2375"), { kind: "tcp", host: "::1", port: 2375 });
});

test("TLS, ssh, relative sockets, paths and garbage are refused with the reason", () => {
  const refused: [string, RegExp][] = [
    ["https://10.0.0.2:2376", /https:\/\/ is not supported/],
    ["ssh://pi@device", /ssh:\/\/ is not supported/],
    ["unix://relative.sock", /absolute path/],
    ["tcp://10.0.0.2:2375/v1.41", /takes no path/],
    ["docker.sock", /not a unix:\/\/ or tcp:\/\/ address/],
    ["", /empty/],
  ];
  for (const [host, why] of refused) {
    assert.throws(
      () => parseDockerHost(host),
      (e: unknown) => e instanceof DockerHostError && why.test(e.message) && e.dockerHost === host,
      host,
    );
  }
});

test("formatAddress gives back a DOCKER_HOST form", () => {
  assert.equal(formatAddress(parseDockerHost("/x.sock")), "unix:///x.sock");
  assert.equal(formatAddress(parseDockerHost("tcp://h")), "tcp://h:2375");
  assert.equal(formatAddress(parseDockerHost("tcp://[fe80::1]:9")), "tcp://[fe80::1]:9");
});
