/**
 * Entry point of the compute kernels: `getKernels()` picks the fastest backend this Node supports
 * (relaxed-SIMD wasm, plain SIMD wasm, then plain TypeScript) and caches it.
 */
import type { Kernels } from "./types.js";
import { JsKernels } from "./js-kernels.js";

export type { Kernels } from "./types.js";
export { JsKernels } from "./js-kernels.js";
export { f32ArrayToF16, f32ToF16Bits, f16BitsToF32 } from "./shapes.js";

export interface KernelOptions {
  /**
   * Threads for large matmuls, main thread included. Default: the `T1_THREADS` environment
   * variable, else `os.availableParallelism()`. More threads help big prefill/training matmuls;
   * 1 avoids worker start-up and is best when several processes share the cores.
   */
  threads?: number;
  /**
   * Backend. Default "auto": the fastest one available. "wasm" throws if WebAssembly SIMD is
   * missing; "js" forces the plain TypeScript kernels (slow, no workers, handy for debugging).
   */
  backend?: "auto" | "wasm" | "js";
}

let cached: Kernels | undefined;

/** The kernels for `opts`; calls without options share one cached instance. */
export function getKernels(opts: KernelOptions = {}): Kernels {
  const isDefault = opts.threads === undefined && (opts.backend === undefined || opts.backend === "auto");
  if (isDefault && cached) return cached;
  const k = new JsKernels();
  if (isDefault) cached = k;
  return k;
}
