// `volumes` (short "name:/path:ro", "./host:/path" and the long form, incl. tmpfs) and
// `tmpfs`. Named volumes are recorded as references, checked once every service is read.
import path from "node:path";
import { isMap, isScalar, type Node } from "yaml";
import type { ServiceCtx } from "./service-ctx.ts";
import type { VolumeMount } from "./types.ts";
import { BYTE_SIZE_ACCEPTS, parseByteSize } from "./units.ts";
import {
  expected,
  fail,
  mapEntries,
  readBool,
  readString,
  seqItems,
  warn,
  type Item,
} from "./yaml-read.ts";

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MOUNT_MODES = new Set(
  "ro rw z Z cached delegated consistent nocopy shared slave private rshared rslave rprivate".split(
    " ",
  ),
);
const SHORT_ACCEPTS =
  'a mount like "data:/data", "data:/data:ro" or "./dir:/dir", or a mapping with type and target';

function isHostPath(source: string): boolean {
  return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
}

function resolveHostPath(s: ServiceCtx, item: Item, source: string): string | undefined {
  if (source === "~" || source.startsWith("~/")) {
    if (s.env.homeDir === undefined) {
      fail(s.read, item.node, item.path, `cannot resolve "${source}": no home directory is known`);
      return undefined;
    }
    return path.join(s.env.homeDir, source.slice(1));
  }
  if (source.startsWith("~")) {
    fail(s.read, item.node, item.path, `"${source}": only "~/" paths are supported`);
    return undefined;
  }
  return path.resolve(s.env.baseDir, source);
}

export function parseVolumes(s: ServiceCtx, node: Node | null, listPath: string): VolumeMount[] {
  const out: VolumeMount[] = [];
  for (const item of seqItems(s.read, node, listPath) ?? []) {
    const mount = isMap(item.node) ? parseLongVolume(s, item) : parseShortVolume(s, item);
    if (mount) out.push(mount);
  }
  return out;
}

function parseShortVolume(s: ServiceCtx, item: Item): VolumeMount | undefined {
  const text = readString(s.read, item.node, item.path, SHORT_ACCEPTS);
  if (text === undefined) return undefined;
  const parts = text.split(":");
  if (parts.length === 1) {
    fail(s.read, item.node, item.path, anonymousMessage(text));
    return undefined;
  }
  if (parts.length > 3) {
    expected(s.read, item.node, item.path, SHORT_ACCEPTS);
    return undefined;
  }
  const [source, target, mode = ""] = parts as [string, string, string?];
  const modes = mode === "" ? [] : mode.split(",");
  const bad = modes.find((m) => !MOUNT_MODES.has(m));
  if (bad !== undefined) {
    fail(
      s.read,
      item.node,
      item.path,
      `unknown mount mode "${bad}"; expected ro or rw (optionally with z, Z, nocopy)`,
    );
    return undefined;
  }
  return mountOf(s, item, source, target, modes.includes("ro"));
}

function anonymousMessage(target: string): string {
  return `anonymous volume "${target}" is not supported: its data would be lost on every update; name it ("name:${target}") and declare it under top-level volumes`;
}

function mountOf(
  s: ServiceCtx,
  item: Item,
  source: string,
  target: string,
  readOnly: boolean,
): VolumeMount | undefined {
  if (!target.startsWith("/")) {
    fail(
      s.read,
      item.node,
      item.path,
      `mount target "${target}" must be an absolute path in the container`,
    );
    return undefined;
  }
  if (isHostPath(source)) {
    const abs = resolveHostPath(s, item, source);
    return abs === undefined ? undefined : { type: "bind", source: abs, target, readOnly };
  }
  if (!VOLUME_NAME.test(source)) {
    fail(
      s.read,
      item.node,
      item.path,
      `"${source}" is neither a volume name ([A-Za-z0-9_.-]) nor a host path (/, ./, ../, ~/)`,
    );
    return undefined;
  }
  s.refs.push({
    kind: "volume",
    name: source,
    from: s.spec.name,
    node: item.node,
    path: item.path,
    dependency: false,
  });
  return { type: "volume", source, target, readOnly };
}

