// What the codec needs from the base (old) image: a catalog of its files when encoding,
// and sequential reads of a file by path when decoding. The codec knows no containers.

export interface BaseFile {
  /** Path inside the base filesystem, without a leading "/". */
  path: string;
  size: number;
  /** Hex sha256 of the content. */
  sha256: string;
}

/** Encoder side: every regular file of the base filesystem, with random access. */
export interface BaseCatalog {
  byPath(path: string): BaseFile | undefined;
  bySha256(sha256: string): BaseFile | undefined;
  /** A file whose path differs only in version-like digits (libssl.so.3.0.2 → .3.0.8). */
  similar(path: string): BaseFile | undefined;
  /** The file sharing the most content chunks (fingerprint.ts) with a new file, if any. */
  resembling?(fingerprints: readonly number[]): BaseFile | undefined;
  read(file: BaseFile, start: number, end: number): Promise<Buffer>;
}

/** Decoder side: the content of one base file, streamed from its start. */
export interface BaseReader {
  open(path: string): Promise<AsyncIterable<Buffer>>;
  /**
   * A tar of base directory `dir` ("" = root) exactly as the engine renders it; needed
   * only by deltas with reference-archive patches.
   */
  openArchive?(dir: string): Promise<AsyncIterable<Buffer>>;
}

export interface CodecTuning {
  /** zstd level for literals and patches (1–22). */
  level: number;
}

export const DEFAULT_TUNING: CodecTuning = { level: 19 };

export interface LayerEncodeStats {
  tarBytes: number;
  literalBytes: number;
  copiedBytes: number;
  patchedBytes: number;
  patchFrameBytes: number;
  files: { copied: number; patched: number; literal: number };
}
