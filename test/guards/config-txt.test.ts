import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatFinding } from "../../src/guards/config-json.ts";
import {
  parseConfigTxt,
  renderLine,
  serializeConfigTxt,
  validateConfigTxt,
} from "../../src/guards/config-txt.ts";

const FILE = "/mnt/boot/config.txt";
const findings = (text: string) => validateConfigTxt(text, FILE).findings.map(formatFinding);

const VALID = `# For more options and information see
# http://rpf.io/configtxt
disable_overscan=1
  # indented comment

[pi4]
dtoverlay=vc4-kms-v3d,cma-256
max_framebuffers=2
arm_64bit=1

[pi5]
dtoverlay=vc4-kms-v3d-pi5
[gpio4=1]
dtparam=audio=on,i2c_arm=on,spi
[HDMI:0]
hdmi_mode:0=16
[0x12345678]
include extra.txt
[all]
initramfs initramfs8 followkernel
dtoverlay=
gpu_mem=128
`;

describe("config.txt: parse", () => {
  test("a valid file has no findings and a model with line numbers", () => {
    const r = validateConfigTxt(VALID, FILE);
    assert.deepEqual(r.findings, []);
    assert.equal(r.ok, true);
    const byLine = (n: number) => r.model.lines.find((l) => l.line === n)!;
    assert.deepEqual(
      { ...byLine(7), raw: undefined },
      {
        kind: "dtoverlay",
        overlay: "vc4-kms-v3d",
        params: [{ name: "cma-256" }],
        line: 7,
        raw: undefined,
        eol: "\n",
      },
    );
    assert.deepEqual(byLine(14), {
      kind: "dtparam",
      params: [{ name: "audio", value: "on" }, { name: "i2c_arm", value: "on" }, { name: "spi" }],
      line: 14,
      raw: "dtparam=audio=on,i2c_arm=on,spi",
      eol: "\n",
    });
    assert.equal(byLine(6).kind, "section");
    assert.deepEqual(
      [byLine(18).kind, byLine(20).kind, byLine(21).kind],
      ["include", "initramfs", "dtoverlay"],
    );
    assert.deepEqual(byLine(16), {
      kind: "setting",
      key: "hdmi_mode:0",
      value: "16",
      line: 16,
      raw: "hdmi_mode:0=16",
      eol: "\n",
    });
  });
});

describe("config.txt: invalid lines are errors with file:line", () => {
  test("each malformed line, with its reason", () => {
    const text = [
      "gpu_mem=64", // 1
      "[pi4", // 2
      "just words", // 3
      "=5", // 4
      "dtparam=", // 5
      "dtparam=a,,b", // 6
      "dtoverlay=,x=1", // 7
      "initramfs initramfs8", // 8
      "initramfs initramfs8 later", // 9
      "include", // 10
      "my key=1", // 11
      "[]", // 12
    ].join("\n");
    assert.deepEqual(findings(text), [
      `${FILE}:2:1: error: section filter without a closing ']'`,
      `${FILE}:3:1: error: expected key=value, a [filter], include or initramfs`,
      `${FILE}:4:1: error: missing key before '='`,
      `${FILE}:5:1: error: dtparam without a parameter`,
      `${FILE}:6:1: error: empty parameter (two commas in a row?)`,
      `${FILE}:7:1: error: dtoverlay without an overlay name`,
      `${FILE}:8:1: error: initramfs takes a file name and an address (followkernel or 0x…)`,
      `${FILE}:9:1: error: initramfs address 'later' is neither followkernel nor 0x…`,
      `${FILE}:10:1: error: include takes exactly one file name`,
      `${FILE}:11:1: error: key 'my key' contains whitespace`,
      `${FILE}:12:1: error: empty section filter '[]'`,
    ]);
    assert.equal(validateConfigTxt(text, FILE).ok, false);
  });
  test("warnings: unknown filter, inline '#', spaces around '=', overlong line", () => {
    const text = `[pi9]\narm_64bit=1 # 64-bit\ngpu_mem = 128\ncmdline=${"x".repeat(100)}\n`;
    const r = validateConfigTxt(text, FILE);
    assert.equal(r.ok, true);
    assert.deepEqual(r.findings.map(formatFinding), [
      `${FILE}:1:1: warning: [pi9]: unknown section filter; the firmware skips what follows until the next filter`,
      `${FILE}:2:13: warning: arm_64bit: '#' after a value is not a comment; it becomes part of the value`,
      `${FILE}:3:1: warning: gpu_mem: whitespace around '='; write key=value`,
      `${FILE}:4:1: warning: line is 108 characters; the firmware reads only 98`,
    ]);
  });
});

describe("config.txt: round trip", () => {
  const samples: Record<string, string> = {
    "the valid file": VALID,
    "CRLF line endings": VALID.replace(/\n/g, "\r\n"),
    "mixed endings, no final newline": "# a\r\ngpu_mem=64\n\n[all]\r\narm_64bit=1",
    "trailing blank lines and whitespace": "gpu_mem=64   \n\n\n",
    "a lone CR inside a line": "a=b\rc\n",
    "empty file": "",
  };
  for (const [name, text] of Object.entries(samples))
    test(`${name} serialises byte-identical`, () =>
      assert.equal(serializeConfigTxt(parseConfigTxt(text, FILE)), text));
  test("lines built in code are rendered canonically, the rest stays verbatim", () => {
    const model = parseConfigTxt("# keep me\ndtparam=audio=on\n", FILE);
    model.lines.push({
      kind: "dtoverlay",
      overlay: "disable-bt",
      params: [{ name: "x", value: "1" }],
      line: 3,
      eol: "\n",
    });
    const changed = model.lines[1]!;
    if (changed.kind !== "dtparam") throw new Error("expected dtparam");
    changed.params.push({ name: "spi", value: "on" });
    delete changed.raw;
    assert.equal(
      serializeConfigTxt(model),
      "# keep me\ndtparam=audio=on,spi=on\ndtoverlay=disable-bt,x=1\n",
    );
    assert.equal(
      renderLine({ kind: "initramfs", file: "i8", address: "followkernel", line: 1, eol: "" }),
      "initramfs i8 followkernel",
    );
  });
});
