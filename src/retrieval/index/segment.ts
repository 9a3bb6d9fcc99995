/**
 * Segments: immutable blocks of rows held in kernel memory (so the flat scan's matmul reads them in
 * place) and stored as one little-endian matrix file plus one JSON ids file each.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Kernels } from "../../engine/kernels/types.js";
import { f32ArrayToF16 } from "../../engine/kernels/index.js";
import { InputError, T1Error } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { sha256, type SegmentEntry, type VectorDType } from "./manifest.js";

export interface Segment {
  ids: string[];
  rows: number;
  /** Row-major (rows, dims) in kernel memory; set for dtype f32. */
  f32?: Float32Array;
  /** Row-major (rows, dims) binary16 bit patterns in kernel memory; set for dtype f16. */
  f16?: Uint16Array;
  /** The manifest entry once the segment is on disk; undefined while it only lives in memory. */
  entry?: SegmentEntry;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new T1Error("UNSUPPORTED", "t1 dense indexes assume a little-endian machine");
}

/** Builds an in-memory segment from already L2-normalised f32 rows. */
export function makeSegment(kernels: Kernels, ids: string[], rows: Float32Array, dims: number, dtype: VectorDType): Segment {
  const n = ids.length;
  if (dtype === "f32") {
    const f32 = kernels.alloc(n * dims);
    f32.set(rows.subarray(0, n * dims));
    return { ids, rows: n, f32 };
  }
  const f16 = kernels.allocU16(n * dims);
  f32ArrayToF16(rows.subarray(0, n * dims), f16);
  return { ids, rows: n, f16 };
}

export function freeSegment(kernels: Kernels, s: Segment): void {
  if (s.f32) kernels.free(s.f32);
  if (s.f16) kernels.freeU16(s.f16);
  s.f32 = undefined;
  s.f16 = undefined;
}

function segmentBytes(s: Segment): Uint8Array {
  const a = s.f32 ?? s.f16;
  if (!a) throw new T1Error("INTERNAL", "segment has no data (already freed?)");
  // A plain copy: kernel memory may be a SharedArrayBuffer, which hashing and fs do not all accept.
  return new Uint8Array(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** Writes the segment's two files (atomically, under generation-stamped names) and returns its entry. */
export function writeSegment(dir: string, s: Segment, generation: number, ordinal: number): SegmentEntry {
  const base = `seg-g${generation}-${ordinal}`;
  const bytes = segmentBytes(s);
  const idsJson = JSON.stringify(s.ids);
  const entry: SegmentEntry = {
    vectors: `${base}.vec`,
    ids: `${base}.ids.json`,
    rows: s.rows,
    sha256Vectors: sha256(bytes),
    sha256Ids: sha256(idsJson),
  };
  writeFileAtomic(join(dir, entry.vectors), bytes);
  writeFileAtomic(join(dir, entry.ids), idsJson);
  s.entry = entry;
  return entry;
}

/** A damaged index file: names it and says how to recover (the manifest's checksums find the damage). */
export function corruptIndexFile(file: string, what: string): InputError {
  return new InputError(`${what}: the index file is corrupt; rebuild the index (t1 index ... --overwrite)`, { file });
}

/** Loads a segment into kernel memory, checking sizes and (when `verify`) the checksums. */
export function readSegment(
  kernels: Kernels,
  dir: string,
  entry: SegmentEntry,
  dims: number,
  dtype: VectorDType,
  verify: boolean,
): Segment {
  const vecPath = join(dir, entry.vectors);
  const idsPath = join(dir, entry.ids);
  let bytes: Buffer;
  let idsText: string;
  try {
    bytes = readFileSync(vecPath);
    idsText = readFileSync(idsPath, "utf8");
  } catch (e) {
    throw new T1Error("NOT_FOUND", `index segment missing: ${(e as Error).message}`, { cause: e });
  }
  const width = dtype === "f32" ? 4 : 2;
  if (bytes.length !== entry.rows * dims * width) {
    throw corruptIndexFile(vecPath, `expected ${entry.rows}x${dims} ${dtype} = ${entry.rows * dims * width} bytes, found ${bytes.length}`);
  }
  if (verify && sha256(bytes) !== entry.sha256Vectors) throw corruptIndexFile(vecPath, "checksum mismatch");
  if (verify && sha256(idsText) !== entry.sha256Ids) throw corruptIndexFile(idsPath, "checksum mismatch");
  let ids: unknown;
  try {
    ids = JSON.parse(idsText);
  } catch (e) {
    throw corruptIndexFile(idsPath, `invalid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(ids) || ids.length !== entry.rows || ids.some((x) => typeof x !== "string")) {
    throw corruptIndexFile(idsPath, `expected a JSON array of ${entry.rows} strings`);
  }
  const seg: Segment = { ids: ids as string[], rows: entry.rows, entry };
  if (dtype === "f32") {
    seg.f32 = kernels.alloc(entry.rows * dims);
    new Uint8Array(seg.f32.buffer, seg.f32.byteOffset, seg.f32.byteLength).set(bytes);
  } else {
    seg.f16 = kernels.allocU16(entry.rows * dims);
    new Uint8Array(seg.f16.buffer, seg.f16.byteOffset, seg.f16.byteLength).set(bytes);
  }
  return seg;
}

/** L2-normalises `n` rows of `dims` into a fresh array; a zero or non-finite row is an error. */
export function normalizeRows(v: Float32Array, n: number, dims: number, what: string): Float32Array {
  if (v.length !== n * dims) throw new InputError(`${what}: expected ${n}x${dims} = ${n * dims} values, got ${v.length}`);
  const out = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    let ss = 0;
    const o = r * dims;
    for (let j = 0; j < dims; j++) ss += v[o + j] * v[o + j];
    if (!(ss > 0) || !Number.isFinite(ss)) throw new InputError(`${what}: row ${r} has norm ${Math.sqrt(ss)}; cannot L2-normalise`);
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < dims; j++) out[o + j] = v[o + j] * inv;
  }
  return out;
}
