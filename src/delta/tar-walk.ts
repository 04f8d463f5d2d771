// A raw walk over a tar file: every byte belongs to exactly one entry's header, content or
// padding, or to the trailer, so an encoder can rebuild the file byte for byte. Knows
// ustar, PAX ('x'/'g') and GNU long names ('L'/'K'); knows nothing about images.
import type { FileHandle } from "node:fs/promises";
import { EvError } from "../errors.ts";
import { FileWindow, readAt } from "./file-window.ts";

export interface TarEntry {
  /** Offset of the 512-byte header. */
  headerStart: number;
  contentStart: number;
  size: number;
  /** End of content padding: the next header starts here. */
  end: number;
  /** Typeflag character; "0" for regular files ("\0" and "7" are mapped to "0"). */
  type: string;
  /** Path after PAX / GNU long-name overrides, without leading "./" or "/". */
  path: string;
  /** The path as stored, for safety checks. */
  rawPath: string;
  linkname: string;
  /** True for PAX / GNU headers that describe the next entry. */
  meta: boolean;
}

export interface TarTrailer {
  /** Offset where the end-of-archive blocks (and anything after) start. */
  start: number;
  end: number;
}

const BLOCK = 512;
const MAX_META = 1 << 20;

export function normalizeTarPath(p: string): string {
  let s = p;
  while (s.startsWith("./")) s = s.slice(2);
  while (s.startsWith("/")) s = s.slice(1);
  while (s.endsWith("/")) s = s.slice(0, -1);
  return s === "." ? "" : s;
}

function cstring(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return (nul === -1 ? slice : slice.subarray(0, nul)).toString("utf8");
}

function parseNumber(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  if ((field[0]! & 0x80) !== 0) {
    // GNU base-256: big-endian, first byte's high bit is the marker.
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = cstring(buf, start, len).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = parseNumber(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return stored === sum;
}

function parsePax(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < buf.length) {
    const space = buf.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(buf.subarray(pos, space).toString("ascii"), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = buf.subarray(space + 1, pos + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

function bad(what: string, message: string): EvError {
  return new EvError("EV_ARCHIVE_UNSAFE", `${what}: ${message}`, {
    hint: "the tar is corrupt or not a tar",
  });
}

/**
 * Walk the tar in fh (size bytes). Yields entries in order, then returns the trailer.
 * `what` names the tar in errors. Given a FileWindow, headers are read through it (pass the
 * one the caller reads contents with, so that small files come from the same window); given
 * a FileHandle, one block at a time.
 */
export async function* walkTar(
  fh: FileHandle | FileWindow,
  size: number,
  what: string,
): AsyncGenerator<TarEntry, TarTrailer> {
  const file = fh instanceof FileWindow ? fh : new FileWindow(fh, size, BLOCK);
  let pos = 0;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  while (pos + BLOCK <= size) {
    const header = await file.read(pos, BLOCK);
    if (header.every((b) => b === 0)) return { start: pos, end: size };
    if (!checksumOk(header)) throw bad(what, `bad header checksum at offset ${pos}`);
    let type = String.fromCharCode(header[156]!);
    if (type === "\0" || type === "7") type = "0";
    let entrySize = parseNumber(header, 124, 12);
    const meta = type === "x" || type === "g" || type === "L" || type === "K";
    if (!meta && pax.has("size")) entrySize = Number(pax.get("size"));
    const contentStart = pos + BLOCK;
    const end = contentStart + Math.ceil(entrySize / BLOCK) * BLOCK;
    if (end > size) throw bad(what, `entry at offset ${pos} runs past the end of the file`);
    let path = "";
    let linkname = "";
    if (meta) {
      if (entrySize > MAX_META) throw bad(what, `metadata entry of ${entrySize} bytes`);
      const body = await file.read(contentStart, entrySize);
      if (type === "x") pax = parsePax(body);
      else if (type === "L") longName = cstring(body, 0, body.length);
      else if (type === "K") longLink = cstring(body, 0, body.length);
    } else {
      const name = cstring(header, 0, 100);
      const magic = header.subarray(257, 262).toString("latin1");
      const prefix = magic === "ustar" ? cstring(header, 345, 155) : "";
      path = pax.get("path") ?? longName ?? (prefix ? `${prefix}/${name}` : name);
      linkname = pax.get("linkpath") ?? longLink ?? cstring(header, 157, 100);
      pax = new Map();
      longName = undefined;
      longLink = undefined;
    }
    yield {
      headerStart: pos,
      contentStart,
      size: entrySize,
      end,
      type,
      path: normalizeTarPath(path),
      rawPath: path,
      linkname,
      meta,
    };
    pos = end;
  }
  return { start: pos, end: size };
}

export { FileWindow, readAt };
