// Validation of a balenaOS-style device config.json. A malformed config.json stops a device
// from booting properly, so every finding names file:line:column and the key. Syntax is
// checked by a small strict JSON parser that remembers where each key and value starts;
// types by a valibot schema. Unknown keys are warnings (newer OS versions add keys), wrong
// types and malformed JSON are errors. This module only reads.
import { isIP } from "node:net";
import * as v from "valibot";
import { ISSUES, issueKeys, pathText, plainObject, recordOf } from "../util/schema.ts";

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

/** "config.json:3:12: error: listenPort: expected number, received string" */
export function formatFinding(f: ConfigFinding): string {
  const key = f.key ? `${f.key}: ` : "";
  return `${f.file}:${f.line}:${f.column}: ${f.severity}: ${key}${f.message}`;
}

const matching = (re: RegExp, message: string) => v.pipe(v.string(), v.regex(re, message));
const URL_MESSAGE = "expected an http(s) URL";
/** "http://" or "https://" (not just "https:"), then a URL that parses; spaces around ignored. */
const url = v.pipe(
  v.string(URL_MESSAGE),
  v.check((s) => /^https?:\/\//i.test(s.trim()) && URL.canParse(s.trim()), URL_MESSAGE),
);
const hostOrUrl = matching(/^[^\s/]+(:\d+)?$|^https?:\/\/\S+$/, "expected a host name or URL");
const int = v.pipe(v.number(), v.safeInteger());
const port = v.pipe(int, v.minValue(1), v.maxValue(65535));
const id = v.pipe(int, v.gtValue(0));
const seconds = v.union([id, matching(/^[1-9]\d*$/, "expected seconds")]);
const dnsServers = v.pipe(
  v.string(),
  v.check(
    (s) => s === "null" || s.split(/\s+/).every((a) => isIP(a) !== 0),
    'expected space-separated IP addresses, or "null"',
  ),
);
const strings = recordOf(v.string());

/** The entries of each section() schema, to find unknown keys (see unknownKeys). */
const sections = new WeakMap<object, v.ObjectEntries>();

/** An object whose keys are all optional; unknown keys are kept, typed `unknown`. */
function section<const E extends v.ObjectEntries>(entries: E) {
  const schema = plainObject(v.partial(v.looseObject(entries)));
  sections.set(schema, entries);
  return schema;
}

/**
 * The paths of all keys no section() knows. Not valibot's strictObject (which stops at the
 * first unknown key) nor its objectWithRest (which skips "__proto__", "constructor" and
 * "prototype").
 */
function unknownKeys(schema: object, value: unknown, keys: unknown[] = []): string[] {
  const entries = sections.get(schema);
  if (!entries || typeof value !== "object" || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const entry = Object.hasOwn(entries, key) ? entries[key] : undefined;
    return entry ? unknownKeys(entry, child, [...keys, key]) : [pathText([...keys, key])];
  });
}

const osSchema = section({
  network: section({
    connectivity: section({ uri: url, interval: seconds, response: v.string() }),
    wifi: section({ randomMacAddressScan: v.boolean() }),
  }),
  udevRules: strings,
  sshKeys: v.array(
    matching(/^(ssh-|ecdsa-|sk-)\S+ \S+/, "expected an SSH public key ('ssh-ed25519 AAAA…')"),
  ),
  power: section({ mode: v.string() }),
  fan: section({ profile: v.string() }),
  installer: section({ secureboot: v.boolean() }),
});

export const deviceConfigJsonSchema = section({
  uuid: matching(/^([0-9a-f]{32}|[0-9a-f]{62})$/, "expected 32 or 62 lowercase hex digits"),
  deviceType: matching(/^[a-z0-9][a-z0-9-]*$/, "expected a device type slug"),
  hostname: matching(
    /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
    "expected a host name label (RFC 1123)",
  ),
  persistentLogging: v.boolean(),
  developmentMode: v.boolean(),
  localMode: v.boolean(),
  applicationId: id,
  applicationName: v.string(),
  appUpdatePollInterval: id,
  userId: id,
  username: v.string(),
  deviceId: id,
  registered_at: v.pipe(int, v.minValue(0)),
  apiEndpoint: url,
  deltaEndpoint: url,
  registryEndpoint: hostOrUrl,
  vpnEndpoint: hostOrUrl,
  vpnPort: port,
  listenPort: port,
  apiKey: v.string(),
  deviceApiKey: v.string(),
  deviceApiKeys: strings,
  mixpanelToken: v.string(),
  balenaRootCA: v.pipe(v.string(), v.base64("Invalid base64-encoded string")),
  ntpServers: v.string(),
  dnsServers,
  country: matching(/^[A-Z]{2}$/, "expected an ISO 3166 two-letter country code"),
  installer: section({ secureboot: v.boolean() }),
  os: osSchema,
});

/** The known keys typed; unknown keys are kept, typed `unknown`. */
export type DeviceConfigJson = v.InferOutput<typeof deviceConfigJsonSchema>;

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
  const parsed = v.safeParse(deviceConfigJsonSchema, doc.value, ISSUES);
  for (const issue of parsed.issues ?? []) {
    const keys = issueKeys(issue);
    const key = pathText(keys);
    findings.push(at(doc.values.get(key) ?? parentOffset(doc, keys), "error", key, issue.message));
  }
  for (const key of unknownKeys(deviceConfigJsonSchema, doc.value))
    findings.push(at(doc.keys.get(key) ?? 0, "warning", key, "unknown key"));
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  const ok = !findings.some((f) => f.severity === "error");
  return { ok, config: ok ? (doc.value as DeviceConfigJson) : undefined, findings };
}

/** A required-but-missing value has no position of its own: point at its object. */
function parentOffset(doc: LocatedJson, path: unknown[]): number {
  for (let n = path.length - 1; n >= 0; n--) {
    const offset = doc.values.get(pathText(path.slice(0, n)));
    if (offset !== undefined) return offset;
  }
  return 0;
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
