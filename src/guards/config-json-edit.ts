// Reading and changing one key of a device config.json, as text in and text out. The new
// text keeps the file's layout style (one line, as balenaOS writes it, or indented) and key
// order; validation of the result is the caller's (config-file.ts), before anything is written.
import { EvError } from "../errors.ts";

export type PathSegment = string | number;

/** "os.network.connectivity.uri" / "os.sshKeys[0]" → segments. */
export function parseKeyPath(key: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let expectDot = false;
  let at = 0;
  for (let m = re.exec(key); m; m = re.exec(key)) {
    const between = key.slice(at, m.index);
    const ok = m[2] !== undefined ? between === "" : expectDot ? between === "." : between === "";
    if (!ok) break;
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
    at = m.index + m[0].length;
    expectDot = true;
  }
  if (out.length === 0 || at !== key.length)
    throw new EvError("EV_USAGE", `malformed key "${key}"`, {
      hint: "use a dotted path such as os.network.connectivity.uri or os.sshKeys[0]",
    });
  return out;
}

export type Lookup = { found: true; value: unknown } | { found: false };

export function getPath(doc: unknown, path: readonly PathSegment[]): Lookup {
  let cur: unknown = doc;
  for (const seg of path) {
    if (typeof seg === "number") {
      if (!Array.isArray(cur) || seg >= cur.length) return { found: false };
      cur = cur[seg];
    } else {
      if (!isObject(cur) || !Object.hasOwn(cur, seg)) return { found: false };
      cur = cur[seg];
    }
  }
  return { found: true, value: cur };
}

/** The value as typed on the command line: JSON when it parses, else the string itself. */
export function parseCliValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** A copy of `doc` with `value` at `path`; missing objects on the way are created. */
export function setPath(
  doc: unknown,
  path: readonly PathSegment[],
  value: unknown,
  full: readonly PathSegment[] = path,
): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const where = (what: string) =>
    new EvError("EV_USAGE", `cannot set ${describePath(full)}: ${what}`);
  if (typeof head === "number") {
    if (!Array.isArray(doc)) throw where("the parent is not an array");
    if (head > doc.length) throw where(`index ${head} is past the end (length ${doc.length})`);
    const copy = [...(doc as unknown[])];
    copy[head] = setPath(copy[head], rest, value, full);
    return copy;
  }
  if (doc !== undefined && !isObject(doc))
    throw where(`the parent is ${Array.isArray(doc) ? "an array" : `a ${typeof doc}`}`);
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc ?? {})) define(copy, k, v);
  const child = Object.hasOwn(copy, head) ? copy[head] : undefined;
  define(copy, head, setPath(child, rest, value, full));
  return copy;
}

function describePath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i ? `.${s}` : s)).join("");
}

/** defineProperty, so a "__proto__" key stays a plain key (as the located parser keeps it). */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Serialise like the original: compact when it was one line, else with its indentation. */
export function renderLike(original: string, doc: unknown): string {
  const body = original.trim();
  const multiline = body.includes("\n");
  const indent = multiline ? (/\n([ \t]+)"/.exec(body)?.[1] ?? "  ") : undefined;
  const eol = original.includes("\r\n") ? "\r\n" : "\n";
  let text = JSON.stringify(doc, null, indent);
  if (eol === "\r\n") text = text.replace(/\n/g, "\r\n");
  return /\r?\n$/.test(original) ? text + eol : text;
}
