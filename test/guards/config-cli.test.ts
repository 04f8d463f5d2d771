// `edgevisor config validate|get|set` in-process (commander program with captured output),
// plus the real CLI for exit codes. Refused changes must leave the file byte-identical.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { Command } from "commander";
import { registerConfig } from "../../src/cli/config.ts";
import { EvError } from "../../src/errors.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function scratch(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(join(tmpdir(), "ev-config-"));
  dirs.push(d);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
}

async function cli(...args: string[]): Promise<{ out: string; err: string; error?: EvError }> {
  let out = "";
  let err = "";
  const program = new Command("edgevisor").exitOverride();
  registerConfig(program, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
  });
  try {
    await program.parseAsync(["node", "edgevisor", "config", ...args]);
    return { out, err };
  } catch (e) {
    return { out, err, error: e as EvError };
  }
}

// Written as balenaOS does: one line, no final newline.
const JSON_TEXT =
  '{"uuid":"0123456789abcdef0123456789abcdef","hostname":"dev1","listenPort":48484,"apiEndpoint":"https://api.example.com","os":{"sshKeys":[]}}';
const TXT =
  "# firmware settings\r\ndtparam=audio=on\r\ngpu_mem=64\r\n[pi4]\r\ndtoverlay=vc4-kms-v3d\r\n[all]\r\n";

describe("edgevisor config validate", () => {
  test("a valid file: one line, exit 0", async () => {
    const d = scratch({ "config.json": JSON_TEXT, "config.txt": TXT });
    assert.deepEqual(await cli("validate", join(d, "config.json")), {
      out: `${join(d, "config.json")}: valid\n`,
      err: "",
    });
    assert.equal(
      (await cli("validate", join(d, "config.txt"))).out,
      `${join(d, "config.txt")}: valid\n`,
    );
  });

  test("warnings are printed, the file still counts as valid", async () => {
    const d = scratch({ "boot.txt": "gpu_mem = 64\n" });
    const r = await cli("validate", "--type", "txt", join(d, "boot.txt"));
    assert.equal(r.error, undefined);
    assert.equal(
      r.out,
      `${join(d, "boot.txt")}:1:1: warning: gpu_mem: whitespace around '='; write key=value\n${join(d, "boot.txt")}: valid, 1 warning\n`,
    );
  });

  test("an invalid file: EV_CONFIG_INVALID naming file:line:column", async () => {
    const d = scratch({ "config.json": '{\n  "hostname": "dev1",\n  "listenPort": "x"\n}\n' });
    const f = join(d, "config.json");
    const r = await cli("validate", f);
    assert.equal(r.error?.code, "EV_CONFIG_INVALID");
    assert.equal(r.error?.exitCode, 3);
    assert.equal(
      r.error?.message,
      `${f}: 1 error\n  ${f}:3:17: error: listenPort: expected number, received string`,
    );
  });

  test("--json prints every finding and still fails", async () => {
    const d = scratch({ "config.txt": "[pi4\ngpu_mem =1\n" });
    const r = await cli("validate", "--json", join(d, "config.txt"));
    const doc = JSON.parse(r.out) as {
      ok: boolean;
      type: string;
      findings: { line: number; severity: string }[];
    };
    assert.equal(doc.ok, false);
    assert.equal(doc.type, "txt");
    assert.deepEqual(
      doc.findings.map((f) => [f.line, f.severity]),
      [
        [1, "error"],
        [2, "warning"],
      ],
    );
    assert.equal(r.error?.code, "EV_CONFIG_INVALID");
    assert.equal(r.error?.message.includes("\n"), false);
  });

  test("the type comes from the name or --type", async () => {
    const d = scratch({ "settings.conf": JSON_TEXT });
    const r = await cli("validate", join(d, "settings.conf"));
    assert.equal(r.error?.code, "EV_USAGE");
    assert.match(r.error!.hint!, /--type json or --type txt/);
    assert.equal(
      (await cli("validate", "--type", "json", join(d, "settings.conf"))).error,
      undefined,
    );
    assert.equal(
      (await cli("validate", "--type", "yaml", join(d, "settings.conf"))).error?.code,
      "EV_USAGE",
    );
  });
});

