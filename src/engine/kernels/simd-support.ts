/**
 * Which WebAssembly SIMD flavour this Node can run. Relaxed SIMD (fused multiply-add) is ~30%
 * faster than plain SIMD128 but sits behind a V8 flag in Node 20; the flag is process-wide, so
 * setting it here before compiling also covers the worker threads that receive our module.
 * `T1_NO_RELAXED_FLAG=1` leaves V8's flags alone (plain SIMD unless relaxed SIMD is on anyway).
 */
import v8 from "node:v8";
import { wasmApi } from "./wasm-api.js";

const v128Const = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
/** (func (result v128) v128.const 0 ×3 f32x4.relaxed_madd) */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00, ...v128Const, ...v128Const, ...v128Const, 0xfd, 0x85, 0x02, 0x0b,
]);
/** (func (result v128) v128.const 0) */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, ...v128Const, 0x0b,
]);

export type SimdLevel = "relaxed" | "simd" | "none";

let level: SimdLevel | undefined;

function hasSharedMemory(): boolean {
  if (!wasmApi) return false;
  try {
    return new wasmApi.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** The best SIMD level available, enabling V8's relaxed-SIMD flag if that is what it takes. */
export function detectSimd(): SimdLevel {
  if (level) return level;
  if (!wasmApi || !hasSharedMemory() || !wasmApi.validate(SIMD_PROBE)) {
    level = "none";
  } else if (wasmApi.validate(RELAXED_PROBE)) {
    level = "relaxed";
  } else {
    if (process.env.T1_NO_RELAXED_FLAG === undefined) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    level = wasmApi.validate(RELAXED_PROBE) ? "relaxed" : "simd";
  }
  return level;
}
