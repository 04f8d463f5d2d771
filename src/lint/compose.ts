// docker-compose.yml → service settings with positions. Reads the raw YAML (not the typed
// release of src/release/) because the linter must also see the fields a device rejects.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, YAMLMap } from "yaml";
import type { Document, Node as YamlNode, Pair } from "yaml";
import type {
  CommandFact,
  ComposeFile,
  Mount,
  ServiceModel,
  Setting,
  SourceFile,
} from "./model.ts";
import type { Parsers } from "./parsers.ts";
import { shellCommands } from "./shell.ts";
import { locAtOffset } from "./source.ts";
import type { Loc, RuleFinding } from "./types.ts";

export interface ComposeService {
  service: ServiceModel;
  /** Build context relative to the release root ("." for the root), when the service builds. */
  context?: string;
  dockerfile?: string;
}

export function parseCompose(file: SourceFile): {
  compose: ComposeFile | null;
  problems: RuleFinding[];
} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, merge: true });
  const problems: RuleFinding[] = doc.errors.map((e) => ({
    message: `${file.path} is not valid YAML: ${e.message.split("\n")[0]}`,
    loc: locAtOffset(file, e.pos[0]),
    severity: "error" as const,
  }));
  if (problems.length > 0) return { compose: null, problems };
  return { compose: { file, doc, lineCounter }, problems };
}

export function nodeLoc(file: SourceFile, node: unknown): Loc {
  const range = (node as YamlNode | undefined)?.range;
  if (!range) return { file: file.path, line: 1, column: 1 };
  return locAtOffset(file, range[0], range[1]);
}

/** The key's position for a pair, else the node's. */
export function pairLoc(file: SourceFile, pair: Pair): Loc {
  return nodeLoc(file, pair.key ?? pair.value);
}

export function composeServices(parsers: Parsers, compose: ComposeFile): ComposeService[] {
  const { file, doc } = compose;
  const services = doc.get("services", true);
  if (!isMap(services)) return [];
  const out: ComposeService[] = [];
  for (const pair of services.items) {
    if (!isScalar(pair.key) || !isMap(pair.value)) continue;
    out.push(serviceOf(parsers, file, doc, String(pair.key.value), pair));
  }
  return out;
}

/** `<<` of a `<<: *anchor` merge (yaml represents it with a symbol once merges are on). */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === "<<" || typeof key.value === "symbol");
}

/** A service's own pairs plus those merged in with `<<: *anchor` (own keys win). */
export function mergedPairs(doc: Document, map: YAMLMap): Pair[] {
  const own = map.items.filter((p) => !isMergeKey(p.key));
  const keys = new Set(own.map((p) => (isScalar(p.key) ? String(p.key.value) : "")));
  const merged: Pair[] = [];
  for (const p of map.items) {
    if (!isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const src of sources) {
      const target = isAlias(src) ? src.resolve(doc) : src;
      if (!isMap(target)) continue;
      for (const mp of mergedPairs(doc, target)) {
        const k = isScalar(mp.key) ? String(mp.key.value) : "";
        if (!keys.has(k)) {
          keys.add(k);
          merged.push(mp);
        }
      }
    }
  }
  return [...own, ...merged];
}

function serviceOf(
  parsers: Parsers,
  file: SourceFile,
  doc: Document,
  name: string,
  pair: Pair,
): ComposeService {
  const map = new YAMLMap();
  map.items = mergedPairs(doc, pair.value as YAMLMap);
  const get = (key: string): unknown => map.get(key, true);
  const service: ServiceModel = {
    name,
    loc: pairLoc(file, pair),
    composeFile: file.path,
    dockerfiles: [],
    scripts: [],
    composeCommands: [],
    networkHost: null,
    capAdd: [],
    privileged: null,
    labels: keyValues(file, get("labels")),
    environment: keyValues(file, get("environment")),
    mounts: [],
    memLimit: null,
    ulimits: new Map(),
    sysctls: keyValues(file, get("sysctls")),
  };
  const out: ComposeService = { service };

  const image = get("image");
  if (isScalar(image)) service.image = { value: String(image.value), loc: nodeLoc(file, image) };

  const build = get("build");
  if (isScalar(build)) out.context = String(build.value);
  else if (isMap(build)) {
    const ctx = build.get("context", true);
    const dockerfile = build.get("dockerfile", true);
    out.context = isScalar(ctx) ? String(ctx.value) : ".";
    if (isScalar(dockerfile)) out.dockerfile = String(dockerfile.value);
  }

  const network = get("network_mode");
  if (isScalar(network) && network.value === "host") service.networkHost = nodeLoc(file, network);

  const privileged = get("privileged");
  if (isScalar(privileged) && (privileged.value === true || privileged.value === "true"))
    service.privileged = nodeLoc(file, privileged);

  const caps = get("cap_add");
  if (isSeq(caps)) {
    for (const c of caps.items)
      if (isScalar(c))
        service.capAdd.push({
          value: String(c.value).toUpperCase().replace(/^CAP_/, ""),
          loc: nodeLoc(file, c),
        });
  }

  const mem = map.items.find((p) => isScalar(p.key) && p.key.value === "mem_limit");
  if (mem) service.memLimit = pairLoc(file, mem);

  const ulimits = get("ulimits");
  if (isMap(ulimits)) {
    for (const p of ulimits.items) {
      if (!isScalar(p.key)) continue;
      const v = p.value;
      const value = isScalar(v)
        ? String(v.value)
        : isMap(v)
          ? String((v.get("soft") as unknown) ?? (v.get("hard") as unknown) ?? "")
          : "";
      service.ulimits.set(String(p.key.value), { value, loc: pairLoc(file, p) });
    }
  }

  const volumes = get("volumes");
  if (isSeq(volumes)) for (const v of volumes.items) service.mounts.push(...mountsOf(file, v));
  const tmpfs = get("tmpfs");
  for (const t of isSeq(tmpfs) ? tmpfs.items : tmpfs ? [tmpfs] : []) {
    if (isScalar(t))
      service.mounts.push({
        kind: "tmpfs",
        target: String(t.value).split(":")[0] ?? "",
        loc: nodeLoc(file, t),
      });
  }

  const env = new Map([...service.environment].map(([k, v]) => [k, v.value] as const));
  for (const key of ["entrypoint", "command"]) {
    service.composeCommands.push(...commandOf(parsers, file, get(key), env));
  }
  return out;
}

