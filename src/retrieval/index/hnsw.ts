/**
 * The approximate-search graph, delegated to usearch (a maintained HNSW library). Keys are our
 * stable row numbers; the vectors themselves stay in our segments too, so the graph can always be
 * rebuilt and the flat scan stays available as ground truth.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { T1Error } from "../../util/errors.js";
import { replaceViaTemp } from "../../util/atomic.js";
import type { HnswParams, VectorDType } from "./manifest.js";

interface UsearchMatches {
  keys: BigUint64Array;
  distances: Float32Array;
  counts?: BigUint64Array;
}
interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads: number): UsearchMatches;
  remove(keys: BigUint64Array): number | number[];
  size(): number;
  save(path: string): void;
  load(path: string): void;
}
interface UsearchModule {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => UsearchIndex;
}

let usearch: UsearchModule | undefined;

/** usearch's ESM entry is broken in this release, so it is loaded through require. */
function loadUsearch(): UsearchModule {
  if (usearch) return usearch;
  try {
    usearch = createRequire(import.meta.url)("usearch") as UsearchModule;
  } catch (e) {
    throw new T1Error("DEPENDENCY", `the hnsw index needs the optional dependency "usearch" (npm i usearch): ${(e as Error).message}`, {
      cause: e,
    });
  }
  return usearch;
}

export const DEFAULT_HNSW: HnswParams = { connectivity: 16, expansionAdd: 128, expansionSearch: 64 };

export class HnswGraph {
  private readonly index: UsearchIndex;

  constructor(
    readonly dims: number,
    dtype: VectorDType,
    readonly params: HnswParams,
    /** Threads for adds and searches; 0 lets usearch pick. */
    private readonly threads = 0,
  ) {
    const { Index } = loadUsearch();
    // Rows are L2-normalised, so inner product equals cosine and skips usearch's own normalisation.
    this.index = new Index({
      dimensions: dims,
      metric: "ip",
      quantization: dtype,
      connectivity: params.connectivity,
      expansion_add: params.expansionAdd,
      expansion_search: params.expansionSearch,
      multi: false,
    });
  }

  get size(): number {
    return this.index.size();
  }

  /** Adds rows `firstRow..firstRow+n-1`; `vectors` is copied because usearch ignores byteOffset. */
  add(firstRow: number, vectors: Float32Array, n: number): void {
    if (n === 0) return;
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(firstRow + i);
    this.index.add(keys, vectors.slice(0, n * this.dims), this.threads);
  }

  remove(rows: number[]): void {
    if (rows.length) this.index.remove(BigUint64Array.from(rows, (r) => BigInt(r)));
  }

  /** Up to k (row, cosine) per query, best first. */
  search(queries: Float32Array, nq: number, k: number): { row: number; cosine: number }[][] {
    const out: { row: number; cosine: number }[][] = [];
    if (this.size === 0 || k <= 0) return Array.from({ length: nq }, () => []);
    const kk = Math.min(k, this.size);
    for (let q = 0; q < nq; q++) {
      const m = this.index.search(queries.slice(q * this.dims, (q + 1) * this.dims), kk, this.threads);
      const hits: { row: number; cosine: number }[] = [];
      for (let i = 0; i < m.keys.length; i++) hits.push({ row: Number(m.keys[i]), cosine: 1 - m.distances[i] });
      out.push(hits);
    }
    return out;
  }

  /** Saves to `dir/name` through a temporary file and rename, so a crash never leaves half a graph. */
  save(dir: string, name: string): void {
    replaceViaTemp(join(dir, name), (tmp) => this.index.save(tmp));
  }


  load(path: string): void {
    try {
      this.index.load(path);
    } catch (e) {
      throw new T1Error("NOT_FOUND", `cannot load HNSW graph ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
}
