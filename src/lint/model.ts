// The in-memory model of a release the rules read: services with their compose settings,
// Dockerfiles, and the scripts/sources those Dockerfiles copy in, each reduced to "facts"
// (commands run, calls made, strings used) that carry the context a rule needs: which loop
// they sit in, whether they run on an error path, and whether they run at build time.
import type { Document, LineCounter } from "yaml";
import type { Loc, RuleFinding } from "./types.ts";

export interface SourceFile {
  /** Relative to the release root, "/" separators. */
  path: string;
  text: string;
  lines: string[];
  /** Offset of the first character of each line. */
  lineStarts: number[];
}

export type Phase = "build" | "runtime";

export interface LoopCtx {
  kind: "while" | "until" | "for" | "interval";
  /** `while true`, `while True:`, `for (;;)`, `setInterval`… */
  infinite: boolean;
  /** The loop body waits between passes (sleep, time.sleep, setTimeout…). */
  sleeps: boolean;
  /** Shortest literal wait found in the body, in seconds, when one could be read. */
  minSleepSeconds?: number;
  loc: Loc;
}

export interface Context {
  phase: Phase;
  /** Enclosing loops, outermost first. */
  loops: LoopCtx[];
  /** Runs only when something failed: right of `||`, an `else`, an `except`/`catch`… */
  onErrorPath: boolean;
}

/** A shell word. `text` has quotes removed; `value` also has known variables expanded. */
export interface Word {
  text: string;
  value: string;
  loc: Loc;
}

export interface Redirect {
  /** ">", ">>", "&>", "&>>", ">|". Input redirects are not recorded. */
  op: string;
  /** File descriptor written before the operator ("2" in `2>`), if any. */
  fd?: string;
  target: Word;
}

export interface CommandFact extends Context {
  /** Basename of the command word (`/usr/bin/curl` → `curl`). */
  name: string;
  args: Word[];
  redirects: Redirect[];
  loc: Loc;
  /** Words of the pipeline this command's stdout goes to, e.g. `tee` after `|`. */
  pipedTo?: CommandFact;
  /** Working directory after the script's `cd`s: a path, null when a `cd` went somewhere
   * unknown, undefined when the script never changed it. */
  cwd?: string | null;
}

/** A call in a Python or JavaScript source. */
export interface CallFact extends Context {
  /** Dotted callee as written: `requests.post`, `os.system`, `fs.writeFileSync`, `open`. */
  callee: string;
  args: Arg[];
  kwargs: Record<string, Arg>;
  loc: Loc;
}

export interface Arg {
  /** Source text of the argument. */
  text: string;
  /** Best-effort value: string contents, known constants substituted, env reads as `$NAME`. */
  value: string;
  /** The argument is a plain string literal. */
  literal: boolean;
  loc: Loc;
}

export interface StringFact extends Context {
  value: string;
  loc: Loc;
}

export type Language = "shell" | "python" | "javascript";

export interface ScriptModel {
  file: SourceFile;
  language: Language;
  /** "build" when only RUN instructions refer to the script, else "runtime". */
  phase: Phase;
  commands: CommandFact[];
  calls: CallFact[];
  strings: StringFact[];
}

export interface FromFact {
  /** Image reference as written, placeholders and ARGs expanded when known. */
  ref: string;
  repository: string;
  tag?: string;
  digest?: string;
  /** Refers to an earlier build stage or `scratch`: nothing to pin. */
  internal: boolean;
  loc: Loc;
}

export interface CopyFact {
  sources: string[];
  dest: string;
  /** `--from=<stage>`: copies from another stage, not from the build context. */
  fromStage?: string;
  loc: Loc;
}

export interface Setting {
  value: string;
  loc: Loc;
}

export interface DockerfileModel {
  file: SourceFile;
  froms: FromFact[];
  /** RUN commands (build phase). */
  build: CommandFact[];
  /** CMD/ENTRYPOINT of the final stage (runtime phase). */
  runtime: CommandFact[];
  copies: CopyFact[];
  /** ENV of the final stage. */
  env: Map<string, Setting>;
  workdir: string;
}

export interface Mount {
  kind: "volume" | "bind" | "tmpfs" | "anonymous";
  source?: string;
  target: string;
  loc: Loc;
}

export interface ServiceModel {
  name: string;
  /** Key of the service in the compose file, or the Dockerfile of a single-container app. */
  loc: Loc;
  /** Compose file this service comes from; undefined for a single-Dockerfile project. */
  composeFile?: string;
  image?: Setting;
  dockerfiles: DockerfileModel[];
  scripts: ScriptModel[];
  /** Compose `command`/`entrypoint` as run at runtime. */
  composeCommands: CommandFact[];
  networkHost: Loc | null;
  capAdd: Setting[];
  privileged: Loc | null;
  labels: Map<string, Setting>;
  environment: Map<string, Setting>;
  mounts: Mount[];
  memLimit: Loc | null;
  ulimits: Map<string, Setting>;
  sysctls: Map<string, Setting>;
}

export interface ComposeFile {
  file: SourceFile;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export interface ReleaseModel {
  root: string;
  files: Map<string, SourceFile>;
  compose: ComposeFile | null;
  balenaYml: SourceFile | null;
  services: ServiceModel[];
  /** Files that could not be read or parsed; reported under the `parse-error` id. */
  problems: RuleFinding[];
}

/** Every command a service runs or builds with, wherever it was written. */
export function commandsOf(s: ServiceModel): CommandFact[] {
  return [
    ...s.dockerfiles.flatMap((d) => [...d.build, ...d.runtime]),
    ...s.composeCommands,
    ...s.scripts.flatMap((x) => x.commands),
  ];
}

/** Scripts and sources that run on the device (not only during the build). */
export function runtimeScripts(s: ServiceModel): ScriptModel[] {
  return s.scripts.filter((x) => x.phase === "runtime");
}

export function callsOf(s: ServiceModel): CallFact[] {
  return runtimeScripts(s).flatMap((x) => x.calls);
}

export function stringsOf(s: ServiceModel): StringFact[] {
  return runtimeScripts(s).flatMap((x) => x.strings);
}

/** The same file may be linted for several services (shared context); rules use this to
 * report once per location. */
export function locKey(loc: Loc): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}
