/**
 * The key/value cache of a batch of sequences, in kernel memory. Row r holds `lengths[r]` valid
 * positions; each layer's K and V are (rows, KV, maxT, D).
 */
import type { Kernels } from "./kernels/types.js";
import { T1Error } from "../util/errors.js";

export class KVCache {
  lengths: Int32Array;
  /** Token slots per layer (rows × maxT), fixed at creation; `reshape` re-divides them. */
  readonly capacity: number;
  readonly k: Float32Array[] = [];
  readonly v: Float32Array[] = [];
  private freed = false;

  constructor(
    private readonly kernels: Kernels,
    public rows: number,
    public maxT: number,
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
  ) {
    if (!(rows > 0 && maxT > 0)) throw new T1Error("INTERNAL", `KVCache needs rows > 0 and maxT > 0, got ${rows}, ${maxT}`);
    this.lengths = new Int32Array(rows);
    this.capacity = rows * maxT;
    const n = rows * kvHeads * maxT * headDim;
    for (let l = 0; l < layers; l++) {
      this.k.push(kernels.alloc(n));
      this.v.push(kernels.alloc(n));
    }
  }

  /** Forgets every row's tokens (memory is kept for reuse). */
  reset(): void {
    this.lengths.fill(0);
  }

  /** Copies row `src`'s first `lengths[src]` positions (every layer) into row `dst`. */
  copyRow(src: number, dst: number): void {
    const n = this.lengths[src]!;
    if (n > this.maxT) throw new T1Error("INTERNAL", `KVCache.copyRow: row ${src} holds ${n} > ${this.maxT} positions`);
    const D = this.headDim;
    for (let l = 0; l < this.layers; l++) {
      for (const a of [this.k[l]!, this.v[l]!]) {
        for (let g = 0; g < this.kvHeads; g++) {
          const from = (src * this.kvHeads + g) * this.maxT * D;
          const to = (dst * this.kvHeads + g) * this.maxT * D;
          a.copyWithin(to, from, from + n * D);
        }
      }
    }
    this.lengths[dst] = n;
  }

  /** Re-divides the same memory into `rows` sequences of `maxT` slots and empties every row. */
  reshape(rows: number, maxT: number): void {
    if (rows * maxT > this.capacity) throw new T1Error("INTERNAL", `KVCache.reshape(${rows}, ${maxT}) exceeds capacity ${this.capacity}`);
    this.rows = rows;
    this.maxT = maxT;
    this.lengths = new Int32Array(rows);
  }

  /** Returns the memory to the kernels' allocator; the cache is unusable afterwards. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const a of [...this.k, ...this.v]) this.kernels.free(a);
    this.k.length = 0;
    this.v.length = 0;
  }

  get isFreed(): boolean {
    return this.freed;
  }
}
