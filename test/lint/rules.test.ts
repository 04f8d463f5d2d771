// Every rule against its fixtures: test/lint/fixtures/rules/<id>/fire must report exactly
// these locations, …/pass must report nothing for that rule.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { RULES } from "../../src/lint/index.ts";
import { findingsOf } from "./support.ts";

const FIRE: Record<string, string[]> = {
  "pin-base-image": [
    "Dockerfile.raspberrypi3:1:6",
    "Dockerfile.template:2:6",
    "Dockerfile.template:4:6",
  ],
  "pin-service-image": [
    "docker-compose.yml:10:12",
    "docker-compose.yml:4:12",
    "docker-compose.yml:7:12",
  ],
  "container-fs-write": [
    "app/Dockerfile:3:5",
    "app/app.py:3:11",
    "app/start.sh:2:25",
    "app/start.sh:3:9",
    "app/start.sh:4:25",
    "docker-compose.yml:7:7",
  ],
  "unrotated-log": [
    "app/app.py:3:30",
    "app/server.js:3:34",
    "app/start.sh:2:24",
    "app/start.sh:3:19",
  ],
  "flash-write-loop": ["logger.py:4:15", "sample.sh:3:18", "sample.sh:6:14"],
  "host-os-write": [
    "tweak/tweak.sh:3:1",
    "tweak/tweak.sh:4:29",
    "tweak/tweak.sh:5:20",
    "tweak/tweak.sh:6:1",
  ],
  "missing-mem-limit": ["docker-compose.yml:3:3", "docker-compose.yml:5:3"],
  "host-network-firewall": [
    "docker-compose.yml:8:9",
    "gw/firewall.sh:2:1",
    "gw/firewall.sh:3:1",
    "gw/firewall.sh:4:1",
  ],
  "clock-change": [
    "clock/start.sh:2:1",
    "clock/start.sh:3:1",
    "clock/start.sh:4:1",
    "clock/start.sh:5:1",
    "clock/sync.py:3:1",
    "docker-compose.yml:8:9",
  ],
  "systemd-over-dbus": [
    "ctl/start.sh:2:1",
    "ctl/start.sh:3:1",
    "ctl/start.sh:4:1",
    "ctl/units.py:4:26",
    "ctl/units.py:5:35",
  ],
  "device-reboot": [
    "watchdog/check.sh:13:1",
    "watchdog/check.sh:3:3",
    "watchdog/check.sh:9:5",
    "watchdog/index.js:8:15",
    "watchdog/power.py:9:5",
    "watchdog/watch.py:12:9",
  ],
  "supervisor-api-poll": [
    "poller/poll.js:6:21",
    "poller/poll.py:9:13",
    "poller/poll.sh:3:7",
    "poller/poll.sh:7:3",
  ],
  "container-connectivity": [
    "Dockerfile.template:2:1",
    "start.sh:2:1",
    "start.sh:3:1",
    "start.sh:4:56",
  ],
  "boot-config-write": ["start.sh:2:30", "start.sh:3:66", "start.sh:6:29", "tune.py:3:11"],
  "core-dumps": [
    "app/app.py:3:1",
    "app/start.sh:2:1",
    "app/start.sh:3:24",
    "docker-compose.yml:7:7",
    "docker-compose.yml:9:7",
  ],
  "compose-unsupported-field": [
    "docker-compose.yml:12:5",
    "docker-compose.yml:14:5",
    "docker-compose.yml:16:5",
    "docker-compose.yml:21:19",
    "docker-compose.yml:23:7",
    "docker-compose.yml:25:1",
    "docker-compose.yml:5:5",
    "docker-compose.yml:8:9",
    "docker-compose.yml:9:9",
  ],
};

describe("lint rules: fire and no-fire fixtures", () => {
  it("every rule has fixtures, expectations and a docs page", () => {
    for (const rule of RULES) {
      assert.ok(FIRE[rule.id], `no expectations for ${rule.id}`);
      assert.ok(
        existsSync(new URL(`./fixtures/rules/${rule.id}/fire`, import.meta.url)),
        `${rule.id}: fire fixture`,
      );
      assert.ok(
        existsSync(new URL(`./fixtures/rules/${rule.id}/pass`, import.meta.url)),
        `${rule.id}: pass fixture`,
      );
      assert.ok(
        existsSync(new URL(`../../docs/rules/${rule.id}.md`, import.meta.url)),
        `${rule.id}: docs page`,
      );
      assert.match(rule.id, /^[a-z]+(-[a-z]+)*$/);
    }
    assert.deepEqual(Object.keys(FIRE).sort(), RULES.map((r) => r.id).sort());
  });

  for (const rule of RULES) {
    it(`${rule.id} fires where expected`, async () => {
      assert.deepEqual(
        await findingsOf(rule.id, "rules", rule.id, "fire"),
        [...(FIRE[rule.id] ?? [])].sort(),
      );
    });
    it(`${rule.id} stays quiet on the pass fixture`, async () => {
      assert.deepEqual(await findingsOf(rule.id, "rules", rule.id, "pass"), []);
    });
  }
});
