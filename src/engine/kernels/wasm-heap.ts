/**
 * A first-fit allocator with coalescing over a shared WebAssembly.Memory. Blocks are 64-byte
 * aligned (a cache line: SIMD loads never straddle lines and threads never share one). Only the
 * main thread allocates; workers just read and write the blocks they are told about.
 */
import { T1Error } from "../../util/errors.js";
import { wasmApi, type WasmMemory } from "./wasm-api.js";

const ALIGN = 64;
const PAGE = 65536;
const MAX_PAGES = 65536;

interface Block {
  off: number;
  size: number;
}

export class WasmHeap {
  readonly memory: WasmMemory;
  /** Every `memory.buffer` object seen: after a grow older views keep the previous one. */
  private readonly buffers = new Set<ArrayBufferLike>();
  private readonly freeList: Block[] = [];
  private readonly live = new Map<number, number>();
  private top: number;
  /** Everything at or above this offset has never been handed out, so it is still zero. */
  private clean: number;

  /** `base`: first usable byte (the module's __heap_base); below it lives the module's data. */
  constructor(base: number, initialBytes: number) {
    this.top = roundUp(base, ALIGN);
    this.clean = this.top;
    const pages = Math.max(1, Math.ceil((this.top + initialBytes) / PAGE));
    if (!wasmApi) throw new T1Error("UNSUPPORTED", "kernel memory: this runtime has no WebAssembly");
    this.memory = new wasmApi.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.buffers.add(this.memory.buffer);
  }

  /** True when `a` is a view on this heap's memory (whatever its buffer generation). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Bytes currently handed out. */
  get liveBytes(): number {
    let n = 0;
    for (const s of this.live.values()) n += s;
    return n;
  }

  /** Reserves `bytes` (rounded up to 64) and returns the byte offset; the block is zeroed. */
  allocBytes(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new T1Error("BAD_INPUT", `alloc: size must be a non-negative integer, got ${bytes}`);
    const size = Math.max(ALIGN, roundUp(bytes, ALIGN));
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i];
      if (b.size < size) continue;
      const off = b.off;
      if (b.size === size) this.freeList.splice(i, 1);
      else {
        b.off += size;
        b.size -= size;
      }
      new Uint8Array(this.memory.buffer, off, size).fill(0);
      this.live.set(off, size);
      return off;
    }
    const off = this.top;
    this.ensure(off + size);
    this.top = off + size;
    if (off < this.clean) new Uint8Array(this.memory.buffer, off, Math.min(size, this.clean - off)).fill(0);
    this.clean = Math.max(this.clean, this.top);
    this.live.set(off, size);
    return off;
  }

  /** Returns the block starting at `off`; false when no live block starts there. */
  freeBytes(off: number): boolean {
    const size = this.live.get(off);
    if (size === undefined) return false;
    this.live.delete(off);
    let lo = 0, hi = this.freeList.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeList[mid].off < off) lo = mid + 1;
      else hi = mid;
    }
    this.freeList.splice(lo, 0, { off, size });
    // Merge with the following block, then with the preceding one.
    const cur = this.freeList[lo];
    const next = this.freeList[lo + 1];
    if (next && cur.off + cur.size === next.off) {
      cur.size += next.size;
      this.freeList.splice(lo + 1, 1);
    }
    const prev = this.freeList[lo - 1];
    if (prev && prev.off + prev.size === cur.off) {
      prev.size += cur.size;
      this.freeList.splice(lo, 1);
    }
    // A free block touching the top goes back to the top region (zeroed when handed out again).
    const last = this.freeList[this.freeList.length - 1];
    if (last && last.off + last.size === this.top) {
      this.top = last.off;
      this.freeList.pop();
    }
    return true;
  }

  f32(off: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, off, n);
  }
  u16(off: number, n: number): Uint16Array {
    return new Uint16Array(this.memory.buffer, off, n);
  }
  i32(off: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, off, n);
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE;
    const needPages = Math.ceil(end / PAGE) - havePages;
    // Grow by at least a quarter so a sequence of small allocations does not grow page by page.
    const want = Math.min(MAX_PAGES - havePages, Math.max(needPages, Math.ceil(havePages / 4)));
    if (want < needPages) {
      throw new T1Error("UNSUPPORTED", `kernel memory: ${end} bytes needed, beyond the 4 GiB wasm32 limit`);
    }
    try {
      this.memory.grow(want);
    } catch (e) {
      throw new T1Error("INTERNAL", `kernel memory: could not grow to ${(havePages + want) * PAGE} bytes`, { cause: e });
    }
    this.buffers.add(this.memory.buffer);
  }
}

function roundUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