describe("edgevisor config get", () => {
  test("config.json: the JSON value, or --json", async () => {
    const f = join(scratch({ "config.json": JSON_TEXT }), "config.json");
    assert.equal((await cli("get", f, "hostname")).out, '"dev1"\n');
    assert.equal((await cli("get", f, "listenPort")).out, "48484\n");
    assert.equal((await cli("get", f, "os")).out, '{\n  "sshKeys": []\n}\n');
    assert.deepEqual(JSON.parse((await cli("get", "--json", f, "hostname")).out), {
      file: f,
      type: "json",
      key: "hostname",
      value: "dev1",
    });
  });

  test("config.txt: the matching lines, a parameter's value", async () => {
    const f = join(scratch({ "config.txt": TXT }), "config.txt");
    assert.equal((await cli("get", f, "gpu_mem")).out, "gpu_mem=64\n");
    assert.equal((await cli("get", f, "dtoverlay")).out, "dtoverlay=vc4-kms-v3d\n");
    assert.equal((await cli("get", f, "dtparam.audio")).out, "audio=on\n");
    const j = JSON.parse((await cli("get", "--json", f, "dtoverlay")).out) as {
      matches: { line: number; section: string }[];
    };
    assert.deepEqual(
      j.matches.map((m) => [m.line, m.section]),
      [[5, "pi4"]],
    );
  });

  test("an unset key: EV_CONFIG_KEY_MISSING, exit 1", async () => {
    const f = join(scratch({ "config.json": JSON_TEXT }), "config.json");
    const r = await cli("get", f, "os.network.connectivity.uri");
    assert.equal(r.error?.code, "EV_CONFIG_KEY_MISSING");
    assert.equal(r.error?.exitCode, 1);
    assert.equal(r.out, "");
  });
});

