// Validation of a balenaOS-style device config.json. A malformed config.json stops a device
// from booting properly, so every finding names file:line:column and the key. Syntax is
// checked by a small strict JSON parser that remembers where each key and value starts;
// types by a zod schema. Unknown keys are warnings (newer OS versions add keys), wrong
// types and malformed JSON are errors. This module only reads.
import { isIP } from "node:net";
import { z } from "zod";

export type FindingSeverity = "error" | "warning";

/** One problem in a device config file, shared by the config.json and config.txt guards. */
export interface ConfigFinding {
  severity: FindingSeverity;
  file: string;
  line: number;
  column: number;
  /** Dotted key path ("os.network.connectivity.uri", "os.sshKeys[0]"), or the config.txt key. */
  key: string;
  message: string;
}

/** "config.json:3:12: error: listenPort: expected int, received string" */
export function formatFinding(f: ConfigFinding): string {
  const key = f.key ? `${f.key}: ` : "";
  return `${f.file}:${f.line}:${f.column}: ${f.severity}: ${key}${f.message}`;
}

const url = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });
const hostOrUrl = z
  .string()
  .regex(/^[^\s/]+(:\d+)?$|^https?:\/\/\S+$/, "expected a host name or URL");
const port = z.int().min(1).max(65535);
const id = z.int().positive();
const seconds = z.union([z.int().positive(), z.string().regex(/^[1-9]\d*$/, "expected seconds")]);
const dnsServers = z
  .string()
  .refine(
    (s) => s === "null" || s.split(/\s+/).every((a) => isIP(a) !== 0),
    'expected space-separated IP addresses, or "null"',
  );

const osSchema = z.strictObject({
  network: z
    .strictObject({
      connectivity: z.strictObject({ uri: url, interval: seconds, response: z.string() }).partial(),
      wifi: z.strictObject({ randomMacAddressScan: z.boolean() }).partial(),
    })
    .partial(),
  udevRules: z.record(z.string(), z.string()),
  sshKeys: z.array(
    z
      .string()
      .regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, "expected an SSH public key ('ssh-ed25519 AAAA…')"),
  ),
  power: z.strictObject({ mode: z.string() }).partial(),
  fan: z.strictObject({ profile: z.string() }).partial(),
  installer: z.strictObject({ secureboot: z.boolean() }).partial(),
});

export const deviceConfigJsonSchema = z
  .strictObject({
    uuid: z
      .string()
      .regex(/^([0-9a-f]{32}|[0-9a-f]{62})$/, "expected 32 or 62 lowercase hex digits"),
    deviceType: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "expected a device type slug"),
    hostname: z
      .string()
      .regex(
        /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
        "expected a host name label (RFC 1123)",
      ),
    persistentLogging: z.boolean(),
    developmentMode: z.boolean(),
    localMode: z.boolean(),
    applicationId: id,
    applicationName: z.string(),
    appUpdatePollInterval: z.int().positive(),
    userId: id,
    username: z.string(),
    deviceId: id,
    registered_at: z.int().nonnegative(),
    apiEndpoint: url,
    deltaEndpoint: url,
    registryEndpoint: hostOrUrl,
    vpnEndpoint: hostOrUrl,
    vpnPort: port,
    listenPort: port,
    apiKey: z.string(),
    deviceApiKey: z.string(),
    deviceApiKeys: z.record(z.string(), z.string()),
    mixpanelToken: z.string(),
    balenaRootCA: z.base64(),
    ntpServers: z.string(),
    dnsServers,
    country: z.string().regex(/^[A-Z]{2}$/, "expected an ISO 3166 two-letter country code"),
    installer: z.strictObject({ secureboot: z.boolean() }).partial(),
    os: osSchema.partial(),
  })
  .partial();

export type DeviceConfigJson = z.infer<typeof deviceConfigJsonSchema> & Record<string, unknown>;

export interface ConfigJsonResult {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  /** The parsed config when ok; unknown keys are kept as they are. */
  config: DeviceConfigJson | undefined;
  findings: ConfigFinding[];
}

