/**
 * The on-disk description of a dense index. The manifest is the single source of truth: data files
 * carry their generation in their name and are never rewritten, and the manifest (written last,
 * atomically) names the files of the current generation. A crash mid-write leaves the previous
 * manifest pointing at the previous, intact files.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, T1Error } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";

export const MANIFEST_FILE = "manifest.json";
export const INDEX_FORMAT = "t1-dense-index";
export const INDEX_FORMAT_VERSION = 1;

export type IndexKind = "flat" | "hnsw";
export type VectorDType = "f32" | "f16";

/** One immutable block of rows: a vector matrix file and its ids file. */
export interface SegmentEntry {
  /** File name (relative to the index directory) of the row-major little-endian matrix. */
  vectors: string;
  /** File name of the JSON array of document ids, one per row. */
  ids: string;
  rows: number;
  sha256Vectors: string;
  sha256Ids: string;
}

export interface HnswParams {
  /** Graph degree M. Higher: better recall, more memory, slower adds. */
  connectivity: number;
  /** Candidate list size while inserting (efConstruction). Higher: better graph, slower adds. */
  expansionAdd: number;
  /** Candidate list size while searching (ef). Higher: better recall, slower queries. */
  expansionSearch: number;
}

export interface IndexManifest {
  format: typeof INDEX_FORMAT;
  version: number;
  kind: IndexKind;
  /** Identifier of the embedding model (path or name); searching with another model is a MISMATCH. */
  model: string;
  /** Document-side instruction the vectors were encoded with. */
  instruction: string;
  dims: number;
  dtype: VectorDType;
  /** Vectors are stored L2-normalised, so a dot product is the cosine. */
  normalization: "l2";
  /** Rows ever added (deleted rows included: row numbers are stable). */
  rows: number;
  /** Rows not deleted. */
  live: number;
  /** Increments at every flush; names the files written by it. */
  generation: number;
  segments: SegmentEntry[];
  /** Deletion bitmap (bit r set = row r deleted), absent when nothing was deleted. */
  deleted?: { file: string; sha256: string; count: number };
  /** HNSW graph file (usearch format), the rows it covers (later rows are re-inserted on open) and its parameters; only for kind "hnsw". */
  hnsw?: HnswParams & { file?: string; sha256?: string; rows?: number };
  /** Free-form metadata callers keep with the index (e.g. encoder settings). */
  meta?: Record<string, unknown>;
  updatedAt: string;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}

export function hasManifest(dir: string): boolean {
  return existsSync(manifestPath(dir));
}

export function readManifest(dir: string): IndexManifest {
  const path = manifestPath(dir);
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `${dir}: not a t1 index (no ${MANIFEST_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, { file: path });
  }
  const m = raw as Partial<IndexManifest>;
  const need = (field: string, ok: boolean, expected: string): void => {
    if (!ok) throw new InputError(`expected ${expected}`, { file: path, field });
  };
  need("format", m.format === INDEX_FORMAT, `"${INDEX_FORMAT}"`);
  need("version", m.version === INDEX_FORMAT_VERSION, `version ${INDEX_FORMAT_VERSION} (got ${String(m.version)})`);
  need("kind", m.kind === "flat" || m.kind === "hnsw", `"flat" or "hnsw"`);
  need("dims", Number.isInteger(m.dims) && (m.dims as number) > 0, "a positive integer");
  need("dtype", m.dtype === "f32" || m.dtype === "f16", `"f32" or "f16"`);
  need("model", typeof m.model === "string", "a string");
  need("instruction", typeof m.instruction === "string", "a string");
  need("segments", Array.isArray(m.segments), "an array");
  need("rows", Number.isInteger(m.rows), "an integer");
  const total = (m.segments as SegmentEntry[]).reduce((s, g) => s + g.rows, 0);
  need("rows", total === m.rows, `the sum of segment rows (${total}), got ${String(m.rows)}`);
  return m as IndexManifest;
}

export function writeManifest(dir: string, m: IndexManifest): void {
  writeFileAtomic(manifestPath(dir), JSON.stringify(m, null, 1) + "\n");
}

/** What a caller expects an index to have been built with; undefined fields are not checked. */
export interface IndexExpectation {
  model?: string;
  instruction?: string;
  dims?: number;
}

/** Throws MISMATCH when the index was built with another model, instruction or width. */
export function checkExpectation(dir: string, m: IndexManifest, want: IndexExpectation): void {
  const diffs: string[] = [];
  if (want.model !== undefined && want.model !== m.model) diffs.push(`model "${m.model}" (requested "${want.model}")`);
  if (want.instruction !== undefined && want.instruction !== m.instruction) {
    diffs.push(`instruction "${m.instruction}" (requested "${want.instruction}")`);
  }
  if (want.dims !== undefined && want.dims !== m.dims) diffs.push(`${m.dims} dims (requested ${want.dims})`);
  if (diffs.length) throw new T1Error("MISMATCH", `index ${dir} was built with ${diffs.join(", ")}`);
}
