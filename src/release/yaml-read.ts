// Typed readers over YAML nodes. Each reader returns a value or undefined, and on a bad
// value records an error at the node's position naming the field path and what is
// accepted. Aliases are followed and `<<` merge keys expanded, as compose does.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { IssueList } from "./issues.ts";
import { posOf, type SourcePos } from "./positions.ts";

export interface ReadCtx {
  doc: Document;
  lineCounter: LineCounter;
  issues: IssueList;
  /** Nodes already reported (e.g. failed interpolation): no second error about them. */
  reported: WeakSet<Node>;
}

export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
  path: string;
}

export interface Item {
  node: Node | null;
  path: string;
}

export function pos(ctx: ReadCtx, node: Node | null | undefined): SourcePos {
  return posOf(ctx.lineCounter, node);
}

export function fail(ctx: ReadCtx, node: Node | null | undefined, path: string, msg: string): void {
  if (node && ctx.reported.has(node)) return;
  ctx.issues.error(pos(ctx, node), path, msg);
}

export function warn(ctx: ReadCtx, node: Node | null | undefined, path: string, msg: string): void {
  ctx.issues.warn(pos(ctx, node), path, msg);
}

/** Follow an alias to the node it names. */
export function deref(ctx: ReadCtx, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(ctx.doc) as Node | undefined) ?? null;
  return (node as Node | null | undefined) ?? null;
}

export function isNullish(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** `path.key`, or `path["key"]` when the key has characters that would confuse a reader. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const plain = /^[A-Za-z0-9_-]+$/.test(key);
  if (path === "") return plain ? key : `["${key}"]`;
  return plain ? `${path}.${key}` : `${path}["${key}"]`;
}

/** Short description of a node for "got …" in messages. */
export function describe(node: Node | null): string {
  if (isNullish(node)) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
    return String(v);
  }
  return "an unexpected value";
}

export function expected(ctx: ReadCtx, node: Node | null, path: string, accepts: string): void {
  fail(ctx, node, path, `expected ${accepts}, got ${describe(node)}`);
}

/** Entries of a mapping, with `<<` merges expanded (explicit keys win). */
export function mapEntries(
  ctx: ReadCtx,
  raw: Node | null,
  path: string,
  accepts = "a mapping",
): Entry[] | undefined {
  const node = deref(ctx, raw);
  if (!isMap(node)) {
    expected(ctx, node, path, accepts);
    return undefined;
  }
  const own: Entry[] = [];
  const merged: Entry[] = [];
  for (const pair of node.items) {
    const keyNode = deref(ctx, pair.key);
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
      fail(ctx, keyNode, path, "mapping keys must be plain strings");
      continue;
    }
    const key = String(keyNode.value);
    const value = deref(ctx, pair.value);
    if (key === "<<") {
      const sources = isSeq(value) ? value.items.map((i) => deref(ctx, i)) : [value];
      for (const src of sources)
        merged.push(...(mapEntries(ctx, src, path, "a mapping to merge") ?? []));
      continue;
    }
    own.push({ key, keyNode, value, path: childPath(path, key) });
  }
  const seen = new Set(own.map((e) => e.key));
  for (const e of merged) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    // Positions stay at the anchor (where to fix it); the path is where it is used.
    own.push({ ...e, path: childPath(path, e.key) });
  }
  return own;
}

export function seqItems(
  ctx: ReadCtx,
  raw: Node | null,
  path: string,
  accepts = "a list",
): Item[] | undefined {
  const node = deref(ctx, raw);
  if (!isSeq(node)) {
    expected(ctx, node, path, accepts);
    return undefined;
  }
  return node.items.map((item, i) => ({ node: deref(ctx, item), path: childPath(path, i) }));
}

export function scalar(node: Node | null): unknown {
  return isScalar(node) ? node.value : undefined;
}

/** A string; numbers are accepted and written out, as compose does for e.g. `user: 1000`. */
export function readString(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
  accepts = "a string",
): string | undefined {
  const v = scalar(node);
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  expected(ctx, node, path, accepts);
  return undefined;
}

/** A string, bool or number written out as text: values of environment, labels, args. */
export function readText(ctx: ReadCtx, node: Node | null, path: string): string | undefined {
  const v = scalar(node);
  if (v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") {
    // Keep numbers as written ("1.0", "0755"), not as JavaScript prints them.
    const source = isScalar(node) ? node.source : undefined;
    return typeof source === "string" && source !== "" ? source : String(v);
  }
  if (typeof v === "boolean") return String(v);
  expected(ctx, node, path, "a string, number or boolean");
  return undefined;
}

