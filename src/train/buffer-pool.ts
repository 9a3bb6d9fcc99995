import type { Kernels } from "../engine/kernels/types.js";

/**
 * Recycles kernel-memory arrays between training steps. Every step allocates the same activation
 * and gradient buffers; handing them back to the kernel allocator costs a zero-fill per free and
 * fragments its free list. Arrays from take() are NOT zeroed: callers write before they read.
 *
 * Sizes are rounded up to buckets (≤ 12.5% slack) and a view of the requested length is handed
 * out, so batches padded to slightly different lengths still reuse each other's buffers. Parked
 * memory is capped at the peak in use, so a run whose shapes keep changing cannot grow the pool
 * without bound.
 */
export class BufferPool {
  private readonly parked = new Map<number, Float32Array[]>();
  /** The bucket-sized allocation behind each view handed out. */
  private readonly baseOf = new WeakMap<Float32Array, Float32Array>();
  private held = 0;
  private inUse = 0;
  private peakInUse = 0;

  constructor(private readonly k: Kernels) {}

  take(n: number): Float32Array {
    const size = bucket(n);
    let base = this.parked.get(size)?.pop();
    if (base) this.held -= size;
    else base = this.k.alloc(size);
    this.inUse += size;
    this.peakInUse = Math.max(this.peakInUse, this.inUse);
    const view = base.subarray(0, n);
    this.baseOf.set(view, base);
    return view;
  }

  give(a: Float32Array): void {
    const base = this.baseOf.get(a);
    if (!base) return; // not from this pool
    this.baseOf.delete(a);
    this.inUse -= base.length;
    if (this.held + base.length > this.peakInUse) {
      this.k.free(base);
      return;
    }
    let list = this.parked.get(base.length);
    if (!list) this.parked.set(base.length, (list = []));
    list.push(base);
    this.held += base.length;
  }

  /** Floats parked in the pool (not in use). */
  get idleFloats(): number {
    return this.held;
  }

  /** Returns every parked array to the kernel allocator. */
  clear(): void {
    for (const list of this.parked.values()) for (const a of list) this.k.free(a);
    this.parked.clear();
    this.held = 0;
  }
}

/** n rounded up to a multiple of 2^(⌊log2 n⌋ − 3): at most 12.5% larger. */
function bucket(n: number): number {
  if (n <= 64) return 64;
  const step = 2 ** (Math.floor(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}
