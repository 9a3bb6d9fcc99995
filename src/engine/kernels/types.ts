/**
 * The compute-kernel contract shared by the inference engine (src/engine) and training
 * (src/train). All calls are synchronous: worker threads are joined with Atomics.wait, which the
 * Node main thread allows, so callers never juggle promises in the hot loop.
 *
 * Layout: row-major f32. Shapes in comments use (rows, cols).
 *
 * Memory: arrays from `alloc` live in the kernels' own memory (a shared WebAssembly.Memory for the
 * wasm backend), so kernels read them in place. Any other Float32Array is accepted too but is
 * copied in and out on every call — correct, and slow. Engine weights, activations and KV caches
 * must therefore come from `alloc`.
 */
import type { TrainOps } from "./train-ops.js";

export interface Kernels {
  /** Which implementation runs: relaxed-SIMD wasm, plain SIMD wasm, or the plain TypeScript fallback. */
  readonly name: "wasm-relaxed-simd" | "wasm-simd" | "js";
  /** Worker threads used by large matmuls (1 = main thread only). */
  readonly threads: number;

  /** A zeroed f32 array of length n in kernel memory. */
  alloc(n: number): Float32Array;
  /** Returns an array from `alloc` to the allocator. Passing anything else is a no-op. */
  free(a: Float32Array): void;

  /** out(M,N) = a(M,K) · b(N,K)ᵀ (+ out when accumulate). The y = x·Wᵀ of every linear layer. */
  matmulTransB(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate?: boolean): void;
  /** out(M,N) = a(M,K) · b(K,N) (+ out when accumulate). Input gradients: dx = dy·W. */
  matmul(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate?: boolean): void;
  /** out(K,N) = a(M,K)ᵀ · b(M,N) (+ out when accumulate). Weight gradients: dW = dyᵀ·x. */
  matmulTransA(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate?: boolean): void;

  /** A zeroed u16 array of length n in kernel memory (IEEE f16 weights for `matmulTransBF16`). */
  allocU16(n: number): Uint16Array;
  /** Returns an array from `allocU16` to the allocator. Passing anything else is a no-op. */
  freeU16(a: Uint16Array): void;
  /**
   * out(M,N) = a(M,K) · b(N,K)ᵀ (+ out when accumulate) with b stored as IEEE binary16 bit
   * patterns (see `f32ArrayToF16` in shapes.ts): half the weight memory and bandwidth of f32,
   * products and sums in f32.
   */
  matmulTransBF16(out: Float32Array, a: Float32Array, bF16: Uint16Array, M: number, K: number, N: number, accumulate?: boolean): void;
  /**
   * The same with b stored as bfloat16 bit patterns (the top 16 bits of an f32; see
   * `f32ArrayToBf16`): the native dtype of most released checkpoints, kept exact at half the
   * memory of f32.
   */
  matmulTransBBf16(out: Float32Array, a: Float32Array, bBf16: Uint16Array, M: number, K: number, N: number, accumulate?: boolean): void;

  /** out(rows,cols) = x / sqrt(mean(x²) + eps) · weight(cols), row by row (RMSNorm). out may be x. */
  rmsnorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, cols: number, eps: number): void;
  /** Each row of x(rows,cols) replaced by its softmax, in place. */
  softmaxRows(x: Float32Array, rows: number, cols: number): void;
  /** out = silu(gate) · up over n elements (SwiGLU); out may alias gate or up. */
  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void;
  /** x += y over n elements (residual connections). */
  addInPlace(x: Float32Array, y: Float32Array, n: number): void;

  /**
   * The training ops (backward passes, AdamW, gradient norms) of this backend. The wasm ones
   * require every array of a call to come from this instance's `alloc`; `trainOpsFor(...arrays)`
   * picks the ops that can read a given set of arrays.
   */
  readonly train: TrainOps;

  /** Releases worker threads so the process can exit. */
  dispose(): void;
}
