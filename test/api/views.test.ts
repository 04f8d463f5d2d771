// Pure pieces: balena status words, /v1/device in its states, the container env.
import assert from "node:assert/strict";
import { test } from "node:test";
import { supervisorEnv, wantsSupervisorApi } from "../../src/api/supervisor-env.ts";
import { deviceV1, serviceNumber, serviceStatusWord } from "../../src/api/views.ts";
import type { ServiceStatus } from "../../src/reconcile/status.ts";
import { snapshot } from "./fake.ts";

const HOST = { ipAddresses: ["10.0.0.2"], osVersion: undefined };

test("supervisorEnv: balena's four variables and their RESIN_ spellings", () => {
  assert.deepEqual(supervisorEnv({ address: "10.114.104.1", port: 48484, apiKey: "k" }), {
    BALENA_SUPERVISOR_ADDRESS: "http://10.114.104.1:48484",
    RESIN_SUPERVISOR_ADDRESS: "http://10.114.104.1:48484",
    BALENA_SUPERVISOR_HOST: "10.114.104.1",
    RESIN_SUPERVISOR_HOST: "10.114.104.1",
    BALENA_SUPERVISOR_PORT: "48484",
    RESIN_SUPERVISOR_PORT: "48484",
    BALENA_SUPERVISOR_API_KEY: "k",
    RESIN_SUPERVISOR_API_KEY: "k",
  });
  assert.equal(
    supervisorEnv({ address: "fd00::1", port: 1, apiKey: "k" }).BALENA_SUPERVISOR_ADDRESS,
    "http://[fd00::1]:1",
  );
  assert.equal(wantsSupervisorApi({ features: ["supervisor-api"] }), true);
  assert.equal(wantsSupervisorApi({ features: ["balena-socket"] }), false);
});

test("serviceNumber is stable, positive and 31-bit", () => {
  const n = serviceNumber("demo", "web");
  assert.equal(n, serviceNumber("demo", "web"));
  assert.notEqual(n, serviceNumber("demo", "db"));
  assert.ok(n > 0 && n < 2 ** 31);
});

test("service status words", () => {
  const s = snapshot();
  const svc = (over: Partial<ServiceStatus>): ServiceStatus => ({
    service: "web",
    image: "web:2",
    state: "running",
    outdated: false,
    ...over,
  });
  assert.equal(serviceStatusWord(svc({}), s), "Running");
  assert.equal(serviceStatusWord(svc({ state: "created" }), s), "Installed");
  assert.equal(serviceStatusWord(svc({ state: "exited" }), s), "exited");
  assert.equal(serviceStatusWord(svc({ state: "missing" }), s), "Installing");
  const stopped = { ...s, stoppedServices: ["web"] };
  assert.equal(serviceStatusWord(svc({ state: "exited" }), stopped), "Stopped");
  const fetching = { ...s, downloads: { web: 30 } };
  assert.equal(serviceStatusWord(svc({ state: "missing" }), fetching), "Downloading");
  assert.equal(serviceStatusWord(svc({ outdated: true }), fetching), "Downloading");
});

test("/v1/device: pending, downloaded, failed", () => {
  const base = snapshot();
  const applying = { ...base, status: { ...base.status, overall: "applying" as const } };
  assert.deepEqual(
    pick(deviceV1(applying, 48484, HOST)),
    { update_pending: true, update_downloaded: false, update_failed: false, status: "Installing" },
    "no download figures: not known to be downloaded",
  );
  assert.deepEqual(pick(deviceV1({ ...applying, downloads: { web: 100 } }, 48484, HOST)), {
    update_pending: true,
    update_downloaded: true,
    update_failed: false,
    status: "Installing",
  });
  const failed = { ...base, status: { ...base.status, overall: "failed" as const } };
  assert.deepEqual(pick(deviceV1(failed, 48484, HOST)), {
    update_pending: true,
    update_downloaded: false,
    update_failed: true,
    status: "Installing",
  });
  assert.equal(deviceV1(base, 48484, HOST).os_version, null);
});

function pick(d: ReturnType<typeof deviceV1>) {
  const { update_pending, update_downloaded, update_failed, status } = d;
  return { update_pending, update_downloaded, update_failed, status };
}
