/**
 * Argument checks shared by every backend, and IEEE half-precision conversion. A wrong length
 * silently reads garbage in wasm memory, so every kernel validates shapes before it runs.
 */
import { T1Error } from "../../util/errors.js";

type AnyArray = Float32Array | Uint16Array;

function checkDim(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new T1Error("BAD_INPUT", `${op}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/** Throws a BAD_INPUT T1Error naming the operation and the array that is too short. */
export function checkMatmulArgs(
  op: string,
  out: Float32Array,
  a: Float32Array,
  b: AnyArray,
  M: number,
  K: number,
  N: number,
  aLen: number,
  bLen: number,
  outLen: number,
): void {
  checkDim(op, "M", M);
  checkDim(op, "K", K);
  checkDim(op, "N", N);
  if (a.length < aLen) throw new T1Error("BAD_INPUT", `${op}: a has ${a.length} elements, expected at least ${aLen} (M=${M} K=${K} N=${N})`);
  if (b.length < bLen) throw new T1Error("BAD_INPUT", `${op}: b has ${b.length} elements, expected at least ${bLen} (M=${M} K=${K} N=${N})`);
  if (out.length < outLen) throw new T1Error("BAD_INPUT", `${op}: out has ${out.length} elements, expected at least ${outLen} (M=${M} K=${K} N=${N})`);
}

/** Throws a BAD_INPUT T1Error when an array of an elementwise/row op is too short. */
export function checkLengths(op: string, dims: Record<string, number>, arrays: Record<string, [ArrayLike<number>, number]>): void {
  for (const [name, v] of Object.entries(dims)) checkDim(op, name, v);
  for (const [name, [arr, need]] of Object.entries(arrays)) {
    if (arr.length < need) throw new T1Error("BAD_INPUT", `${op}: ${name} has ${arr.length} elements, expected at least ${need}`);
  }
}

let table: Float32Array | undefined;

/** Decodes one IEEE 754 binary16 bit pattern (subnormals, infinities and NaN included). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** All 65536 half values decoded once; a lookup is far cheaper than bit fiddling per element. */
export function f16ToF32Table(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16BitsToF32(h);
  }
  return table;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds an f32 value to the nearest binary16 (ties to even), with overflow to infinity. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: shift the implicit leading 1 into the mantissa, then round.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  const rest = mant & 0x1fff;
  let m = mant >>> 13;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** Converts f32 values to binary16 bit patterns into `out` (which may come from `allocU16`). */
export function f32ArrayToF16(src: ArrayLike<number>, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (out.length < src.length) throw new T1Error("BAD_INPUT", `f32ArrayToF16: out has ${out.length} elements, need ${src.length}`);
  for (let i = 0; i < src.length; i++) out[i] = f32ToF16Bits(src[i]);
  return out;
}

let bf16Table: Float32Array | undefined;

/** All 65536 bfloat16 values decoded once (the JS fallback's lookup). */
export function bf16ToF32Table(): Float32Array {
  if (!bf16Table) {
    bf16Table = new Float32Array(65536);
    new Uint32Array(bf16Table.buffer).set(Uint32Array.from({ length: 65536 }, (_, h) => h << 16));
  }
  return bf16Table;
}

/** Decodes one bfloat16 bit pattern (the high half of an f32). */
export function bf16BitsToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0];
}

/** Rounds an f32 value to the nearest bfloat16 (ties to even); NaN stays NaN. */
export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return (bits >>> 16) | 0x40;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Converts f32 values to bfloat16 bit patterns into `out` (which may come from `allocU16`). */
export function f32ArrayToBf16(src: ArrayLike<number>, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  if (out.length < src.length) throw new T1Error("BAD_INPUT", `f32ArrayToBf16: out has ${out.length} elements, need ${src.length}`);
  for (let i = 0; i < src.length; i++) out[i] = f32ToBf16Bits(src[i]);
  return out;
}