describe("edgevisor config set", () => {
  test("config.json: validated, backed up, replaced; the layout is kept", async () => {
    const d = scratch({ "config.json": JSON_TEXT });
    const f = join(d, "config.json");
    chmodSync(f, 0o640);
    const r = await cli("set", f, "os.network.connectivity.uri", "https://check.example.com/");
    assert.equal(r.error, undefined);
    assert.equal(r.out, `${f}: os.network.connectivity.uri set (previous file in ${f}.bak)\n`);
    assert.equal(readFileSync(`${f}.bak`, "utf8"), JSON_TEXT);
    const now = readFileSync(f, "utf8");
    assert.equal(now.includes("\n"), false);
    assert.deepEqual(JSON.parse(now).os, {
      sshKeys: [],
      network: { connectivity: { uri: "https://check.example.com/" } },
    });
    assert.equal(statSync(f).mode & 0o777, 0o640);
    assert.equal(statSync(`${f}.bak`).mode & 0o777, 0o640);
    // No temporary file is left behind.
    assert.deepEqual(readdirSync(d).sort(), ["config.json", "config.json.bak"]);
  });

  test("numbers, booleans and arrays are parsed as JSON; strings stay strings", async () => {
    const f = join(scratch({ "config.json": JSON_TEXT }), "config.json");
    await cli("set", f, "listenPort", "8080");
    await cli("set", f, "persistentLogging", "true");
    await cli("set", f, "os.sshKeys", '["ssh-ed25519 AAAAC3Nza me@host"]');
    await cli("set", f, "hostname", "kiosk-7");
    const doc = JSON.parse(readFileSync(f, "utf8"));
    assert.equal(doc.listenPort, 8080);
    assert.equal(doc.persistentLogging, true);
    assert.deepEqual(doc.os.sshKeys, ["ssh-ed25519 AAAAC3Nza me@host"]);
    assert.equal(doc.hostname, "kiosk-7");
  });

  for (const [what, key, value, message] of [
    ["a wrong type", "listenPort", "not-a-number", /listenPort: expected number, received string/],
    ["an out-of-range value", "vpnPort", "0", /vpnPort: Too small/],
    ["a bad host name", "hostname", "bad host", /hostname: expected a host name label/],
    [
      "an object where a string goes",
      "apiEndpoint",
      "{}",
      /apiEndpoint: expected an http\(s\) URL/,
    ],
  ] as const)
    test(`config.json: ${what} is refused, the file stays byte-identical, no backup`, async () => {
      const d = scratch({ "config.json": JSON_TEXT });
      const f = join(d, "config.json");
      const before = statSync(f);
      const r = await cli("set", f, key, value);
      assert.equal(r.error?.code, "EV_CONFIG_INVALID");
      assert.match(
        r.error!.message,
        new RegExp(`^refused, the result would be invalid: ${f}: 1 error\\n  ${f}:1:\\d+: error: `),
      );
      assert.match(r.error!.message, message);
      assert.equal(r.error!.hint, `${f} was not changed`);
      assert.equal(readFileSync(f, "utf8"), JSON_TEXT);
      assert.equal(statSync(f).ino, before.ino);
      assert.equal(statSync(f).mtimeMs, before.mtimeMs);
      assert.equal(existsSync(`${f}.bak`), false);
      assert.deepEqual(readdirSync(d), ["config.json"]);
    });

  test("config.json: a broken file cannot be changed", async () => {
    const broken = '{"hostname": "dev1",}';
    const f = join(scratch({ "config.json": broken }), "config.json");
    const r = await cli("set", f, "hostname", "dev2");
    assert.equal(r.error?.code, "EV_CONFIG_INVALID");
    assert.match(r.error!.message, /config\.json:1:21: error: trailing comma before '}'/);
    assert.equal(readFileSync(f, "utf8"), broken);
  });

  test("config.txt: comments, order and CRLF kept; only the changed line differs", async () => {
    const f = join(scratch({ "config.txt": TXT }), "config.txt");
    await cli("set", f, "gpu_mem", "128");
    await cli("set", f, "dtparam", "spi=on");
    await cli("set", "--section", "pi4", f, "dtoverlay", "vc4-kms-v3d,cma-256");
    await cli("set", f, "dtoverlay", "disable-bt");
    assert.equal(
      readFileSync(f, "utf8"),
      "# firmware settings\r\ndtparam=audio=on\r\ngpu_mem=128\r\ndtparam=spi=on\r\n[pi4]\r\ndtoverlay=vc4-kms-v3d,cma-256\r\n[all]\r\ndtoverlay=disable-bt\r\n",
    );
    // The backup is the state before the last change.
    assert.equal(readFileSync(`${f}.bak`, "utf8").includes("disable-bt"), false);
  });

  test("config.txt: a value that breaks the file is refused, byte-identical", async () => {
    const bytes = Buffer.concat([
      Buffer.from("# caf\xe9 (latin-1)\n", "latin1"),
      Buffer.from("gpu_mem=64\n"),
    ]);
    const d = scratch({ "config.txt": bytes });
    const f = join(d, "config.txt");
    for (const [key, value] of [
      ["dtparam", "audio=on,,spi"],
      ["gpu_mem", "64\ninitramfs x"],
      ["not a key", "1"],
    ]) {
      const r = await cli("set", f, key!, value!);
      assert.ok(r.error, `${key}=${value} must be refused`);
      assert.ok(readFileSync(f).equals(bytes));
    }
    assert.equal(existsSync(`${f}.bak`), false);
    // A valid change keeps the non-UTF-8 bytes of the other lines as they were.
    await cli("set", f, "gpu_mem", "128");
    assert.ok(
      readFileSync(f).equals(
        Buffer.concat([bytes.subarray(0, bytes.indexOf("gpu_mem")), Buffer.from("gpu_mem=128\n")]),
      ),
    );
    assert.ok(readFileSync(`${f}.bak`).equals(bytes));
  });

  test("config.txt: '#' in a value is accepted with the firmware's warning on stderr", async () => {
    const f = join(scratch({ "config.txt": TXT }), "config.txt");
    const r = await cli("set", f, "gpu_mem", "64 # more");
    assert.equal(r.error, undefined);
    assert.match(r.err, /warning: gpu_mem: '#' after a value is not a comment/);
  });

  test("an unchanged value writes nothing", async () => {
    const d = scratch({ "config.txt": TXT });
    const f = join(d, "config.txt");
    const r = await cli("set", f, "gpu_mem", "64");
    assert.equal(r.out, `${f}: gpu_mem unchanged\n`);
    assert.deepEqual(readdirSync(d), ["config.txt"]);
  });

  test("--section is for config.txt only", async () => {
    const f = join(scratch({ "config.json": JSON_TEXT }), "config.json");
    assert.equal(
      (await cli("set", "--section", "pi4", f, "hostname", "x")).error?.code,
      "EV_USAGE",
    );
  });
});

describe("edgevisor config (real CLI)", () => {
  test("exit codes and the one-line error form", () => {
    const d = scratch({ "config.json": JSON_TEXT });
    const f = join(d, "config.json");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [`${root}src/cli/main.ts`, "config", ...args], {
        encoding: "utf8",
      });
    assert.equal(run("validate", f).status, 0);
    const bad = run("set", f, "listenPort", "x");
    assert.equal(bad.status, 3);
    assert.match(
      bad.stderr,
      /^EV_CONFIG_INVALID: refused, the result would be invalid: .*: 1 error\n {2}.*config\.json:1:\d+: error: listenPort: /,
    );
    assert.equal(readFileSync(f, "utf8"), JSON_TEXT);
    assert.equal(run("get", f, "nope").status, 1);
    assert.equal(run("get", f, "hostname").stdout, '"dev1"\n');
  });
});
