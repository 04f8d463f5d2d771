import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  formatFinding,
  parseLocatedJson,
  validateConfigJson,
} from "../../src/guards/config-json.ts";

const FILE = "/mnt/boot/config.json";
const lines = (text: string) => validateConfigJson(text, FILE).findings.map(formatFinding);

const VALID = `{
  "uuid": "0123456789abcdef0123456789abcdef",
  "deviceType": "raspberrypi4-64",
  "hostname": "gate-7",
  "persistentLogging": false,
  "applicationId": 1234,
  "apiEndpoint": "https://api.fleet.example",
  "deltaEndpoint": "https://delta.fleet.example",
  "registryEndpoint": "registry.fleet.example",
  "listenPort": 48484,
  "ntpServers": "0.pool.ntp.org 1.pool.ntp.org",
  "dnsServers": "1.1.1.1",
  "country": "DE",
  "os": {
    "network": {
      "connectivity": { "uri": "https://api.fleet.example/connectivity-check", "interval": 3600 },
      "wifi": { "randomMacAddressScan": false }
    },
    "udevRules": { "64": "ACTION==\\"add\\", SUBSYSTEM==\\"tty\\", SYMLINK+=\\"modem\\"" },
    "sshKeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA user@laptop"]
  }
}
`;

describe("config.json: valid", () => {
  test("a full balenaOS-style config has no findings and comes back typed", () => {
    const r = validateConfigJson(VALID, FILE);
    assert.deepEqual(r.findings, []);
    assert.equal(r.ok, true);
    assert.equal(r.config?.listenPort, 48484);
    assert.equal(r.config?.os?.sshKeys?.length, 1);
  });
  test("an empty object is valid (every key is optional)", () => {
    assert.equal(validateConfigJson("{}\n", FILE).ok, true);
  });
});

describe("config.json: wrong types are errors at file:line:column of the value", () => {
  test("top-level and nested keys", () => {
    const text = `{
  "listenPort": "48484",
  "persistentLogging": "yes",
  "os": {
    "sshKeys": ["ssh-rsa AAAAB3 a@b", 42],
    "network": { "connectivity": { "uri": "ftp://x" } }
  }
}`;
    const r = validateConfigJson(text, FILE);
    assert.equal(r.ok, false);
    assert.equal(r.config, undefined);
    assert.deepEqual(lines(text), [
      `${FILE}:2:17: error: listenPort: expected number, received string`,
      `${FILE}:3:24: error: persistentLogging: expected boolean, received string`,
      `${FILE}:5:39: error: os.sshKeys[1]: expected string, received number`,
      `${FILE}:6:43: error: os.network.connectivity.uri: expected an http(s) URL`,
    ]);
  });
  test("value rules: uuid, port range, hostname", () => {
    const text = '{"uuid": "XYZ", "listenPort": 70000, "hostname": "-bad-"}';
    assert.deepEqual(lines(text), [
      `${FILE}:1:10: error: uuid: expected 32 or 62 lowercase hex digits`,
      `${FILE}:1:31: error: listenPort: Too big: expected number to be <=65535`,
      `${FILE}:1:50: error: hostname: expected a host name label (RFC 1123)`,
    ]);
  });
  test("dnsServers must be IP addresses (or the word null)", () => {
    assert.deepEqual(lines('{"dnsServers": "1.1.1.1 dns.google"}'), [
      `${FILE}:1:16: error: dnsServers: expected space-separated IP addresses, or "null"`,
    ]);
    assert.deepEqual(lines('{"dnsServers": "null"}'), []);
    assert.deepEqual(lines('{"dnsServers": "1.1.1.1 2606:4700::1111"}'), []);
  });
  test("the connectivity interval may be a number or a numeric string", () => {
    const conf = (v: string) => `{"os": {"network": {"connectivity": {"interval": ${v}}}}}`;
    assert.deepEqual(lines(conf("3600")), []);
    assert.deepEqual(lines(conf('"3600"')), []);
    assert.equal(validateConfigJson(conf('"soon"'), FILE).ok, false);
  });
  test("the root must be an object", () => {
    assert.deepEqual(lines("[1]"), [`${FILE}:1:1: error: expected object, received array`]);
  });
  test("an array is not an object, nor a record", () => {
    assert.deepEqual(lines('{"os": [], "deviceApiKeys": []}'), [
      `${FILE}:1:8: error: os: expected object, received array`,
      `${FILE}:1:29: error: deviceApiKeys: expected object, received array`,
    ]);
  });
});

