// Pure parsers for the /proc files the doctor reads, so they are tested on literal text.

/** /proc/meminfo → bytes by field name ("MemTotal", "MemAvailable", …). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\S+):\s+(\d+)(\s+kB)?$/.exec(line.trim());
    if (m) out.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

export interface MountEntry {
  major: number;
  minor: number;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** /proc/self/mountinfo, with octal escapes (\040 for space) decoded in mount points. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const f = pre.split(" ");
    const [major, minor] = (f[2] ?? "").split(":").map(Number);
    const [fsType, source] = post.split(" ");
    if (major === undefined || minor === undefined || !f[4]) continue;
    out.push({
      major,
      minor,
      mountPoint: unescapeOctal(f[4]),
      fsType: fsType ?? "",
      source: source ?? "",
    });
  }
  return out;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The mount holding `path`: the longest mount point that is a prefix of it (last wins). */
export function mountOf(mounts: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const prefix = m.mountPoint === "/" ? "/" : `${m.mountPoint}/`;
    const inside = path === m.mountPoint || path.startsWith(prefix);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export interface DiskStat {
  major: number;
  minor: number;
  name: string;
  sectorsWritten: number;
}

/** /proc/diskstats; sectors are always 512 bytes there, whatever the device's block size. */
export function parseDiskstats(text: string): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    out.push({
      major: Number(f[0]),
      minor: Number(f[1]),
      name: f[2]!,
      sectorsWritten: Number(f[9]),
    });
  }
  return out;
}

/** "Max core file size" from /proc/<pid>/limits: soft limit in bytes, Infinity for unlimited. */
export function parseCoreLimit(limitsText: string): number | undefined {
  const line = limitsText.split("\n").find((l) => l.startsWith("Max core file size"));
  if (!line) return undefined;
  const soft = line.slice("Max core file size".length).trim().split(/\s+/)[0];
  if (soft === undefined) return undefined;
  return soft === "unlimited" ? Infinity : Number(soft);
}
