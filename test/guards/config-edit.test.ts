import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  getPath,
  parseCliValue,
  parseKeyPath,
  renderLike,
  setPath,
} from "../../src/guards/config-json-edit.ts";
import { lookupTxt, setTxt } from "../../src/guards/config-txt-edit.ts";
import { parseConfigTxt, serializeConfigTxt } from "../../src/guards/config-txt.ts";
import { changedText } from "../../src/guards/config-file.ts";

describe("config.json edit", () => {
  test("key paths", () => {
    assert.deepEqual(parseKeyPath("hostname"), ["hostname"]);
    assert.deepEqual(parseKeyPath("os.network.connectivity.uri"), [
      "os",
      "network",
      "connectivity",
      "uri",
    ]);
    assert.deepEqual(parseKeyPath("os.sshKeys[1]"), ["os", "sshKeys", 1]);
    for (const bad of ["", ".a", "a.", "a..b", "a[x]", "a[1]b", "[0"])
      assert.throws(() => parseKeyPath(bad), { code: "EV_USAGE" }, bad);
  });

  test("get", () => {
    const doc = { os: { sshKeys: ["k0", "k1"] }, n: null };
    assert.deepEqual(getPath(doc, ["os", "sshKeys", 1]), { found: true, value: "k1" });
    assert.deepEqual(getPath(doc, ["n"]), { found: true, value: null });
    assert.deepEqual(getPath(doc, ["os", "sshKeys", 2]), { found: false });
    assert.deepEqual(getPath(doc, ["os", "x"]), { found: false });
    assert.deepEqual(getPath(doc, ["toString"]), { found: false });
  });

  test("values: JSON when it parses, else the string", () => {
    assert.equal(parseCliValue("42"), 42);
    assert.equal(parseCliValue("true"), true);
    assert.deepEqual(parseCliValue('["a"]'), ["a"]);
    assert.equal(parseCliValue('"42"'), "42");
    assert.equal(parseCliValue("https://x"), "https://x");
  });

  test("set creates missing objects, keeps key order, refuses scalars as parents", () => {
    const doc = { a: 1, os: { sshKeys: ["k"] }, z: 2 };
    assert.deepEqual(setPath(doc, ["os", "network", "wifi", "randomMacAddressScan"], true), {
      a: 1,
      os: { sshKeys: ["k"], network: { wifi: { randomMacAddressScan: true } } },
      z: 2,
    });
    assert.deepEqual(setPath(doc, ["os", "sshKeys", 1], "k2"), {
      a: 1,
      os: { sshKeys: ["k", "k2"] },
      z: 2,
    });
    assert.deepEqual(doc, { a: 1, os: { sshKeys: ["k"] }, z: 2 }, "the input is not changed");
    assert.throws(() => setPath(doc, ["a", "b"], 1), /cannot set a\.b: the parent is a number/);
    assert.throws(() => setPath(doc, ["os", "sshKeys", 5], "x"), /past the end/);
  });

  test("a __proto__ key stays a plain key", () => {
    const out = setPath(JSON.parse('{"__proto__": {"x": 1}}'), ["__proto__", "y"], 2);
    assert.equal(JSON.stringify(out), '{"__proto__":{"x":1,"y":2}}');
  });

  test("the layout style of the original is kept", () => {
    const doc = { a: 1, b: [true] };
    assert.equal(renderLike('{"a":0}', doc), '{"a":1,"b":[true]}');
    assert.equal(renderLike('{"a":0}\n', doc), '{"a":1,"b":[true]}\n');
    assert.equal(
      renderLike('{\n    "a": 0\n}\n', doc),
      '{\n    "a": 1,\n    "b": [\n        true\n    ]\n}\n',
    );
    assert.equal(renderLike('{\r\n\t"a": 0\r\n}\r\n', { a: 1 }), '{\r\n\t"a": 1\r\n}\r\n');
  });

  test("changedText validates the result with file:line:column", () => {
    const text = '{\n  "hostname": "dev",\n  "listenPort": 48484\n}\n';
    assert.equal(
      changedText("json", text, "/boot/config.json", "listenPort", "8080"),
      '{\n  "hostname": "dev",\n  "listenPort": 8080\n}\n',
    );
    assert.throws(
      () => changedText("json", text, "/boot/config.json", "listenPort", "70000"),
      (e: Error & { code: string }) => {
        assert.equal(e.code, "EV_CONFIG_INVALID");
        assert.equal(
          e.message,
          "refused, the result would be invalid: /boot/config.json: 1 error\n  /boot/config.json:3:17: error: listenPort: Too big: expected number to be <=65535",
        );
        return true;
      },
    );
    assert.throws(() => changedText("json", "{,", "c.json", "a", "1"), {
      code: "EV_CONFIG_INVALID",
      message: /^cannot change a file that is not JSON: c\.json: 1 error\n {2}c\.json:1:2: error: /,
    });
  });
});

