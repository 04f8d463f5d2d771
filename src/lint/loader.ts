// Discovers a release the way balena builds it and loads it into a ReleaseModel:
// docker-compose.yml (or a single Dockerfile project), each service's Dockerfile,
// Dockerfile.template and per-architecture Dockerfile.<arch|device-type>, balena.yml, and
// the scripts and sources those Dockerfiles COPY/ADD in.
import { existsSync, globSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import { EvError } from "../errors.ts";
import { codeFacts } from "./code.ts";
import type { CodeLanguage } from "./code.ts";
import { composeServices, parseCompose } from "./compose.ts";
import { dockerfileModel } from "./dockerfile.ts";
import type {
  CommandFact,
  DockerfileModel,
  Phase,
  ReleaseModel,
  ScriptModel,
  ServiceModel,
  SourceFile,
} from "./model.ts";
import type { Parsers } from "./parsers.ts";
import { shellCommands } from "./shell.ts";
import { sourceFile } from "./source.ts";

export const COMPOSE_NAMES = [
  "docker-compose.yml",
  "docker-compose.yaml",
  "compose.yml",
  "compose.yaml",
];
const SKIP_DIRS = new Set(["node_modules", ".git", "__pycache__", ".venv", "venv", ".tox"]);
const MAX_SOURCE_BYTES = 512 * 1024;
const MAX_SOURCES_PER_SERVICE = 400;

export async function loadRelease(rootDir: string, parsers: Parsers): Promise<ReleaseModel> {
  const root = resolve(rootDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new EvError("EV_RELEASE_NOT_FOUND", `${rootDir} is not a directory`, {
      hint: "pass the directory that holds docker-compose.yml or the Dockerfile",
    });
  }
  const model: ReleaseModel = {
    root,
    files: new Map(),
    compose: null,
    balenaYml: null,
    services: [],
    problems: [],
  };
  const read = (rel: string): SourceFile => {
    const key = rel.split(sep).join("/");
    const cached = model.files.get(key);
    if (cached) return cached;
    const f = sourceFile(key, readFileSync(join(root, rel), "utf8"));
    model.files.set(key, f);
    return f;
  };

  for (const name of ["balena.yml", "balena.yaml"])
    if (existsSync(join(root, name))) model.balenaYml = read(name);

  const composeName = COMPOSE_NAMES.find((n) => existsSync(join(root, n)));
  if (composeName) {
    const { compose, problems } = parseCompose(read(composeName));
    model.compose = compose;
    model.problems.push(...problems);
    if (!compose) return model;
    for (const cs of composeServices(parsers, compose)) {
      if (cs.context !== undefined) {
        const ctx = posix.normalize(cs.context.replace(/\\/g, "/"));
        if (/^(\.\.|\/)|:\/\//.test(ctx) || !existsSync(join(root, ctx))) {
          model.problems.push({
            message: `build context "${cs.context}" of service "${cs.service.name}" is not a folder of the release`,
            loc: cs.service.loc,
            severity: "error",
          });
        } else {
          attachBuild(parsers, model, read, cs.service, ctx, cs.dockerfile);
        }
      }
      model.services.push(cs.service);
    }
    return model;
  }

  const service: ServiceModel = {
    name: "main",
    loc: { file: "Dockerfile", line: 1, column: 1 },
    dockerfiles: [],
    scripts: [],
    composeCommands: [],
    networkHost: null,
    capAdd: [],
    privileged: null,
    labels: new Map(),
    environment: new Map(),
    // A single-container balena app gets a persistent volume at /data.
    mounts: [
      {
        kind: "volume",
        source: "resin-data",
        target: "/data",
        loc: { file: "Dockerfile", line: 1, column: 1 },
      },
    ],
    memLimit: null,
    ulimits: new Map(),
    sysctls: new Map(),
  };
  attachBuild(parsers, model, read, service, ".", undefined);
  if (service.dockerfiles.length === 0) {
    throw new EvError(
      "EV_RELEASE_NOT_FOUND",
      `${rootDir} has no docker-compose.yml and no Dockerfile`,
      {
        hint: "lint the release directory, the one you would `balena push`",
      },
    );
  }
  const first = service.dockerfiles[0];
  if (first) {
    service.loc = { file: first.file.path, line: 1, column: 1 };
    for (const m of service.mounts) m.loc = service.loc;
  }
  model.services.push(service);
  return model;
}

/** Dockerfiles balena could build for this context: the named one, or .template, the plain
 * one and every per-architecture/device-type variant. */
export function dockerfilesIn(root: string, context: string, named: string | undefined): string[] {
  if (named) return existsSync(join(root, context, named)) ? [posix.join(context, named)] : [];
  return readdirSync(join(root, context))
    .filter((n) => n === "Dockerfile" || n.startsWith("Dockerfile."))
    .filter((n) => statSync(join(root, context, n)).isFile())
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((n) => posix.join(context, n));
}

function rank(name: string): number {
  return name === "Dockerfile.template" ? 0 : name === "Dockerfile" ? 1 : 2;
}

function attachBuild(
  parsers: Parsers,
  model: ReleaseModel,
  read: (rel: string) => SourceFile,
  service: ServiceModel,
  context: string,
  named: string | undefined,
): void {
  const composeEnv = new Map([...service.environment].map(([k, v]) => [k, v.value] as const));
  const dockerfiles = dockerfilesIn(model.root, context, named);
  if (dockerfiles.length === 0 && service.composeFile) {
    const what = named ? `"${named}"` : "no Dockerfile, Dockerfile.template or Dockerfile.<arch>";
    model.problems.push({
      message: `service "${service.name}" builds from "${context}", which has ${what}${named ? " missing" : ""}`,
      loc: service.loc,
      severity: "error",
    });
  }
  for (const rel of dockerfiles) {
    let df: DockerfileModel;
    try {
      df = dockerfileModel(parsers, read(rel), composeEnv);
    } catch (e) {
      model.problems.push({
        message: `cannot parse ${rel}: ${(e as Error).message}`,
        loc: { file: rel, line: 1, column: 1 },
        severity: "error",
      });
      continue;
    }
    service.dockerfiles.push(df);
    const env = new Map([...[...df.env].map(([k, v]) => [k, v.value] as const), ...composeEnv]);
    const seen = new Set(service.scripts.map((s) => s.file.path));
    const buildOnly = buildOnlyNames(df, service);
    for (const path of copiedSources(model.root, context, df)) {
      if (seen.has(path) || seen.size >= MAX_SOURCES_PER_SERVICE) continue;
      seen.add(path);
      const phase = buildOnly.has(posix.basename(path)) ? "build" : "runtime";
      try {
        const script = loadScript(parsers, model.root, read, path, env, phase, df.workdir);
        if (script) service.scripts.push(script);
      } catch (e) {
        const message = `cannot read ${path}: ${(e as Error).message}`;
        model.problems.push({
          message,
          loc: { file: path, line: 1, column: 1 },
          severity: "error",
        });
      }
    }
  }
}

/** Basenames of files that RUN instructions execute or pass on (`RUN ./build.sh`,
 * `RUN python3 gen.py`) and that nothing run at start mentions: build-time scripts. */
function buildOnlyNames(df: DockerfileModel, service: ServiceModel): Set<string> {
  const names = (cmds: CommandFact[]) =>
    new Set(
      cmds.flatMap((c) => [c.name, ...c.args.map((a) => posix.basename(a.value))]).filter(Boolean),
    );
  const runtime = names([...df.runtime, ...service.composeCommands]);
  return new Set([...names(df.build)].filter((n) => !runtime.has(n)));
}

/** Files of the build context that COPY/ADD bring in (not `--from` another stage). */
function copiedSources(root: string, context: string, df: DockerfileModel): string[] {
  const out: string[] = [];
  const ctxAbs = join(root, context);
  for (const copy of df.copies) {
    if (copy.fromStage) continue;
    for (const src of copy.sources) {
      if (/^[a-z]+:\/\//.test(src)) continue;
      const clean = posix.normalize(src.replace(/^\/+/, ""));
      if (clean.startsWith("..")) continue;
      const matches = /[*?[]/.test(clean) ? globSync(clean, { cwd: ctxAbs }) : [clean];
      for (const m of matches) {
        const abs = join(ctxAbs, m);
        if (!existsSync(abs)) continue;
        for (const f of walk(abs)) out.push(relative(root, f).split(sep).join("/"));
      }
    }
  }
  return out;
}

/** Files under a path; symbolic links are not followed (a link may point anywhere, or back
 * up the tree). */
function* walk(path: string): Generator<string> {
  const st = lstatSync(path);
  if (st.isFile()) {
    yield path;
    return;
  }
  if (!st.isDirectory()) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    yield* walk(join(path, entry.name));
  }
}

export function languageOf(path: string, text: string): "shell" | CodeLanguage | undefined {
  const ext = posix.extname(path).toLowerCase();
  if (ext === ".sh" || ext === ".bash") return "shell";
  if (ext === ".py") return "python";
  if (ext === ".js" || ext === ".mjs" || ext === ".cjs") return "javascript";
  if (ext === ".ts" || ext === ".mts" || ext === ".cts")
    return path.endsWith(".d.ts") ? undefined : "typescript";
  if (ext !== "") return undefined;
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
  const interp = shebang
    ? ((shebang[1]?.endsWith("/env") ? shebang[2] : shebang[1])?.split("/").pop() ?? "")
    : "";
  if (/^(sh|bash|ash|dash)$/.test(interp)) return "shell";
  if (/^python[0-9.]*$/.test(interp)) return "python";
  if (interp === "node") return "javascript";
  return undefined;
}

function loadScript(
  parsers: Parsers,
  root: string,
  read: (rel: string) => SourceFile,
  path: string,
  env: ReadonlyMap<string, string>,
  phase: Phase,
  workdir: string,
): ScriptModel | undefined {
  const abs = join(root, path);
  if (statSync(abs).size > MAX_SOURCE_BYTES) return undefined;
  let lang = languageOf(path, "");
  if (!lang && posix.extname(path) === "") {
    const head = readFileSync(abs, "utf8").slice(0, 200);
    lang = languageOf(path, head);
  }
  if (!lang) return undefined;
  const file = read(path);
  if (lang === "shell") {
    const commands = shellCommands(parsers, {
      file,
      text: file.text,
      baseOffset: 0,
      phase,
      env,
      workdir,
    });
    return { file, language: "shell", phase, commands, calls: [], strings: [] };
  }
  return codeFacts(parsers, file, lang, env, phase);
}
