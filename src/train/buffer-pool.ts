import type { Kernels } from "../engine/kernels/types.js";

/**
 * Recycles kernel-memory arrays between training steps. Every step allocates the same activation
 * and gradient buffers; handing them back to the kernel allocator costs a zero-fill per free and
 * fragments its free list. Arrays from take() are NOT zeroed: callers write before they read.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private held = 0;

  constructor(private readonly k: Kernels) {}

  take(n: number): Float32Array {
    const list = this.free.get(n);
    const a = list?.pop();
    if (a) {
      this.held -= n;
      return a;
    }
    return this.k.alloc(n);
  }

  give(a: Float32Array): void {
    let list = this.free.get(a.length);
    if (!list) this.free.set(a.length, (list = []));
    list.push(a);
    this.held += a.length;
  }

  /** Floats parked in the pool (not in use). */
  get idleFloats(): number {
    return this.held;
  }

  /** Returns every parked array to the kernel allocator. */
  clear(): void {
    for (const list of this.free.values()) for (const a of list) this.k.free(a);
    this.free.clear();
    this.held = 0;
  }
}
