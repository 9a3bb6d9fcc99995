/**
 * Entry point of the compute kernels: `getKernels()` picks the fastest backend this Node supports
 * (relaxed-SIMD wasm, plain SIMD wasm, then plain TypeScript) and caches it.
 */
import os from "node:os";
import { T1Error } from "../../util/errors.js";
import type { Kernels } from "./types.js";
import { JsKernels } from "./js-kernels.js";
import { WasmKernels } from "./wasm-kernels.js";
import { detectSimd } from "./simd-support.js";
import { jsTrainOps, type TrainOps } from "./train-ops.js";

export type { Kernels } from "./types.js";
export { JsKernels } from "./js-kernels.js";
export { WasmKernels } from "./wasm-kernels.js";
export { detectSimd } from "./simd-support.js";
export { JsTrainOps, jsTrainOps, type TrainOps, type AdamWStep } from "./train-ops.js";
export { f32ArrayToF16, f32ToF16Bits, f16BitsToF32, f32ArrayToBf16, f32ToBf16Bits, bf16BitsToF32 } from "./shapes.js";

export interface KernelOptions {
  /**
   * Threads for large matmuls, main thread included. Default: the `T1_THREADS` environment
   * variable, else `os.availableParallelism()`. More threads speed up big prefill/training
   * matmuls; 1 avoids worker start-up and is best when several processes share the cores.
   */
  threads?: number;
  /**
   * Backend. Default "auto": the fastest available. "wasm" throws if WebAssembly SIMD is missing;
   * "js" forces the plain TypeScript kernels (slow, single-threaded, handy for debugging).
   */
  backend?: "auto" | "wasm" | "js";
  /**
   * Restrict the wasm backend to plain SIMD128 even where relaxed SIMD is available. Default
   * false. Relaxed FMA is faster but its rounding may differ across CPUs; plain SIMD is bitwise
   * reproducible everywhere.
   */
  noRelaxed?: boolean;
}

/** Threads from `T1_THREADS`, else every core Node reports. */
export function defaultThreads(): number {
  const env = process.env.T1_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new T1Error("BAD_INPUT", `T1_THREADS must be a positive integer, got "${env}"`);
    return n;
  }
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

let cached: Kernels | undefined;

/** Builds a new kernels instance (call `dispose()` when done if threads > 1). */
export function createKernels(opts: KernelOptions = {}): Kernels {
  const backend = opts.backend ?? "auto";
  const threads = opts.threads ?? defaultThreads();
  if (backend === "js") return new JsKernels();
  const simd = detectSimd();
  if (simd === "none") {
    if (backend === "wasm") throw new T1Error("UNSUPPORTED", "kernels: this Node has no WebAssembly SIMD with shared memory");
    return new JsKernels();
  }
  return new WasmKernels(simd === "relaxed" && !opts.noRelaxed ? "relaxed" : "simd", threads);
}

/** The kernels for `opts`; calls without options share one cached instance. */
export function getKernels(opts: KernelOptions = {}): Kernels {
  const isDefault = opts.threads === undefined && (opts.backend ?? "auto") === "auto" && !opts.noRelaxed;
  if (!isDefault) return createKernels(opts);
  cached ??= createKernels();
  return cached;
}

/**
 * The training ops that can read every one of `arrays` in place: the SIMD ops of the wasm
 * instance whose memory holds them all, else the plain loops. The one place training chooses a
 * kernel implementation, so the ops in src/train never test for a backend themselves.
 */
export function trainOpsFor(...arrays: ArrayBufferView[]): TrainOps {
  return WasmKernels.owning(...arrays)?.train ?? jsTrainOps;
}

/** The kernels whose memory holds every one of `arrays` (where to allocate arrays used with them), if any. */
export function kernelsOwning(...arrays: ArrayBufferView[]): Kernels | undefined {
  return WasmKernels.owning(...arrays);
}