const TXT = `# comment
disable_overscan=1
gpu_mem=64

[pi4]
dtoverlay=vc4-kms-v3d
dtparam=audio=on,spi

[all]
dtparam=i2c_arm=on
gpu_mem=96
`;

const set = (text: string, key: string, value: string, section?: string) =>
  serializeConfigTxt(setTxt(parseConfigTxt(text), key, value, section));

describe("config.txt edit", () => {
  test("lookups by key, dtoverlay, dtparam and a parameter name", () => {
    const m = parseConfigTxt(TXT);
    assert.deepEqual(
      lookupTxt(m, "gpu_mem").map((x) => [x.line, x.section, x.value]),
      [
        [3, "all", "64"],
        [11, "all", "96"],
      ],
    );
    assert.deepEqual(
      lookupTxt(m, "dtoverlay").map((x) => x.text),
      ["dtoverlay=vc4-kms-v3d"],
    );
    // Both dtparam lines follow the overlay: they set its parameters, not the base tree's.
    assert.deepEqual(
      lookupTxt(m, "dtparam").map((x) => [x.value, x.overlay]),
      [
        ["audio=on,spi", "vc4-kms-v3d"],
        ["i2c_arm=on", "vc4-kms-v3d"],
      ],
    );
    assert.deepEqual(lookupTxt(m, "dtparam.spi"), []);
    assert.deepEqual(
      lookupTxt(parseConfigTxt("dtparam=spi,audio=off\ndtoverlay=x\n"), "dtparam.spi").map((x) => [
        x.section,
        x.value,
      ]),
      [["all", "on"]],
    );
    assert.deepEqual(lookupTxt(m, "dtoverlay.nope"), []);
    assert.deepEqual(lookupTxt(m, "nope"), []);
  });

  test("a setting is replaced in its section only; other lines stay byte for byte", () => {
    assert.equal(set(TXT, "gpu_mem", "128"), TXT.replace("=64", "=128").replace("=96", "=128"));
    assert.equal(set(TXT, "disable_overscan", "0"), TXT.replace("overscan=1", "overscan=0"));
  });

  test("a new setting goes after the last line of its section", () => {
    assert.equal(set(TXT, "arm_64bit", "1"), `${TXT}arm_64bit=1\n`);
    assert.equal(
      set(TXT, "arm_boost", "1", "pi4"),
      TXT.replace("audio=on,spi\n", "audio=on,spi\narm_boost=1\n"),
    );
    assert.equal(set(TXT, "arm_boost", "1", "pi5"), `${TXT}[pi5]\narm_boost=1\n`);
    assert.equal(set("[pi4]\nx=1\n", "y", "2"), "[pi4]\nx=1\n[all]\ny=2\n");
  });

  test("line endings and a missing final newline are kept", () => {
    assert.equal(set("a=1\r\nb=2", "c", "3"), "a=1\r\nb=2\r\nc=3");
    assert.equal(set("a=1\r\nb=2\r\n", "a", "5"), "a=5\r\nb=2\r\n");
    assert.equal(set("", "a", "1"), "a=1\n");
  });

  test("dtoverlay: the same overlay is replaced, a new one added", () => {
    assert.equal(
      set(TXT, "dtoverlay", "vc4-kms-v3d,cma-256", "pi4"),
      TXT.replace("dtoverlay=vc4-kms-v3d\n", "dtoverlay=vc4-kms-v3d,cma-256\n"),
    );
    assert.equal(set(TXT, "dtoverlay", "disable-bt"), `${TXT}dtoverlay=disable-bt\n`);
    assert.equal(
      set(TXT, "dtoverlay.gpio-fan", "gpiopin=14"),
      `${TXT}dtoverlay=gpio-fan,gpiopin=14\n`,
    );
  });

  test("dtparam: base parameters updated where they are", () => {
    const base = "dtparam=audio=on,spi\n# display\ndtoverlay=vc4-kms-v3d\ndtparam=audio=on\n";
    assert.equal(
      set(base, "dtparam", "audio=off"),
      base.replace("dtparam=audio=on,spi", "dtparam=audio=off,spi"),
    );
    assert.equal(set(base, "dtparam.spi", "off"), base.replace(",spi\n", ",spi=off\n"));
  });

  test("dtparam: new base parameters go where the base device tree is in effect", () => {
    // In TXT every dtparam follows the overlay: the new line goes above it.
    assert.equal(
      set(TXT, "dtparam", "i2c_arm=off,spi=on"),
      TXT.replace("gpu_mem=64\n", "gpu_mem=64\ndtparam=i2c_arm=off,spi=on\n"),
    );
    assert.equal(
      set(TXT, "dtparam", "audio=off", "pi4"),
      TXT.replace("[pi4]\n", "[pi4]\ndtparam=audio=off\n"),
    );
    assert.equal(
      set("dtoverlay=x\ndtparam=p=1\n", "dtparam.a", "1"),
      "dtparam=a=1\ndtoverlay=x\ndtparam=p=1\n",
    );
    // No base place in the section: a new section, back to the base tree with "dtoverlay=".
    assert.equal(
      set("[pi4]\ndtoverlay=x\n", "dtparam", "a=1"),
      "[pi4]\ndtoverlay=x\n[all]\ndtoverlay=\ndtparam=a=1\n",
    );
  });

  test("an edit that would move a dtparam to another overlay is refused", () => {
    assert.throws(() => set("dtoverlay=a\n[pi4]\ndtparam=x=1\n", "dtoverlay", "b"), {
      code: "EV_USAGE",
      message: "the change would make line 3 (dtparam=x=1) apply to b instead of a",
    });
  });

  test("an overlay that appears twice in the section cannot be set", () => {
    assert.throws(
      () =>
        set(
          "dtoverlay=gpio-key,gpio=3\ndtoverlay=gpio-key,gpio=4\n",
          "dtoverlay",
          "gpio-key,gpio=5",
        ),
      {
        code: "EV_USAGE",
        message:
          "dtoverlay gpio-key appears 2 times under [all] (lines 1, 2): set cannot tell which one to change",
      },
    );
  });

  test("malformed keys and values are refused", () => {
    assert.throws(() => set(TXT, "bad key", "1"), { code: "EV_USAGE" });
    assert.throws(() => set(TXT, "a", "1\nreboot=1"), { code: "EV_USAGE" });
    assert.throws(() => set(TXT, "dtparam", "a,,b"), {
      code: "EV_CONFIG_INVALID",
      message: 'dtparam "a,,b": empty parameter (two commas in a row?)',
    });
    assert.throws(() => set(TXT, "dtoverlay", ",x"), { code: "EV_CONFIG_INVALID" });
  });

  test("changedText refuses a result with errors and names the line", () => {
    assert.throws(() => changedText("txt", "[pi4\nx=1\n", "config.txt", "y", "2"), {
      code: "EV_CONFIG_INVALID",
      message:
        "refused, the result would be invalid: config.txt: 1 error\n  config.txt:1:1: error: section filter without a closing ']'",
    });
  });
});
