/**
 * A dense vector index on disk: exact ("flat") or approximate ("hnsw"), f32 or f16 rows, with
 * incremental add/delete. `add` and `delete` change the in-memory index at once (searches see
 * them); `flush()` makes them durable. Every flush writes new generation-stamped files and then the
 * manifest, so a crash at any point leaves the last flushed state readable.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { getKernels } from "../../engine/kernels/index.js";
import { f16ToF32Table } from "../../engine/kernels/shapes.js";
import type { Kernels } from "../../engine/kernels/types.js";
import { InputError, T1Error } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import {
  checkExpectation,
  hasManifest,
  INDEX_FORMAT,
  INDEX_FORMAT_VERSION,
  MANIFEST_FILE,
  readManifest,
  sha256,
  writeManifest,
  type IndexManifest,
} from "./manifest.js";
import { corruptIndexFile, freeSegment, makeSegment, normalizeRows, readSegment, writeSegment, type Segment } from "./segment.js";
import { scanTopK } from "./flat-scan.js";
import { DEFAULT_HNSW, HnswGraph } from "./hnsw.js";
import { WriterLock } from "./writer-lock.js";
import type { CreateIndexOptions, IndexHit, OpenIndexOptions, SearchOptions } from "./options.js";

export type { CreateIndexOptions, IndexHit, OpenIndexOptions, SearchOptions } from "./options.js";

export class DenseIndex {
  private readonly kernels: Kernels;
  private segments: Segment[] = [];
  private rowIds: string[] = [];
  private readonly idToRow = new Map<string, number>();
  private deleted = new Uint8Array(0);
  private deletedCount = 0;
  private graph?: HnswGraph;
  private dirty = false;
  private deletedDirty = false;
  private graphDirty = false;
  private closed = false;
  /** Held from the first change until close: one writer per directory. */
  private lock?: WriterLock;

  /** Use `createIndex` / `openIndex`. */
  constructor(
    readonly dir: string,
    private m: IndexManifest,
    verify: boolean,
  ) {
    this.kernels = getKernels();
    for (const entry of m.segments) this.pushSegment(readSegment(this.kernels, dir, entry, m.dims, m.dtype, verify));
    if (m.deleted) {
      const path = join(dir, m.deleted.file);
      const bits = readFileSync(path);
      if (verify && sha256(bits) !== m.deleted.sha256) throw corruptIndexFile(path, "checksum mismatch");
      this.deleted = new Uint8Array(Math.max(bits.length, (m.rows + 7) >> 3));
      this.deleted.set(bits);
      for (let r = 0; r < m.rows; r++) {
        if (this.isDeleted(r)) {
          this.deletedCount++;
          if (this.idToRow.get(this.rowIds[r]) === r) this.idToRow.delete(this.rowIds[r]);
        }
      }
    }
    if (m.kind === "hnsw") {
      const params = { ...DEFAULT_HNSW, ...m.hnsw };
      this.graph = new HnswGraph(m.dims, m.dtype, params);
      if (m.hnsw?.file && existsSync(join(dir, m.hnsw.file))) {
        const graphPath = join(dir, m.hnsw.file);
        if (verify && m.hnsw.sha256 && sha256(readFileSync(graphPath)) !== m.hnsw.sha256) throw corruptIndexFile(graphPath, "checksum mismatch");
        this.graph.load(graphPath);
        // Checkpoints may skip saving the graph: catch up on rows and deletions made since.
        this.catchUpGraph(m.hnsw.rows ?? m.rows);
      } else this.rebuildGraph();
    }
  }

  get manifest(): Readonly<IndexManifest> {
    return this.m;
  }
  get dims(): number {
    return this.m.dims;
  }
  /** Live (not deleted) rows. */
  get size(): number {
    return this.rowIds.length - this.deletedCount;
  }
  has(id: string): boolean {
    return this.idToRow.has(id);
  }
  /** Ids of live rows in row order. */
  ids(): string[] {
    return this.rowIds.filter((_, r) => !this.isDeleted(r));
  }

  /** The stored (L2-normalised) vector of a live id, as f32; undefined when absent. */
  vector(id: string): Float32Array | undefined {
    const r = this.idToRow.get(id);
    if (r === undefined) return undefined;
    let base = 0;
    for (const seg of this.segments) {
      if (r < base + seg.rows) {
        const o = (r - base) * this.dims;
        if (seg.f32) return seg.f32.slice(o, o + this.dims);
        const t = f16ToF32Table();
        return Float32Array.from(seg.f16!.subarray(o, o + this.dims), (h) => t[h]);
      }
      base += seg.rows;
    }
    throw new T1Error("INTERNAL", `row ${r} of "${id}" is beyond the segments`);
  }

  /** Adds rows (L2-normalised on the way in). Ids must be new; `vectors` is (ids.length, dims) row-major. */
  add(ids: readonly string[], vectors: Float32Array | readonly Float32Array[]): void {
    this.ensureWriter();
    const flat = Array.isArray(vectors) ? concatRows(vectors as readonly Float32Array[], this.dims) : (vectors as Float32Array);
    const seen = new Set<string>();
    for (const id of ids) {
      if (typeof id !== "string" || id === "") throw new InputError(`index add: ids must be non-empty strings, got ${JSON.stringify(id)}`);
      if (this.idToRow.has(id) || seen.has(id)) throw new InputError(`index add: id "${id}" is already in the index (delete it first)`);
      seen.add(id);
    }
    if (ids.length === 0) return;
    const rows = normalizeRows(flat, ids.length, this.dims, "index add");
    const first = this.rowIds.length;
    this.pushSegment(makeSegment(this.kernels, [...ids], rows, this.dims, this.m.dtype));
    this.graph?.add(first, rows, ids.length);
    this.dirty = true;
    this.graphDirty = true;
  }

  /** Marks rows deleted; returns how many of `ids` were present. */
  delete(ids: readonly string[]): number {
    this.ensureWriter();
    const rows: number[] = [];
    for (const id of ids) {
      const r = this.idToRow.get(id);
      if (r === undefined) continue;
      this.idToRow.delete(id);
      this.deleted[r >> 3] |= 1 << (r & 7);
      this.deletedCount++;
      rows.push(r);
    }
    if (rows.length) {
      this.graph?.remove(rows);
      this.dirty = this.deletedDirty = this.graphDirty = true;
    }
    return rows.length;
  }

  search(query: Float32Array, opts: SearchOptions = {}): IndexHit[] {
    return this.searchBatch([query], opts)[0];
  }

  /** Searches several queries at once: the flat scan reads each vector block once for all of them. */
  searchBatch(queries: readonly Float32Array[], opts: SearchOptions = {}): IndexHit[][] {
    this.ensureOpen();
    const k = opts.k ?? 10;
    if (!Number.isInteger(k) || k < 1) throw new InputError(`search: k must be a positive integer, got ${k}`);
    const nq = queries.length;
    if (nq === 0) return [];
    const q = normalizeRows(concatRows(queries, this.dims), nq, this.dims, "search query");
    const raw = this.graph && !opts.exact ? this.graph.search(q, nq, k) : scanTopK(this.kernels, this.segments, this.dims, q, nq, k, this.deletedCount > 0 ? (r) => this.isDeleted(r) : undefined);
    return raw.map((hits) =>
      hits.filter((h) => !this.isDeleted(h.row)).slice(0, k).map((h) => ({ id: this.rowIds[h.row], cosine: h.cosine })),
    );
  }


  /**
   * Makes every add/delete durable. Cheap when nothing changed. An HNSW graph is saved only when
   * `saveGraph` is set (close and compact do) or when it lags far behind the rows: between saves,
   * opening the index re-inserts the rows the saved graph lacks, so checkpoints of a long build do
   * not rewrite an ever larger graph file each time.
   */
  flush(meta?: Record<string, unknown>, opts: { saveGraph?: boolean } = {}): void {
    this.ensureOpen();
    const graphLag = this.graph ? this.rowIds.length - (this.m.hnsw?.file ? (this.m.hnsw.rows ?? this.m.rows) : 0) : 0;
    const saveGraph = this.graph !== undefined && this.graphDirty && (opts.saveGraph === true || graphLag >= Math.max(10_000, this.rowIds.length / 4));
    if (!this.dirty && meta === undefined && !saveGraph) return;
    this.ensureWriter();
    const gen = this.m.generation + 1;
    const next: IndexManifest = { ...this.m, generation: gen, updatedAt: new Date().toISOString() };
    if (meta !== undefined) next.meta = { ...this.m.meta, ...meta };
    let ordinal = 0;
    for (const seg of this.segments) if (!seg.entry) writeSegment(this.dir, seg, gen, ordinal++);
    next.segments = this.segments.map((s) => s.entry!);
    next.rows = this.rowIds.length;
    next.live = this.size;
    if (this.deletedCount > 0 && (this.deletedDirty || !this.m.deleted)) {
      const bits = this.deleted.slice(0, (next.rows + 7) >> 3);
      const file = `deleted-g${gen}.bits`;
      writeFileAtomic(join(this.dir, file), bits);
      next.deleted = { file, sha256: sha256(bits), count: this.deletedCount };
    }
    if (saveGraph) {
      const file = `hnsw-g${gen}.usearch`;
      this.graph!.save(this.dir, file);
      fsyncFile(join(this.dir, file));
      next.hnsw = { ...this.graph!.params, file, rows: next.rows, sha256: sha256(readFileSync(join(this.dir, file))) };
      this.graphDirty = false;
    }
    writeManifest(this.dir, next);
    this.m = next;
    this.dirty = this.deletedDirty = false;
    this.removeUnreferencedFiles();
  }

  /** Rewrites all live rows as one segment (drops deleted rows and many small segments). */
  compact(): void {
    this.ensureWriter();
    const ids = this.ids();
    const d = this.dims;
    const all = new Float32Array(ids.length * d);
    let out = 0;
    let base = 0;
    const f16 = this.m.dtype === "f16" ? f16ToF32Table() : undefined;
    for (const seg of this.segments) {
      for (let r = 0; r < seg.rows; r++) {
        if (this.isDeleted(base + r)) continue;
        if (seg.f32) all.set(seg.f32.subarray(r * d, (r + 1) * d), out * d);
        else for (let j = 0; j < d; j++) all[out * d + j] = f16![seg.f16![r * d + j]];
        out++;
      }
      base += seg.rows;
    }
    for (const seg of this.segments) freeSegment(this.kernels, seg);
    this.segments = [];
    this.rowIds = [];
    this.idToRow.clear();
    this.deleted = new Uint8Array(0);
    this.deletedCount = 0;
    if (ids.length) this.pushSegment(makeSegment(this.kernels, ids, all, d, this.m.dtype));
    this.m = { ...this.m, deleted: undefined };
    if (this.graph) this.rebuildGraph();
    this.dirty = this.graphDirty = true;
    this.flush(undefined, { saveGraph: true });
  }

  /** Flushes and releases memory. */
  close(): void {
    if (this.closed) return;
    // Only a writer saves: a reader whose graph caught up on open leaves the files alone.
    if (this.lock) this.flush(undefined, { saveGraph: true });
    this.lock?.release();
    for (const seg of this.segments) freeSegment(this.kernels, seg);
    this.segments = [];
    this.closed = true;
  }

  private pushSegment(seg: Segment): void {
    const first = this.rowIds.length;
    this.segments.push(seg);
    for (let i = 0; i < seg.ids.length; i++) {
      this.rowIds.push(seg.ids[i]);
      this.idToRow.set(seg.ids[i], first + i);
    }
    const need = (this.rowIds.length + 7) >> 3;
    if (need > this.deleted.length) {
      const grown = new Uint8Array(Math.max(need, this.deleted.length * 2));
      grown.set(this.deleted);
      this.deleted = grown;
    }
  }

  private rebuildGraph(): void {
    const params = this.graph?.params ?? { ...DEFAULT_HNSW, ...this.m.hnsw };
    this.graph = new HnswGraph(this.dims, this.m.dtype, params);
    this.catchUpGraph(0);
  }

  /** Inserts rows `fromRow..` into the graph and removes every deleted row from it. */
  private catchUpGraph(fromRow: number): void {
    const d = this.dims;
    const table = this.m.dtype === "f16" ? f16ToF32Table() : undefined;
    let base = 0;
    for (const seg of this.segments) {
      const start = Math.max(0, fromRow - base);
      if (start < seg.rows) {
        const part = seg.f32 ? seg.f32.subarray(start * d, seg.rows * d) : Float32Array.from(seg.f16!.subarray(start * d, seg.rows * d), (h) => table![h]);
        this.graph!.add(base + start, part, seg.rows - start);
        this.graphDirty = true;
      }
      base += seg.rows;
    }
    const dead: number[] = [];
    for (let r = 0; r < this.rowIds.length; r++) if (this.isDeleted(r)) dead.push(r);
    this.graph!.remove(dead);
  }

  private isDeleted(r: number): boolean {
    return ((this.deleted[r >> 3] ?? 0) & (1 << (r & 7))) !== 0;
  }

  /** For createIndex, which takes the lock before the first manifest exists. */
  adoptLock(lock: WriterLock): void {
    this.lock = lock;
  }

  private ensureWriter(): void {
    this.ensureOpen();
    if (!this.lock) this.lock = WriterLock.acquire(this.dir);
  }

  private ensureOpen(): void {
    if (this.closed) throw new T1Error("INTERNAL", `index ${this.dir} is closed`);
  }

  /** Old generations and leftovers of crashed writes: anything the manifest does not name. */
  private removeUnreferencedFiles(): void {
    const keep = new Set<string>([MANIFEST_FILE]);
    for (const s of this.m.segments) keep.add(s.vectors).add(s.ids);
    if (this.m.deleted) keep.add(this.m.deleted.file);
    if (this.m.hnsw?.file) keep.add(this.m.hnsw.file);
    for (const f of readdirSync(this.dir)) {
      const ours = /^(seg-g\d+-\d+\.(vec|ids\.json)|deleted-g\d+\.bits|hnsw-g\d+\.usearch)$/.test(f) || /^\..*\.tmp$/.test(f);
      if (ours && !keep.has(f)) {
        try {
          unlinkSync(join(this.dir, f));
        } catch {
          /* another process may have removed it */
        }
      }
    }
  }
}