function mountsOf(file: SourceFile, node: unknown): Mount[] {
  const loc = nodeLoc(file, node);
  if (isScalar(node)) {
    const parts = String(node.value).split(":");
    if (parts.length === 1) return [{ kind: "anonymous", target: parts[0] ?? "", loc }];
    const source = parts[0] ?? "";
    const target = parts[1] ?? "";
    const bind = /^[./~]/.test(source) || source.includes("/") || source.startsWith("$");
    return [{ kind: bind ? "bind" : "volume", source, target, loc }];
  }
  if (isMap(node)) {
    const type = String(node.get("type") ?? "volume");
    const source = node.get("source");
    const target = String(node.get("target") ?? "");
    const kind =
      type === "bind" ? "bind" : type === "tmpfs" ? "tmpfs" : source ? "volume" : "anonymous";
    const m: Mount = { kind, target, loc };
    if (source !== undefined) m.source = String(source);
    return [m];
  }
  return [];
}

/** `environment`, `labels`, `sysctls`: a map, or a list of "KEY=value". */
export function keyValues(file: SourceFile, node: unknown): Map<string, Setting> {
  const out = new Map<string, Setting>();
  if (isMap(node)) {
    for (const p of node.items) {
      if (!isPair(p) || !isScalar(p.key)) continue;
      const v = p.value;
      out.set(String(p.key.value), {
        value: isScalar(v) && v.value !== null ? String(v.value) : "",
        loc: pairLoc(file, p),
      });
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      if (!isScalar(item)) continue;
      const s = String(item.value);
      const eq = s.indexOf("=");
      out.set(eq >= 0 ? s.slice(0, eq) : s, {
        value: eq >= 0 ? s.slice(eq + 1) : "",
        loc: nodeLoc(file, item),
      });
    }
  }
  return out;
}

/** Compose `command`/`entrypoint`: a string is read as shell words, a list as an argv. */
function commandOf(
  parsers: Parsers,
  file: SourceFile,
  node: unknown,
  env: ReadonlyMap<string, string>,
): CommandFact[] {
  if (isScalar(node) && node.range) {
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    const text = quoted ? String(node.value) : file.text.slice(node.range[0], node.range[1]);
    return shellCommands(parsers, {
      file,
      text,
      baseOffset: node.range[0] + (quoted ? 1 : 0),
      phase: "runtime",
      env,
    });
  }
  if (isSeq(node)) {
    const items = node.items.filter(isScalar);
    const head = items[0];
    if (!head) return [];
    const value = String(head.value);
    if (
      /^(sh|bash|ash)$/.test(value.split("/").pop() ?? "") &&
      items[1]?.value === "-c" &&
      items[2]?.range
    ) {
      const code = items[2];
      const quoted = code.type === "QUOTE_DOUBLE" || code.type === "QUOTE_SINGLE";
      return shellCommands(parsers, {
        file,
        text: String(code.value),
        baseOffset: (code.range?.[0] ?? 0) + (quoted ? 1 : 0),
        phase: "runtime",
        env,
      });
    }
    return [
      {
        name: value.split("/").pop() ?? value,
        args: items
          .slice(1)
          .map((i) => ({ text: String(i.value), value: String(i.value), loc: nodeLoc(file, i) })),
        redirects: [],
        loc: nodeLoc(file, head),
        phase: "runtime",
        loops: [],
        onErrorPath: false,
      },
    ];
  }
  return [];
}