describe("config.json: unknown and duplicate keys are warnings", () => {
  test("unknown keys at any depth, pointing at the key", () => {
    const text =
      '{\n  "uuid": "0123456789abcdef0123456789abcdef",\n  "futureKey": 1,\n  "os": { "newThing": true }\n}';
    const r = validateConfigJson(text, FILE);
    assert.equal(r.ok, true);
    assert.equal(r.config?.futureKey, 1);
    assert.deepEqual(lines(text), [
      `${FILE}:3:3: warning: futureKey: unknown key`,
      `${FILE}:4:11: warning: os.newThing: unknown key`,
    ]);
  });
  test("keys named like Object.prototype members are unknown too, and checked in records", () => {
    const text =
      '{"constructor": 1,\n "os": {"prototype": 2},\n "deviceApiKeys": {"__proto__": 3}}';
    assert.deepEqual(lines(text), [
      `${FILE}:1:2: warning: constructor: unknown key`,
      `${FILE}:2:9: warning: os.prototype: unknown key`,
      `${FILE}:3:33: error: deviceApiKeys.__proto__: expected string, received number`,
    ]);
  });
  test("duplicate key", () => {
    assert.deepEqual(lines('{"hostname": "a",\n "hostname": "b"}'), [
      `${FILE}:2:2: warning: hostname: duplicate key; the last one wins`,
    ]);
  });
});

describe("config.json: syntax errors name the line and column", () => {
  const cases: [string, string][] = [
    ['{\n  "a": 1,\n}', "3:1: error: trailing comma before '}'"],
    ['{\n  "a" 1\n}', "2:7: error: expected ':' after the key, found '1'"],
    [
      '{\n  "a": 1\n  "b": 2\n}',
      `3:3: error: expected ',' or '}' after the value of "a", found '"'`,
    ],
    ['{"a": "x', "1:7: error: unterminated string"],
    ["{'a': 1}", "1:2: error: expected a double-quoted key, found '''"],
    ['{"a": tru}', "1:7: error: expected a value, found 't'"],
    ['{"a": 01}', `1:8: error: expected ',' or '}' after the value of "a", found '1'`],
    ['{"a": 1} x', "1:10: error: unexpected 'x' after the end of the document"],
    ["", "1:1: error: expected a value, found end of file"],
    ['\uFEFF{"a": 1}', "1:1: error: byte order mark at the start of the file"],
    ['{"a": [1, 2,]}', "1:13: error: trailing comma before ']'"],
    ['{"a": "\\x"}', "1:8: error: bad escape '\\x'"],
  ];
  for (const [text, expected] of cases)
    test(JSON.stringify(text), () => assert.deepEqual(lines(text), [`${FILE}:${expected}`]));
});

describe("the located parser agrees with JSON.parse", () => {
  const samples = [
    VALID,
    '{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {"c": {}}, "d": []}',
    '  "just a string"  ',
    "-0",
    '{"__proto__": {"x": 1}}',
  ];
  for (const s of samples)
    test(s.slice(0, 40), () => assert.deepEqual(parseLocatedJson(s).value, JSON.parse(s)));
  test('"__proto__" stays an own key', () => {
    const v = parseLocatedJson('{"__proto__": {"x": 1}}').value as object;
    assert.ok(Object.hasOwn(v, "__proto__"));
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });
});
