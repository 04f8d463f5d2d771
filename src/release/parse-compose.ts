// Compose text -> draft release. Pure: files are read through `readTextFile`, build
// contexts are hashed later by the loader (see build-context-hash.ts).
import { LineCounter, parseDocument, type Node } from "yaml";
import { sanitiseAppName } from "./app-name.ts";
import { interpolateDocument } from "./interpolate-doc.ts";
import { IssueList } from "./issues.ts";
import { parseNetworkDecls, parseVolumeDecls } from "./parse-resources.ts";
import { parseService, type ParsedService } from "./parse-service.ts";
import { posAt, type SourcePos } from "./positions.ts";
import { checkReferences } from "./references.ts";
import type { ParseEnv, ReadTextFile, Reference } from "./service-ctx.ts";
import type { BuildSpec, NetworkSpec, Release, ServiceSpec, VolumeSpec } from "./types.ts";
import { UNSUPPORTED_TOP_LEVEL_FIELDS } from "./unsupported.ts";
import {
  fail,
  isNullish,
  mapEntries,
  pathOfKeyAt,
  pos,
  readString,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";

export interface ParseInput {
  /** Compose file text. */
  text: string;
  /** The file as the user should see it in messages. */
  file: string;
  /** Absolute directory of the compose file. */
  baseDir: string;
  /** Interpolation variables (already merged: process env over .env). */
  env: Readonly<Record<string, string | undefined>>;
  /** App name from the caller; wins over the file's `name`. */
  app?: string;
  /** App name when neither the caller nor the file gives one (the directory's name). */
  fallbackApp: string;
  homeDir?: string;
  readTextFile: ReadTextFile;
}

/** A build service whose image tag the loader must still complete. */
export interface PendingBuild {
  service: string;
  build: BuildSpec;
  /** True when the tag is derived (`<app>_<service>`), false when `image:` names it. */
  derived: boolean;
  at: SourcePos;
  path: string;
}

export type DraftRelease = Omit<Release, "releaseId">;

export interface ParseOutput {
  release: DraftRelease;
  builds: PendingBuild[];
  issues: IssueList;
}

export function parseCompose(input: ParseInput): ParseOutput {
  const issues = new IssueList(input.file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(input.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const read: ReadCtx = { doc, lineCounter, issues, reported: new WeakSet() };
  const empty: ParseOutput = {
    release: { app: "", services: {}, volumes: {}, networks: {} },
    builds: [],
    issues,
  };
  for (const e of doc.errors) {
    const key = /^[^\s:]+/.exec(input.text.slice(e.pos[0]))?.[0] ?? "";
    const message =
      e.code === "DUPLICATE_KEY"
        ? `duplicate key "${key}" (YAML mapping keys must be unique)`
        : yamlMessage(e.message);
    const at = e.code === "DUPLICATE_KEY" ? pathOfKeyAt(doc.contents, e.pos[0]) : "";
    issues.error(posAt(lineCounter, e.pos[0]), at, message);
  }
  for (const w of doc.warnings)
    issues.warn(posAt(lineCounter, w.pos[0]), "", yamlMessage(w.message));
  if (doc.errors.some((e) => e.code !== "DUPLICATE_KEY")) return empty;
  if (doc.contents === null) {
    issues.error(
      { line: 1, column: 1 },
      "",
      "the compose file is empty; expected a mapping with `services`",
    );
    return empty;
  }
  const env = input.env;
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  interpolateDocument(read, lookup);

  let name: string | undefined;
  let nameNode: Node | null = null;
  let servicesNode: { node: Node | null; keyNode: Node; path: string } | undefined;
  let volumes: Record<string, VolumeSpec> = {};
  let networks: Record<string, NetworkSpec> = {};
  const top = mapEntries(read, doc.contents as Node, "", "a mapping with `services`");
  if (!top) return empty;
  for (const e of top) {
    if (e.key === "version" || e.key.startsWith("x-")) continue;
    if (e.key === "name") {
      name = readString(read, e.value, e.path, "an app name");
      nameNode = e.value;
    } else if (e.key === "services")
      servicesNode = { node: e.value, keyNode: e.keyNode, path: e.path };
    else if (e.key === "volumes")
      volumes = isNullish(e.value) ? {} : parseVolumeDecls(read, e.value, e.path);
    else if (e.key === "networks")
      networks = isNullish(e.value) ? {} : parseNetworkDecls(read, e.value, e.path);
    else {
      const why = UNSUPPORTED_TOP_LEVEL_FIELDS[e.key];
      warn(
        read,
        e.keyNode,
        e.path,
        why ? `not supported: ${why}` : "unknown top-level field, ignored",
      );
    }
  }

  const app = sanitiseAppName(input.app ?? name ?? input.fallbackApp);
  if (app === "")
    fail(
      read,
      input.app === undefined ? nameNode : null,
      "name",
      `app name "${input.app ?? name ?? input.fallbackApp}" has no usable characters; use [a-z0-9_-]`,
    );

  const serviceEnv: ParseEnv = {
    baseDir: input.baseDir,
    homeDir: input.homeDir,
    lookup,
    readTextFile: input.readTextFile,
  };
  const parsed = parseServices(read, serviceEnv, servicesNode);

  const services: Record<string, ServiceSpec> = {};
  const builds: PendingBuild[] = [];
  const refs: Reference[] = [];
  for (const p of parsed) {
    services[p.spec.name] = p.spec;
    refs.push(...p.refs);
    if (p.spec.build) {
      const derived = p.spec.image === "";
      if (derived) p.spec.image = `${app}_${p.spec.name.toLowerCase()}`;
      builds.push({
        service: p.spec.name,
        build: p.spec.build,
        derived,
        at: pos(read, p.buildNode),
        path: p.buildPath ?? "",
      });
    }
  }
  checkReferences(read, refs, {
    services: new Set(Object.keys(services)),
    volumes: new Set(Object.keys(volumes)),
    networks: new Set(Object.keys(networks)),
  });
  const usesDefault = Object.values(services).some((s) => "default" in s.networks);
  if (usesDefault && !networks.default) {
    networks = {
      ...networks,
      default: { name: "default", driver: "bridge", driverOpts: {}, labels: {}, internal: false },
    };
  }
  return { release: { app, services, volumes, networks }, builds, issues };
}

function parseServices(
  read: ReadCtx,
  env: ParseEnv,
  at: { node: Node | null; keyNode: Node; path: string } | undefined,
): ParsedService[] {
  if (!at) {
    read.issues.error({ line: 1, column: 1 }, "services", "a compose file needs `services`");
    return [];
  }
  const entries = mapEntries(read, at.node, at.path, "a mapping of service name to settings");
  if (!entries) return [];
  if (entries.length === 0)
    fail(read, at.node ?? at.keyNode, at.path, "a release needs at least one service");
  return entries.map((e) => parseService(read, env, e.key, e.keyNode, e.value, e.path));
}

function yamlMessage(message: string): string {
  return `YAML: ${message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "")}`;
}
