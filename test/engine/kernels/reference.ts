/**
 * Float64 naive references for the matmul kernels and a checker that runs every layout of a
 * Kernels instance against them. Kept apart from the kernels so a bug cannot hide in both.
 */
import assert from "node:assert/strict";
import type { Kernels } from "../../../src/engine/kernels/types.js";
import { bf16BitsToF32, f16BitsToF32, f32ArrayToBf16, f32ArrayToF16 } from "../../../src/engine/kernels/shapes.js";
import { uniformStream } from "../../../src/util/mulberry32.js";

/** Deterministic pseudo-random values in [-1, 1) (mulberry32) so failures reproduce. */
export function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const next = uniformStream(seed);
  for (let i = 0; i < n; i++) out[i] = next() * 2 - 1;
  return out;
}

type Layout = "transB" | "plain" | "transA";
type HalfOrLayout = Layout | "transBF16" | "transBBf16";

/** Reference in float64; returns the result and, per element, the sum of |products| (error scale). */
function reference(layout: Layout, a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number) {
  const rows = layout === "transA" ? K : M;
  const inner = layout === "transA" ? M : K;
  const val = new Float64Array(rows * N);
  const mag = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < N; j++) {
      let s = 0, m = 0;
      for (let p = 0; p < inner; p++) {
        const x = layout === "transB" ? a[r * K + p] * b[j * K + p]
          : layout === "plain" ? a[r * K + p] * b[p * N + j]
          : a[p * K + r] * b[p * N + j];
        s += x;
        m += Math.abs(x);
      }
      val[r * N + j] = s;
      mag[r * N + j] = m;
    }
  return { val, mag };
}

function place(k: Kernels, src: Float32Array, inside: boolean): Float32Array {
  if (!inside) return src.slice();
  const a = k.alloc(src.length);
  a.set(src);
  return a;
}

export interface CheckOptions {
  /** Also test arrays allocated in kernel memory (true) / plain arrays (outside, default true). */
  inside?: boolean;
  outside?: boolean;
  /** Restrict to some layouts (default all five, f16 and bf16 weights included). */
  layouts?: HalfOrLayout[];
}

/**
 * Checks every (M,K,N) combination of `dims` for each layout, with and without accumulate.
 * Error bound: f32 summation error grows with K; 1e-5·sum|products| + 1e-6 is generous for any
 * sane summation order yet catches wrong indices, missed tails or a skipped accumulate at once.
 */
export function checkAllMatmuls(k: Kernels, dims: number[], opts: CheckOptions & { outside?: boolean } = {}): void {
  const places: boolean[] = [];
  if (opts.inside !== false) places.push(true);
  if (opts.outside !== false) places.push(false);
  const layouts = opts.layouts ?? ["transB", "plain", "transA", "transBF16", "transBBf16"];
  let seed = 1;
  for (const layout of layouts)
    for (const M of dims) for (const K of dims) for (const N of dims)
      for (const inside of places)
        for (const accumulate of [false, true]) {
          seed++;
          checkOne(k, layout, M, K, N, inside, accumulate, seed);
        }
}

export function checkOne(k: Kernels, layout: HalfOrLayout, M: number, K: number, N: number, inside: boolean, accumulate: boolean, seed: number): void {
  const base: Layout = layout === "transBF16" || layout === "transBBf16" ? "transB" : layout;
  const aLen = M * K;
  const bLen = base === "transB" ? N * K : base === "plain" ? K * N : M * N;
  const outLen = base === "transA" ? K * N : M * N;
  const a0 = randomArray(aLen, seed * 3);
  let b0 = randomArray(bLen, seed * 3 + 1);
  const init = randomArray(outLen, seed * 3 + 2);
  let bHalf: Uint16Array | undefined;
  if (layout === "transBF16" || layout === "transBBf16") {
    const f16 = layout === "transBF16";
    const bits = f16 ? f32ArrayToF16(b0) : f32ArrayToBf16(b0);
    b0 = Float32Array.from(bits, f16 ? f16BitsToF32 : bf16BitsToF32); // the reference sees exactly the rounded weights
    if (inside) { bHalf = k.allocU16(bits.length); bHalf.set(bits); } else bHalf = bits;
  }
  const a = place(k, a0, inside);
  const b = place(k, b0, inside);
  const out = place(k, init, inside);
  if (layout === "transB") k.matmulTransB(out, a, b, M, K, N, accumulate);
  else if (layout === "plain") k.matmul(out, a, b, M, K, N, accumulate);
  else if (layout === "transA") k.matmulTransA(out, a, b, M, K, N, accumulate);
  else if (layout === "transBF16") k.matmulTransBF16(out, a, bHalf!, M, K, N, accumulate);
  else k.matmulTransBBf16(out, a, bHalf!, M, K, N, accumulate);
  const { val, mag } = reference(base, a0, b0, M, K, N);
  for (let i = 0; i < outLen; i++) {
    const want = val[i] + (accumulate ? init[i] : 0);
    const tol = 1e-5 * (mag[i] + (accumulate ? Math.abs(init[i]) : 0)) + 1e-6;
    if (!(Math.abs(out[i] - want) <= tol)) {
      assert.fail(`${k.name}/${k.threads}t ${layout} M=${M} K=${K} N=${N} ${inside ? "inside" : "outside"} acc=${accumulate}: out[${i}]=${out[i]} want ${want} (tol ${tol})`);
    }
  }
  if (inside) {
    k.free(a); k.free(b); k.free(out);
    if (bHalf) k.freeU16(bHalf);
  }
}
