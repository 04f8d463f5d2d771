// volumes, tmpfs, devices.
import assert from "node:assert/strict";
import { test } from "node:test";
import { errors, ok, oneError, parse, web } from "./helpers.ts";

const DATA = "volumes:\n  data:\n  logs:\n";

test("short volumes: named, read-only, bind (relative, absolute, home)", () => {
  const spec = ok(
    parse(
      web(
        `image: x\nvolumes:\n  - data:/data\n  - logs:/var/log:ro\n  - ./conf:/etc/app:ro,z\n  - /dev/shm:/shm\n  - ../shared:/shared\n  - ~/cache:/cache`,
        DATA,
      ),
    ),
  );
  assert.deepEqual(spec.volumes, [
    { type: "volume", source: "data", target: "/data", readOnly: false },
    { type: "volume", source: "logs", target: "/var/log", readOnly: true },
    { type: "bind", source: "/srv/app/conf", target: "/etc/app", readOnly: true },
    { type: "bind", source: "/dev/shm", target: "/shm", readOnly: false },
    { type: "bind", source: "/srv/shared", target: "/shared", readOnly: false },
    { type: "bind", source: "/home/dev/cache", target: "/cache", readOnly: false },
  ]);
});

test("long volumes: volume, bind, tmpfs with size", () => {
  const spec = ok(
    parse(
      web(
        `image: x
volumes:
  - type: volume
    source: data
    target: /data
    read_only: true
    volume: { nocopy: true }
  - type: bind
    source: ./src
    target: /src
  - type: tmpfs
    target: /run/cache
    tmpfs:
      size: 64m`,
        DATA,
      ),
    ),
  );
  assert.deepEqual(spec.volumes, [
    { type: "volume", source: "data", target: "/data", readOnly: true },
    { type: "bind", source: "/srv/app/src", target: "/src", readOnly: false },
    { type: "tmpfs", target: "/run/cache", sizeBytes: 64 * 1024 ** 2 },
  ]);
});

test("tmpfs field: string and list with size option", () => {
  assert.deepEqual(ok(parse(web("image: x\ntmpfs: /run"))).volumes, [
    { type: "tmpfs", target: "/run" },
  ]);
  assert.deepEqual(ok(parse(web(`image: x\ntmpfs: ["/tmp:size=10m,mode=1777", /run]`))).volumes, [
    { type: "tmpfs", target: "/tmp", sizeBytes: 10 * 1024 ** 2 },
    { type: "tmpfs", target: "/run" },
  ]);
});

test("a named volume must be declared at top level", () => {
  oneError(
    parse(web("image: x\nvolumes: [data:/data]")),
    "4:15",
    "services.web.volumes[0]",
    /volume "data" is not declared under top-level volumes/,
  );
});

test("anonymous volumes are errors that say how to fix them", () => {
  oneError(
    parse(web("image: x\nvolumes: [/data]")),
    "4:15",
    "services.web.volumes[0]",
    /anonymous volume "\/data".*declare it under top-level volumes/,
  );
});

test("mount targets must be absolute and modes known", () => {
  oneError(
    parse(web("image: x\nvolumes: [data:data]", DATA)),
    "4:15",
    "services.web.volumes[0]",
    /must be an absolute path/,
  );
  oneError(
    parse(web("image: x\nvolumes: [data:/data:rx]", DATA)),
    "4:15",
    "services.web.volumes[0]",
    /unknown mount mode "rx"/,
  );
});

test("long form needs type and rejects unknown types", () => {
  oneError(
    parse(web("image: x\nvolumes:\n  - target: /x", DATA)),
    "5:9",
    "services.web.volumes[0]",
    /needs `type`/,
  );
  oneError(
    parse(web("image: x\nvolumes:\n  - type: npipe\n    target: /x", DATA)),
    "5:15",
    "services.web.volumes[0].type",
    /expected "volume", "bind" or "tmpfs"/,
  );
});

test("devices: short forms default permissions to rwm; long form", () => {
  const spec = ok(
    parse(
      web(`image: x
devices:
  - /dev/ttyUSB0
  - /dev/i2c-1:/dev/i2c-1
  - /dev/snd:/dev/snd:rw
  - source: /dev/video0
    target: /dev/cam
    permissions: r`),
    ),
  );
  assert.deepEqual(spec.devices, [
    { pathOnHost: "/dev/ttyUSB0", pathInContainer: "/dev/ttyUSB0", permissions: "rwm" },
    { pathOnHost: "/dev/i2c-1", pathInContainer: "/dev/i2c-1", permissions: "rwm" },
    { pathOnHost: "/dev/snd", pathInContainer: "/dev/snd", permissions: "rw" },
    { pathOnHost: "/dev/video0", pathInContainer: "/dev/cam", permissions: "r" },
  ]);
  oneError(
    parse(web("image: x\ndevices: [/dev/a:/dev/b:rwx]")),
    "4:15",
    "services.web.devices[0]",
    /absolute paths, permissions of r, w, m/,
  );
});

test("several mount errors are all reported", () => {
  const out = parse(web("image: x\nvolumes: [a:/a, b:/b, /c]"));
  assert.equal(errors(out).length, 3);
});