export function validateConfigJson(text: string, file = "config.json"): ConfigJsonResult {
  const where = lineIndex(text);
  const at = (offset: number, severity: FindingSeverity, key: string, message: string) => {
    const { line, column } = where(offset);
    return { severity, file, line, column, key, message };
  };
  let doc: LocatedJson;
  try {
    doc = parseLocatedJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, config: undefined, findings: [at(e.offset, "error", "", e.message)] };
  }
  const findings: ConfigFinding[] = doc.duplicates.map((d) =>
    at(d.offset, "warning", d.path, "duplicate key; the last one wins"),
  );
  const parsed = deviceConfigJsonSchema.safeParse(doc.value);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const base = pathText(issue.path);
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        const key = base ? `${base}.${k}` : k;
        findings.push(at(doc.keys.get(key) ?? 0, "warning", key, "unknown key"));
      }
    } else {
      const offset = doc.values.get(base) ?? parentOffset(doc, issue.path);
      findings.push(at(offset, "error", base, issueMessage(issue)));
    }
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  const ok = !findings.some((f) => f.severity === "error");
  return { ok, config: ok ? (doc.value as DeviceConfigJson) : undefined, findings };
}

function issueMessage(issue: z.core.$ZodIssue): string {
  return issue.message.replace(/^Invalid input: /, "");
}

/** A required-but-missing value has no position of its own: point at its object. */
function parentOffset(doc: LocatedJson, path: PropertyKey[]): number {
  for (let n = path.length - 1; n >= 0; n--) {
    const offset = doc.values.get(pathText(path.slice(0, n)));
    if (offset !== undefined) return offset;
  }
  return 0;
}

function pathText(path: PropertyKey[]): string {
  let out = "";
  for (const seg of path)
    out += typeof seg === "number" ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

// --- a strict JSON parser that records where things are ---------------------------------

export class JsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export interface LocatedJson {
  value: unknown;
  /** Dotted path → offset of the key's opening quote. */
  keys: Map<string, number>;
  /** Dotted path → offset of the value's first character ("" is the whole document). */
  values: Map<string, number>;
  duplicates: { path: string; offset: number }[];
}

export function parseLocatedJson(text: string): LocatedJson {
  const keys = new Map<string, number>();
  const values = new Map<string, number>();
  const duplicates: { path: string; offset: number }[] = [];
  let i = 0;

  const fail = (message: string, offset = i): never => {
    throw new JsonSyntaxError(message, offset);
  };
  const describe = (offset: number) =>
    offset >= text.length ? "end of file" : `'${text[offset]}'`;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const expect = (ch: string, what: string) => {
    ws();
    if (text[i] !== ch) fail(`expected ${what}, found ${describe(i)}`);
    i++;
  };

  const parseString = (): string => {
    const start = i;
    i++;
    while (true) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail("control character in string (escape it, e.g. \\n)");
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape");
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail(`bad escape '\\${e ?? ""}'`);
        i += 2;
        continue;
      }
      i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };

  const parseValue = (path: string): unknown => {
    ws();
    values.set(path, i);
    const c = text[i];
    if (c === "{") return parseObject(path);
    if (c === "[") return parseArray(path);
    if (c === '"') return parseString();
    const rest = text.slice(i);
    const num = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (num && (c === "-" || (c !== undefined && c >= "0" && c <= "9"))) {
      i += num[0].length;
      return Number(num[0]);
    }
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const)
      if (rest.startsWith(word)) {
        i += word.length;
        return v;
      }
    return fail(`expected a value, found ${describe(i)}`);
  };

  const parseObject = (path: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    i++;
    ws();
    if (text[i] === "}") {
      i++;
      return out;
    }
    while (true) {
      ws();
      if (text[i] !== '"')
        fail(
          text[i] === "}"
            ? "trailing comma before '}'"
            : `expected a double-quoted key, found ${describe(i)}`,
        );
      const keyAt = i;
      const key = parseString();
      const child = path ? `${path}.${key}` : key;
      if (Object.hasOwn(out, key)) duplicates.push({ path: child, offset: keyAt });
      keys.set(child, keyAt);
      expect(":", "':' after the key");
      // defineProperty, so a "__proto__" key stays a plain key as in JSON.parse.
      Object.defineProperty(out, key, {
        value: parseValue(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      fail(`expected ',' or '}' after the value of "${key}", found ${describe(i)}`);
    }
  };

  const parseArray = (path: string): unknown[] => {
    const out: unknown[] = [];
    i++;
    ws();
    if (text[i] === "]") {
      i++;
      return out;
    }
    while (true) {
      ws();
      if (text[i] === "]") fail("trailing comma before ']'");
      out.push(parseValue(`${path}[${out.length}]`));
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      fail(`expected ',' or ']' in the array, found ${describe(i)}`);
    }
  };

  if (text.charCodeAt(0) === 0xfeff) fail("byte order mark at the start of the file", 0);
  const value = parseValue("");
  ws();
  if (i < text.length) fail(`unexpected ${describe(i)} after the end of the document`);
  return { value, keys, values, duplicates };
}
