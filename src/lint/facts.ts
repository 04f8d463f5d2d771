// Helpers the rules share: which strings point at the supervisor API, which paths a command
// or call writes to, and whether a path sits on a named volume, a tmpfs or nowhere at all.
import { posix } from "node:path";
import type { CallFact, CommandFact, Context, LoopCtx, ServiceModel } from "./model.ts";
import type { Loc } from "./types.ts";

/** The supervisor API is reached by expanding these variables (`$BALENA_SUPERVISOR_ADDRESS`,
 * `${…}`; Python/JS environment reads are rendered that way too) or at its default port.
 * The bare variable name (`os.environ.get("BALENA_SUPERVISOR_ADDRESS")`) is not a request,
 * and a service merely named "supervisor" is not the supervisor. */
const SUPERVISOR =
  /\$\{?(BALENA|RESIN)_SUPERVISOR_(ADDRESS|HOST|PORT)\b|\b(127\.0\.0\.1|localhost):48484\b/;

export function mentionsSupervisor(value: string): boolean {
  return SUPERVISOR.test(value);
}

/** Calls that make an HTTP request, in Python and JavaScript. */
const HTTP_CALLEE =
  /^(requests|httpx|session|self\.session|client|self\.client|aiohttp|urllib\.request|axios|got|http|https|ky|superagent)\.|(^|\.)(urlopen|fetch|request|get|post|put|patch)$/;

export function isHttpCall(call: CallFact): boolean {
  return HTTP_CALLEE.test(call.callee);
}

export const HTTP_TOOLS = new Set(["curl", "wget", "http", "https", "xh", "httpie"]);

/** Paths that are not files on the container's disk. */
export function isPseudoPath(path: string): boolean {
  return /^\/(dev|proc|sys)(\/|$)/.test(path);
}

/** Paths that are scratch by intent; writing there is not keeping data. */
export function isScratchPath(path: string): boolean {
  return /^\/(tmp|run|var\/run|var\/tmp|dev\/shm)(\/|$)/.test(path);
}

/** Where balenaOS's boot partition (config.txt, config.json) shows up in a container. */
export const BOOT_DIRS = [
  "/mnt/boot",
  "/boot",
  "/resin-boot",
  "/mnt/resin-boot",
  "/mnt/balena-boot",
  "/host/boot",
];

/** The boot partition is the host's, reported by boot-config-write, not a container write. */
export function isBootPath(path: string): boolean {
  return BOOT_DIRS.some((d) => path.startsWith(`${d}/`));
}

export function isLogPath(path: string): boolean {
  return (
    /\.log(\.\d+)?$/.test(path) || /^\/var\/log\//.test(path) || /(^|\/)logs?\/[^/]+$/.test(path)
  );
}

/** An absolute path, resolving a relative one against the working directory; undefined
 * when it still holds an unknown variable. */
export function resolvePath(raw: string, workdir: string): string | undefined {
  if (raw === "" || /[$`{}*]/.test(raw) || /^[a-z]+:\/\//i.test(raw)) return undefined;
  return posix.normalize(raw.startsWith("/") ? raw : posix.join(workdir || "/", raw));
}

function under(path: string, dir: string): boolean {
  const d = dir.replace(/\/+$/, "") || "/";
  return d === "/" || path === d || path.startsWith(`${d}/`);
}

export function onNamedVolume(service: ServiceModel, path: string): boolean {
  return service.mounts.some((m) => m.kind === "volume" && under(path, m.target));
}

export function onTmpfs(service: ServiceModel, path: string): boolean {
  return (
    path.startsWith("/dev/shm/") ||
    service.mounts.some((m) => m.kind === "tmpfs" && under(path, m.target))
  );
}

/** Directories the service mounts something on at runtime (`mount <dev> <dir>`): files
 * there are not on the container's filesystem. */
export function mountTargets(service: ServiceModel): string[] {
  const out: string[] = [];
  for (const c of [
    ...service.composeCommands,
    ...service.dockerfiles.flatMap((d) => d.runtime),
    ...service.scripts.flatMap((s) => s.commands),
  ]) {
    if (c.name !== "mount") continue;
    const ops = c.args.filter((a) => !a.value.startsWith("-")).map((a) => a.value);
    const dir = ops.at(-1);
    if (ops.length >= 2 && dir?.startsWith("/")) out.push(posix.normalize(dir));
  }
  return out;
}

export function isUnder(path: string, dir: string): boolean {
  return under(path, dir);
}

/** Working directory of the service's final image (first Dockerfile that sets one). */
export function workdirOf(service: ServiceModel): string {
  return service.dockerfiles.find((d) => d.workdir !== "/")?.workdir ?? "/";
}

const COPY_TOOLS = new Set(["cp", "mv", "install", "rsync"]);

/** A file written: the path as written (or resolved against a `cd`), where, and how. */
export interface Write {
  raw: string;
  loc: Loc;
  /** "redirect", "tee", "cp", "sed -i", "open", "sqlite"… */
  how: string;
  append: boolean;
}

/** Files a shell command writes: redirections, `tee`, cp/mv/install destinations, `sed -i`,
 * `dd of=`, `sqlite3 <db>`. */
function rawCommandWrites(cmd: CommandFact): Write[] {
  const out: Write[] = [];
  for (const r of cmd.redirects) {
    if (r.fd !== undefined && r.fd !== "1" && r.fd !== "2") continue;
    out.push({
      raw: r.target.value,
      loc: r.target.loc,
      how: "redirect",
      append: r.op.includes(">>"),
    });
  }
  const operands = cmd.args.filter((a) => !a.value.startsWith("-"));
  if (cmd.name === "tee") {
    const append = cmd.args.some((a) => a.value === "-a" || a.value === "--append");
    for (const a of operands) out.push({ raw: a.value, loc: a.loc, how: "tee", append });
  } else if (COPY_TOOLS.has(cmd.name)) {
    const dest = operands.at(-1);
    if (dest && operands.length >= 2)
      out.push({ raw: dest.value, loc: dest.loc, how: cmd.name, append: false });
  } else if (
    cmd.name === "sed" &&
    cmd.args.some((a) => /^-[a-zA-Z]*i/.test(a.value) || a.value.startsWith("--in-place"))
  ) {
    const file = operands.at(-1);
    if (file && operands.length >= 2)
      out.push({ raw: file.value, loc: file.loc, how: "sed -i", append: false });
  } else if (cmd.name === "dd") {
    for (const a of cmd.args)
      if (a.value.startsWith("of="))
        out.push({ raw: a.value.slice(3), loc: a.loc, how: "dd", append: false });
  } else if (cmd.name === "sqlite3") {
    const db = operands[0];
    if (db && db.value !== ":memory:")
      out.push({ raw: db.value, loc: db.loc, how: "sqlite3", append: true });
  }
  return out;
}

export function commandWrites(cmd: CommandFact): Write[] {
  const out: Write[] = [];
  for (const w of rawCommandWrites(cmd)) {
    if (w.raw.startsWith("/") || cmd.cwd === undefined) out.push(w);
    // Relative to a directory the script `cd`ed into: resolve there, or give up if unknown.
    else if (cmd.cwd !== null) out.push({ ...w, raw: posix.join(cmd.cwd, w.raw) });
  }
  return out;
}

/** Files a Python/JavaScript call writes. `log` marks logging sinks (file handlers). */
export function callWrites(call: CallFact): (Write & { log?: "rotating" | "plain" })[] {
  const c = call.callee;
  const first = call.args[0];
  if (!first) {
    const filename = call.kwargs.filename;
    if (/(^|\.)basicConfig$/.test(c) && filename)
      return [
        {
          raw: filename.value,
          loc: filename.loc,
          how: "logging.basicConfig",
          append: true,
          log: "plain",
        },
      ];
    return [];
  }
  const one = (how: string, append: boolean, log?: "rotating" | "plain") => {
    const w: Write & { log?: "rotating" | "plain" } = {
      raw: first.value,
      loc: first.loc,
      how,
      append,
    };
    if (log) w.log = log;
    return [w];
  };
  if (c === "open" || c === "io.open" || /(^|\.)fs(\.promises)?\.open(Sync)?$/.test(c)) {
    const mode = call.args[1]?.value ?? call.kwargs.mode?.value ?? "r";
    return /[wax+]/.test(mode) ? one("open", mode.includes("a")) : [];
  }
  if (/(^|\.)(Rotating|TimedRotating)FileHandler$/.test(c))
    return one(c.split(".").pop() ?? c, true, "rotating");
  if (/(^|\.)(FileHandler|WatchedFileHandler)$/.test(c))
    return one(c.split(".").pop() ?? c, true, "plain");
  if (/(^|\.)sqlite3?\.connect$|(^|\.)(sqlite3\.)?Database$|^(new)?(Better)?Sqlite3?$/i.test(c)) {
    return first.value === ":memory:" ? [] : one("sqlite", true);
  }
  if (/(^|\.)(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream)$/.test(c)) {
    return one(
      c.split(".").pop() ?? c,
      /append|createWriteStream/.test(c),
      /createWriteStream|append/.test(c) ? "plain" : undefined,
    );
  }
  if (/(^|\.)transports\.File$/.test(c)) {
    const opts = first.text;
    const rotating = /maxsize|maxFiles/.test(opts);
    const m = /filename\s*:\s*(['"`])([^'"`]+)\1/.exec(opts);
    return m?.[2]
      ? [
          {
            raw: m[2],
            loc: first.loc,
            how: "winston File transport",
            append: true,
            log: rotating ? "rotating" : "plain",
          },
        ]
      : [];
  }
  if (/^shutil\.(copy|copy2|copyfile|move)$/.test(c)) {
    const dest = call.args[1];
    return dest ? [{ raw: dest.value, loc: dest.loc, how: c, append: false }] : [];
  }
  return [];
}

/** The innermost loop that repeats until something stops it (not a `for x in list`). */
export function pollingLoop(ctx: Context): LoopCtx | undefined {
  for (let i = ctx.loops.length - 1; i >= 0; i--) {
    const l = ctx.loops[i];
    if (l && (l.infinite || l.kind === "while" || l.kind === "until" || l.kind === "interval"))
      return l;
  }
  return undefined;
}

/** Labels are true when set to "1"/"true" (balena's io.balena.features.* convention). */
export function labelOn(service: ServiceModel, name: string): boolean {
  const v = service.labels.get(name)?.value.toLowerCase();
  return v === "1" || v === "true" || v === "yes";
}

export function sameLoc(a: Loc, b: Loc): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}