function concatRows(rows: readonly Float32Array[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => {
    if (r.length !== dims) throw new InputError(`vector ${i} has ${r.length} values, the index has ${dims} dims`);
    out.set(r, i * dims);
  });
  return out;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function createIndex(dir: string, opts: CreateIndexOptions): DenseIndex {
  if (!Number.isInteger(opts.dims) || opts.dims < 1) throw new InputError(`createIndex: dims must be a positive integer, got ${opts.dims}`);
  if (hasManifest(dir) && !opts.overwrite) throw new InputError(`${dir} already holds an index (pass overwrite to replace it)`);
  mkdirSync(dir, { recursive: true });
  const kind = opts.kind ?? "flat";
  const m: IndexManifest = {
    format: INDEX_FORMAT,
    version: INDEX_FORMAT_VERSION,
    kind,
    model: opts.model,
    instruction: opts.instruction ?? "",
    dims: opts.dims,
    dtype: opts.dtype ?? "f32",
    normalization: "l2",
    rows: 0,
    live: 0,
    generation: 0,
    segments: [],
    ...(kind === "hnsw" ? { hnsw: { ...DEFAULT_HNSW, ...opts.hnsw } } : {}),
    ...(opts.meta ? { meta: opts.meta } : {}),
    updatedAt: new Date().toISOString(),
  };
  const lock = WriterLock.acquire(dir);
  try {
    writeManifest(dir, m);
  } catch (e) {
    lock.release();
    throw e;
  }
  const idx = new DenseIndex(dir, m, false);
  idx.adoptLock(lock);
  return idx;
}

export function openIndex(dir: string, opts: OpenIndexOptions = {}): DenseIndex {
  let m = readManifest(dir);
  checkExpectation(dir, m, opts);
  if (opts.expansionSearch !== undefined && m.kind === "hnsw") m.hnsw = { ...DEFAULT_HNSW, ...m.hnsw, expansionSearch: opts.expansionSearch };
  // A writer may replace the generation (and delete its files) between our manifest read and our
  // segment reads: reread the manifest and retry when that happened.
  for (let attempt = 0; ; attempt++) {
    try {
      return new DenseIndex(dir, m, opts.verify ?? true);
    } catch (e) {
      if (!(e instanceof T1Error && e.code === "NOT_FOUND") || attempt >= 3) throw e;
      const now = readManifest(dir);
      if (now.generation === m.generation) throw e;
      m = now;
      if (opts.expansionSearch !== undefined && m.kind === "hnsw") m.hnsw = { ...DEFAULT_HNSW, ...m.hnsw, expansionSearch: opts.expansionSearch };
    }
  }
}
