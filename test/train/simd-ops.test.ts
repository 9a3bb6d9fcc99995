import { test } from "node:test";
import assert from "node:assert/strict";
import { createKernels, jsTrainOps, trainOpsFor, WasmKernels } from "../../src/engine/kernels/index.js";
import { rmsnormForward, rmsnormBackward } from "../../src/train/ops/rmsnorm.js";
import { TrainRng } from "../../src/train/rng.js";

// The training ops (Kernels.train) have two implementations, the wasm SIMD ones for arrays in
// kernel memory and the plain loops for any array (trainOpsFor picks): both must agree (f32 vs f64
// accumulation), at widths with and without a scalar tail.
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
    jsTrainOps.swigluBackward(dg, du, ds, g, u, n);
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
    const lb = crossEntropyFusedInPlace(b, targets, weight, R, V, dloss);
    assert.ok(Math.abs(la - lb) <= 1e-5 * Math.abs(la), `loss ${lb} vs ${la}`);
    close(`dlogits ${R}x${V}`, b, a, 1e-5);
  }
  assert.throws(() => crossEntropyFusedInPlace(inKernel(rand(6)), Int32Array.of(9, 0), Float32Array.of(1, 1), 2, 3, 1), RangeError);
});

test("trainOpsFor: the SIMD ops only when every array is in kernel memory; both implementations agree op by op", () => {
  const a = k.alloc(300), b = k.alloc(300);
  assert.equal(trainOpsFor(a, b), k.train);
  assert.equal(trainOpsFor(a, new Float32Array(300)), jsTrainOps);
  assert.equal(k.train.simd, true);
  assert.equal(createKernels({ backend: "js" }).train, jsTrainOps);
  for (const [R, T] of [[8, 8], [14, 7]]) {
    const P = Float32Array.from({ length: R * T }, (_, i) => ((i % T) <= (Math.floor(i / T) % T) ? Math.abs(rng.normal()) : 0));
    const dp = rand(R * T), kdp = inKernel(dp), jdp = dp.slice();
    k.train.softmaxBackwardCausal(kdp, inKernel(P), R, T, 0.5);
    jsTrainOps.softmaxBackwardCausal(jdp, P, R, T, 0.5);
    close(`softmax backward ${R}x${T}`, kdp, jdp, 1e-5);
  }
  for (const [rows, cols, ss, ds, mul] of [[5, 67, 80, 67, 0.5], [3, 16, 16, 40, 1]]) {
    const src = rand((rows - 1) * ss + cols), dst = rand((rows - 1) * ds + cols), kdst = inKernel(dst), jdst = dst.slice();
    k.train.copyRows(kdst, ds, inKernel(src), ss, rows, cols, mul);
    jsTrainOps.copyRows(jdst, ds, src, ss, rows, cols, mul);
    close(`copyRows ${rows}x${cols}`, kdst, jdst, 0);
  }
  for (const n of [1, 67, 1024]) {
    const x = rand(n);
    const ks = k.train.sumSquares(inKernel(x)), js = jsTrainOps.sumSquares(x);
    assert.ok(Math.abs(ks - js) <= 1e-6 * js, `sumSquares ${n}: ${ks} vs ${js}`);
  }
  const n = 67, step = { gradScale: 0.5, beta1: 0.9, beta2: 0.95, stepSize: 1e-2, invBc2: 3, eps: 1e-8, decay: 0.999 };
  const w = rand(n), g = rand(n), m = rand(n, 0.1), v = Float32Array.from(rand(n, 0.1), Math.abs);
  const kw = inKernel(w), km = inKernel(m), kv = inKernel(v), jw = w.slice(), jm = m.slice(), jv = v.slice();
  k.train.adamw(kw, inKernel(g), km, kv, n, step);
  jsTrainOps.adamw(jw, g, jm, jv, n, step);
  close("adamw w", kw, jw, 1e-6);
  close("adamw m", km, jm, 1e-6);
  close("adamw v", kv, jv, 1e-6);
});
