// Path rules for archives we read: nothing absolute, no "..", no links leading outside.
import { posix } from "node:path";
import { EvError } from "../errors.ts";

export function unsafeArchive(what: string, name: string, why: string): EvError {
  return new EvError("EV_ARCHIVE_UNSAFE", `${what}: entry "${name}" ${why}`, {
    hint: "refusing the archive before the engine sees it",
  });
}

/** The normalized entry name, or an EV_ARCHIVE_UNSAFE error. */
export function safeEntryName(what: string, raw: string): string {
  if (raw.includes("\0")) throw unsafeArchive(what, raw, "contains a NUL byte");
  if (raw.startsWith("/")) throw unsafeArchive(what, raw, "has an absolute path");
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw unsafeArchive(what, raw, 'has a ".." component');
  if (parts.length === 0) throw unsafeArchive(what, raw, "has an empty path");
  return parts.join("/");
}

/** Where a symlink at `name` pointing to `target` lands, or an error if outside the archive. */
export function symlinkTarget(what: string, name: string, target: string): string {
  if (target.startsWith("/")) throw unsafeArchive(what, name, `links to absolute path ${target}`);
  const joined = posix.normalize(posix.join(posix.dirname(name), target));
  if (joined === ".." || joined.startsWith("../"))
    throw unsafeArchive(what, name, `links outside the archive (${target})`);
  return joined;
}
