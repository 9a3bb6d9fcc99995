import { test } from "node:test";
import assert from "node:assert/strict";
import { createKernels, WasmKernels } from "../../src/engine/kernels/index.js";
import { rmsnormForward, rmsnormBackward } from "../../src/train/ops/rmsnorm.js";
import { swigluBackward } from "../../src/train/ops/swiglu.js";
import { TrainRng } from "../../src/train/rng.js";

// The training ops take wasm SIMD kernels when every array lives in kernel memory and JS loops
// otherwise: both must agree (f32 vs f64 accumulation), at widths with and without a scalar tail.
const k = createKernels({ threads: 1 }) as WasmKernels;
const rng = new TrainRng(11);
const rand = (n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);
const inKernel = (x: Float32Array) => {
  const y = k.alloc(x.length);
  y.set(x);
  return y;
};
function close(name: string, ours: Float32Array, ref: Float32Array, tol = 2e-6): void {
  let scale = 0;
  for (const v of ref) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ours[i] - ref[i]) <= tol * (Math.abs(ref[i]) + scale * 0.01) + 1e-7, `${name}[${i}]: ${ours[i]} vs ${ref[i]}`);
}

test("SIMD RMSNorm forward/backward match the JS loops", () => {
  assert.ok(k instanceof WasmKernels);
  for (const [R, C] of [[5, 32], [3, 37], [4, 256], [2, 6]]) {
    const x = rand(R * C), w = rand(C), dy = rand(R * C), dx0 = rand(R * C), dw0 = rand(C);
    const y = new Float32Array(R * C), rstd = new Float32Array(R);
    rmsnormForward(y, rstd, x, w, R, C, 1e-6);
    const ky = k.alloc(R * C), krstd = k.alloc(R), kx = inKernel(x), kw = inKernel(w);
    assert.ok(WasmKernels.owning(ky, krstd, kx, kw));
    rmsnormForward(ky, krstd, kx, kw, R, C, 1e-6);
    close(`y ${R}x${C}`, ky, y);
    close(`rstd ${R}x${C}`, krstd, rstd);
    for (const withDw of [true, false]) {
      const dx = dx0.slice(), dw = dw0.slice(), kdx = inKernel(dx0), kdw = inKernel(dw0);
      rmsnormBackward(dx, withDw ? dw : null, dy, x, w, rstd, R, C);
      rmsnormBackward(kdx, withDw ? kdw : null, inKernel(dy), kx, kw, krstd, R, C);
      close(`dx ${R}x${C}`, kdx, dx, 1e-5);
      close(`dw ${R}x${C}`, kdw, dw, 1e-5);
    }
  }
});

test("SIMD SwiGLU backward matches the JS loop (dg may alias ds)", () => {
  for (const n of [64, 67, 3]) {
    const g = rand(n, 3), u = rand(n), ds = rand(n);
    const dg = new Float32Array(n), du = new Float32Array(n);
    swigluBackward(dg, du, ds, g, u, n);
    const kds = inKernel(ds), kdu = k.alloc(n);
    k.train.swigluBackward(kds, kdu, kds, inKernel(g), inKernel(u), n);
    close(`dg ${n}`, kds, dg, 1e-5);
    close(`du ${n}`, kdu, du, 1e-5);
  }
});

test("SIMD causal softmax backward matches the formula (row r sees keys 0..r mod T)", () => {
  for (const [R, T] of [[8, 8], [14, 7]]) {
    const P = Float32Array.from({ length: R * T }, (_, i) => ((i % T) <= (Math.floor(i / T) % T) ? Math.abs(rng.normal()) : 0));
    const dp = rand(R * T), kdp = inKernel(dp);
    k.train.softmaxBackwardCausal(kdp, inKernel(P), R, T, 0.5);
    const want = new Float32Array(R * T);
    for (let r = 0; r < R; r++) {
      const i = r % T;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += dp[r * T + j] * P[r * T + j];
      for (let j = 0; j <= i; j++) want[r * T + j] = P[r * T + j] * (dp[r * T + j] - dot) * 0.5;
    }
    close(`dS ${R}x${T}`, kdp, want, 1e-5);
  }
});

test("SIMD fused cross-entropy (logits in kernel memory) matches the JS loop: loss, gradient, skipped rows, dloss 0", async () => {
  const { crossEntropyFusedInPlace } = await import("../../src/train/ops/cross-entropy.js");
  for (const [R, V, dloss] of [[4, 67, 0.7], [3, 64, 0]] as const) {
    const z = rand(R * V, 4), targets = Int32Array.from({ length: R }, (_, r) => (r * 13) % V);
    const weight = Float32Array.from({ length: R }, (_, r) => (r === 1 ? 0 : 1 + r));
    const a = z.slice(), b = inKernel(z);
    const la = crossEntropyFusedInPlace(a, targets, weight, R, V, dloss);
    const lb = crossEntropyFusedInPlace(b, targets, weight, R, V, dloss, k);
    assert.ok(Math.abs(la - lb) <= 1e-5 * Math.abs(la), `loss ${lb} vs ${la}`);
    close(`dlogits ${R}x${V}`, b, a, 1e-5);
  }
  assert.throws(() => crossEntropyFusedInPlace(inKernel(rand(6)), Int32Array.of(9, 0), Float32Array.of(1, 1), 2, 3, 1, k), RangeError);
});