export function readNumber(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
  accepts: string,
  check: (n: number) => boolean = () => true,
): number | undefined {
  const v = scalar(node);
  const n =
    typeof v === "number"
      ? v
      : typeof v === "string" && /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(v)
        ? Number(v)
        : NaN;
  if (Number.isFinite(n) && check(n)) return n;
  expected(ctx, node, path, accepts);
  return undefined;
}

export function readInt(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
  accepts: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const { min = -Infinity, max = Infinity } = range;
  return readNumber(ctx, node, path, accepts, (n) => Number.isInteger(n) && n >= min && n <= max);
}

export function readBool(ctx: ReadCtx, node: Node | null, path: string): boolean | undefined {
  const v = scalar(node);
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  expected(ctx, node, path, "true or false");
  return undefined;
}

/** A list of strings; with `single`, a lone string is taken as a one-item list. */
export function readStringList(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
  options: { single?: boolean; accepts?: string } = {},
): string[] | undefined {
  const accepts =
    options.accepts ?? (options.single ? "a string or a list of strings" : "a list of strings");
  if (options.single && isScalar(node) && typeof node.value !== "boolean" && node.value !== null) {
    return [String(node.value)];
  }
  const items = seqItems(ctx, node, path, accepts);
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const s = readString(ctx, item.node, item.path, "a string");
    if (s !== undefined) out.push(s);
  }
  return out;
}

export interface KeyValue {
  key: string;
  /** undefined when the key is given without a value (`- KEY` or `KEY:`). */
  value: string | undefined;
  node: Node | null;
  path: string;
}

/** A mapping or a list of "KEY=VALUE" strings, with each entry's node. */
export function readKeyValueList(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
  sep = "=",
): KeyValue[] | undefined {
  const accepts = `a "KEY${sep}VALUE" string`;
  const out: KeyValue[] = [];
  if (isSeq(node)) {
    for (const item of seqItems(ctx, node, path) ?? []) {
      const s = readString(ctx, item.node, item.path, accepts);
      if (s === undefined) continue;
      const at = s.indexOf(sep);
      const key = at < 0 ? s : s.slice(0, at);
      if (key.trim() === "") expected(ctx, item.node, item.path, accepts);
      else
        out.push({
          key,
          value: at < 0 ? undefined : s.slice(at + sep.length),
          node: item.node,
          path: item.path,
        });
    }
    return out;
  }
  const entries = mapEntries(ctx, node, path, `a mapping or a list of "KEY${sep}VALUE" strings`);
  if (!entries) return undefined;
  for (const e of entries) {
    if (isNullish(e.value))
      out.push({ key: e.key, value: undefined, node: e.keyNode, path: e.path });
    else {
      const value = readText(ctx, e.value, e.path);
      if (value !== undefined) out.push({ key: e.key, value, node: e.value, path: e.path });
    }
  }
  return out;
}

export interface KeyValueOptions {
  /** Separator of the list form; "=" unless told. */
  separator?: string;
  /** Value for a key given without one; undefined leaves the key out. Default "". */
  missing?: (key: string, node: Node | null, path: string) => string | undefined;
}

/** A mapping or a list of "KEY=VALUE" strings, as environment, labels, args and sysctls allow. */
export function readKeyValues(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
  options: KeyValueOptions = {},
): Record<string, string> | undefined {
  const list = readKeyValueList(ctx, node, path, options.separator);
  if (!list) return undefined;
  const missing = options.missing ?? (() => "");
  const out: Record<string, string> = {};
  for (const kv of list) {
    const value = kv.value ?? missing(kv.key, kv.node, kv.path);
    if (value !== undefined) out[kv.key] = value;
  }
  return out;
}

/** Field path of the mapping key that starts at `offset` ("" when there is none). */
export function pathOfKeyAt(root: unknown, offset: number): string {
  const search = (node: unknown, path: string): string | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "?";
        const here = childPath(path, key);
        if (isScalar(pair.key) && pair.key.range?.[0] === offset) return here;
        const inner = search(pair.value, here);
        if (inner !== undefined) return inner;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const inner = search(item, childPath(path, i));
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  };
  return search(root, "") ?? "";
}