function parseLongVolume(s: ServiceCtx, item: Item): VolumeMount | undefined {
  const fields: Record<string, Node | null> = {};
  const keyNodes: Record<string, Node> = {};
  for (const e of mapEntries(s.read, item.node, item.path) ?? []) {
    fields[e.key] = e.value;
    keyNodes[e.key] = e.keyNode;
  }
  const at = (k: string) => `${item.path}.${k}`;
  const type = fields.type === undefined ? undefined : readString(s.read, fields.type, at("type"));
  if (type === undefined) {
    if (fields.type === undefined)
      fail(
        s.read,
        item.node,
        item.path,
        'a long-form mount needs `type`: "volume", "bind" or "tmpfs"',
      );
    return undefined;
  }
  const target =
    fields.target === undefined ? undefined : readString(s.read, fields.target, at("target"));
  if (target === undefined) {
    if (fields.target === undefined)
      fail(s.read, item.node, item.path, "a long-form mount needs `target`");
    return undefined;
  }
  const readOnly =
    fields.read_only === undefined
      ? false
      : (readBool(s.read, fields.read_only, at("read_only")) ?? false);
  const known = new Set(["type", "source", "target", "read_only", "consistency", type]);
  for (const key of Object.keys(fields)) {
    if (!known.has(key))
      warn(s.read, keyNodes[key], at(key), `not used for a ${type} mount, ignored`);
  }
  if (type === "tmpfs") return tmpfsMount(s, item, target, fields.tmpfs);
  if (type !== "volume" && type !== "bind") {
    fail(
      s.read,
      fields.type ?? null,
      at("type"),
      `expected "volume", "bind" or "tmpfs", got "${type}"`,
    );
    return undefined;
  }
  const source =
    fields.source === undefined ? undefined : readString(s.read, fields.source, at("source"));
  if (source === undefined || source === "") {
    if (fields.source === undefined || source === "")
      fail(
        s.read,
        item.node,
        item.path,
        type === "volume" ? anonymousMessage(target) : "a bind mount needs `source`",
      );
    return undefined;
  }
  if (type === "bind") {
    if (!target.startsWith("/")) {
      fail(
        s.read,
        fields.target ?? null,
        at("target"),
        `mount target "${target}" must be an absolute path in the container`,
      );
      return undefined;
    }
    const abs = resolveHostPath(s, item, source);
    return abs === undefined ? undefined : { type: "bind", source: abs, target, readOnly };
  }
  if (type === "volume" && isHostPath(source)) {
    fail(
      s.read,
      fields.source ?? null,
      at("source"),
      `"${source}" is a path; use type: bind for host paths`,
    );
    return undefined;
  }
  return mountOf(s, item, source, target, readOnly);
}

function tmpfsMount(
  s: ServiceCtx,
  item: Item,
  target: string,
  options: Node | null | undefined,
): VolumeMount | undefined {
  if (!target.startsWith("/")) {
    fail(
      s.read,
      item.node,
      item.path,
      `mount target "${target}" must be an absolute path in the container`,
    );
    return undefined;
  }
  const mount: VolumeMount = { type: "tmpfs", target };
  if (options === undefined || options === null) return mount;
  for (const e of mapEntries(s.read, options, `${item.path}.tmpfs`) ?? []) {
    if (e.key === "size") {
      const v = isScalar(e.value) ? e.value.value : undefined;
      const size = typeof v === "string" || typeof v === "number" ? parseByteSize(v) : undefined;
      if (size === undefined) expected(s.read, e.value, e.path, BYTE_SIZE_ACCEPTS);
      else mount.sizeBytes = size;
    } else warn(s.read, e.keyNode, e.path, "tmpfs option not supported, ignored");
  }
  return mount;
}

/** `tmpfs: /run` or a list of "/path" / "/path:size=64m,mode=1777". */
export function parseTmpfs(s: ServiceCtx, node: Node | null, listPath: string): VolumeMount[] {
  const out: VolumeMount[] = [];
  const items: Item[] = isScalar(node)
    ? [{ node, path: listPath }]
    : (seqItems(s.read, node, listPath, "a path or a list of paths") ?? []);
  for (const item of items) {
    const text = readString(s.read, item.node, item.path, 'a path like "/run" or "/run:size=64m"');
    if (text === undefined) continue;
    const [target = "", opts] = splitOnce(text, ":");
    if (!target.startsWith("/")) {
      fail(s.read, item.node, item.path, `tmpfs target "${target}" must be an absolute path`);
      continue;
    }
    const mount: VolumeMount = { type: "tmpfs", target };
    for (const opt of opts ? opts.split(",") : []) {
      const [k, v = ""] = splitOnce(opt, "=");
      if (k === "size") {
        const size = parseByteSize(v);
        if (size === undefined)
          fail(s.read, item.node, item.path, `tmpfs size "${v}": expected ${BYTE_SIZE_ACCEPTS}`);
        else mount.sizeBytes = size;
      } else if (k !== "mode" && k !== "uid" && k !== "gid") {
        warn(s.read, item.node, item.path, `tmpfs option "${k}" is not supported, ignored`);
      }
    }
    out.push(mount);
  }
  return out;
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + sep.length)];
}
