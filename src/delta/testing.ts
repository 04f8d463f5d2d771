// Small stream helpers shared by the codec and its tests.
import { createReadStream } from "node:fs";

/** A file's bytes as an async iterable of Buffers. */
export function blobFile(path: string): AsyncIterable<Buffer> {
  return createReadStream(path);
}
