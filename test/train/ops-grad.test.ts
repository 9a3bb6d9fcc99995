// Finite-difference checks of every training op, one line per op and shape (tinygrad helper_test_op style).
import { test } from "node:test";
import assert from "node:assert/strict";
import { getKernels, jsTrainOps } from "../../src/engine/kernels/index.js";
import { checkGrad, seededNormal, type GradOp, type GradCheckOptions } from "../../src/train/grad-check.js";
import { linearForward, linearBackward } from "../../src/train/ops/linear.js";
import { embeddingForward, embeddingBackward } from "../../src/train/ops/embedding.js";
import { rmsnormForward, rmsnormBackward } from "../../src/train/ops/rmsnorm.js";
import { ropeForward, ropeBackward } from "../../src/train/ops/rope.js";
import { ropeTable } from "../../src/engine/ops/rope.js";
import { attentionForward, attentionBackward, type AttentionShape } from "../../src/train/ops/attention.js";
import { softmaxForward, softmaxBackward, logSoftmaxForward, logSoftmaxBackward, crossEntropyBackward } from "./reference-ops.js";
import { crossEntropyForward, crossEntropyFusedInPlace, tokenLogProbsForward, tokenLogProbsBackward } from "../../src/train/ops/cross-entropy.js";
import { gatherRowsForward, gatherRowsBackward, l2NormalizeForward, l2NormalizeBackward } from "../../src/train/ops/embedding-readout.js";
import { cosineMatrixForward, cosineMatrixBackward, infoNceForward, infoNceBackward } from "../../src/train/ops/contrastive.js";
import { positiveTargets } from "../../src/train/contrastive-loss.js";

const k = getKernels();
let seed = 100;
const randn = (n: number, scale = 1): Float32Array => {
  const r = seededNormal(seed++);
  return Float32Array.from({ length: n }, () => r() * scale);
};
const ints = (n: number, max: number): Int32Array => {
  const r = seededNormal(seed++);
  return Int32Array.from({ length: n }, () => Math.floor(Math.abs(r() * 1e6)) % max);
};

function ok(name: string, op: GradOp, inputs: Float32Array[], opts?: GradCheckOptions): void {
  const r = checkGrad(op, inputs, opts);
  assert.ok(r.probes > 0, `${name}: nothing was probed`);
  assert.deepEqual(r.failures, [], `${name}: gradient mismatch (max abs error ${r.maxAbsError})`);
}

const linear = (N: number, IN: number, OUT: number): GradOp => ({
  forward: ([x, W]) => { const y = new Float32Array(N * OUT); linearForward(k, y, x, W, N, IN, OUT); return y; },
  backward: ([x, W], dy) => { const dx = new Float32Array(N * IN), dW = new Float32Array(OUT * IN); linearBackward(k, dx, dW, dy, x, W, N, IN, OUT); return [dx, dW]; },
});
const embedding = (ids: Int32Array, V: number, C: number): GradOp => ({
  forward: ([t]) => { const y = new Float32Array(ids.length * C); embeddingForward(y, ids, t, ids.length, V, C); return y; },
  backward: (_x, dy) => { const d = new Float32Array(V * C); embeddingBackward(d, dy, ids, ids.length, C); return [d]; },
});
const rmsnorm = (R: number, C: number): GradOp => {
  const rstd = new Float32Array(R);
  return {
    forward: ([x, w]) => { const y = new Float32Array(R * C); rmsnormForward(y, rstd, x, w, R, C, 1e-6); return y; },
    backward: ([x, w], dy) => { const dx = new Float32Array(R * C), dw = new Float32Array(C); rmsnormBackward(dx, dw, dy, x, w, rstd, R, C); return [dx, dw]; },
  };
};
const rope = (N: number, H: number, D: number, theta: number): GradOp => {
  const table = ropeTable(64, D, theta);
  const pos = ints(N, 64);
  return {
    forward: ([x]) => { const y = new Float32Array(N * H * D); ropeForward(y, x, pos, table, N, H); return y; },
    backward: (_x, dy) => { const dx = new Float32Array(N * H * D); ropeBackward(dx, dy, pos, table, N, H); return [dx]; },
  };
};
const attention = (s: AttentionShape, mask: Uint8Array | null): GradOp => {
  const { B, T, H, KV, D } = s;
  const probs = new Float32Array(B * H * T * T);
  return {
    forward: ([q, kk, v]) => { const o = new Float32Array(B * T * H * D); attentionForward(k, o, probs, q, kk, v, mask, s); return o; },
    backward: ([q, kk, v], dy) => {
      const dq = new Float32Array(q.length), dk = new Float32Array(kk.length), dv = new Float32Array(v.length);
      attentionBackward(k, dq, dk, dv, dy, probs, q, kk, v, s);
      return [dq, dk, dv];
    },
  };
};
const attnInputs = (s: AttentionShape) => [randn(s.B * s.T * s.H * s.D), randn(s.B * s.T * s.KV * s.D), randn(s.B * s.T * s.KV * s.D)];
// The kernels' SwiGLU forward, the plain training op's backward (simd-ops.test checks the SIMD one against it).
const swiglu = (n: number): GradOp => ({
  forward: ([g, u]) => { const s = new Float32Array(n); k.swiglu(s, g, u, n); return s; },
  backward: ([g, u], ds) => { const dg = new Float32Array(n), du = new Float32Array(n); jsTrainOps.swigluBackward(dg, du, ds, g, u, n); return [dg, du]; },
});
/** A copy of `x` in kernel memory (the SIMD training ops read only such arrays). */
const inKernel = (x: Float32Array): Float32Array => {
  const y = k.alloc(x.length);
  y.set(x);
  return y;
};
const softmax = (R: number, C: number, log: boolean): GradOp => {
  const y = new Float32Array(R * C);
  return {
    forward: ([x]) => { (log ? logSoftmaxForward : softmaxForward)(y, x, R, C); return Float32Array.from(y); },
    backward: (_x, dy) => { const dx = new Float32Array(R * C); (log ? logSoftmaxBackward : softmaxBackward)(dx, dy, y, R, C); return [dx]; },
  };
};
const crossEntropy = (R: number, V: number, targets: Int32Array, weight: Float32Array): GradOp => ({
  forward: ([z]) => Float32Array.of(crossEntropyForward(z, targets, weight, R, V)),
  backward: ([z], dy) => { const dz = new Float32Array(R * V); crossEntropyBackward(dz, dy[0], z, targets, weight, R, V); return [dz]; },
});
/** With `kernels`, the logits live in kernel memory, so the SIMD op runs (else the plain loop). */
const crossEntropyFused = (R: number, V: number, targets: Int32Array, weight: Float32Array, kernels = false): GradOp => ({
  forward: ([z]) => Float32Array.of(crossEntropyFusedInPlace(kernels ? inKernel(z) : Float32Array.from(z), targets, weight, R, V, 1)),
  backward: ([z], dy) => { const dz = kernels ? inKernel(z) : Float32Array.from(z); crossEntropyFusedInPlace(dz, targets, weight, R, V, dy[0]); return [Float32Array.from(dz)]; },
});
const tokenLogProbs = (R: number, V: number, tokens: Int32Array, temperature = 1): GradOp => ({
  forward: ([z]) => { const lp = new Float32Array(R); tokenLogProbsForward(lp, z, tokens, R, V, temperature); return lp; },
  backward: ([z], dy) => { const dz = new Float32Array(R * V); tokenLogProbsBackward(dz, dy, z, tokens, R, V, temperature); return [dz]; },
});
const gather = (B: number, T: number, C: number, pos: Int32Array): GradOp => ({
  forward: ([h]) => { const e = new Float32Array(B * C); gatherRowsForward(e, h, pos, B, T, C); return e; },
  backward: (_h, de) => { const dh = new Float32Array(B * T * C); gatherRowsBackward(dh, de, pos, B, T, C); return [dh]; },
});
const l2 = (R: number, C: number): GradOp => {
  const y = new Float32Array(R * C), n = new Float32Array(R);
  return {
    forward: ([x]) => { l2NormalizeForward(y, n, x, R, C); return Float32Array.from(y); },
    backward: (_x, dy) => { const dx = new Float32Array(R * C); l2NormalizeBackward(dx, dy, y, n, R, C); return [dx]; },
  };
};
const cosine = (Q: number, D: number, C: number): GradOp => ({
  forward: ([q, d]) => { const s = new Float32Array(Q * D); cosineMatrixForward(k, s, q, d, Q, D, C); return s; },
  backward: ([q, d], ds) => { const dq = new Float32Array(Q * C), dd = new Float32Array(D * C); cosineMatrixBackward(k, dq, dd, ds, q, d, Q, D, C); return [dq, dd]; },
});
const infoNce = (Q: number, D: number, pos: Int32Array, tau: number, allowed?: Uint8Array): GradOp => ({
  forward: ([s]) => Float32Array.of(infoNceForward(s, pos, Q, D, tau, allowed)),
  backward: ([s], dy) => { const ds = new Float32Array(Q * D); infoNceBackward(ds, dy[0], s, pos, Q, D, tau, allowed); return [ds]; },
});

test("linear: both operands", () => {
  ok("linear 3x4->5", linear(3, 4, 5), [randn(12), randn(20)]);
  ok("linear 7x16->9", linear(7, 16, 9), [randn(7 * 16), randn(9 * 16)]);
  ok("linear 1x1->1", linear(1, 1, 1), [randn(1), randn(1)]);
});
test("embedding gather with repeated ids", () => {
  ok("embedding", embedding(Int32Array.of(3, 1, 3, 0, 7), 8, 6), [randn(48)]);
  ok("embedding one id", embedding(Int32Array.of(0), 1, 3), [randn(3)]);
  ok("embedding 12 ids V33 C17", embedding(ints(12, 33), 33, 17), [randn(33 * 17)]);
});
test("rmsnorm (layer norm and per-head q/k norm shapes)", () => {
  ok("rmsnorm 4x16", rmsnorm(4, 16), [randn(64), randn(16)]);
  ok("rmsnorm per-head 3*4x8", rmsnorm(12, 8), [randn(96), randn(8)]);
});
test("rope rotate-half", () => {
  ok("rope N5 H2 D8", rope(5, 2, 8, 10000), [randn(80)]);
  ok("rope N3 H3 D16 theta1e6", rope(3, 3, 16, 1e6), [randn(144)]);
});
test("causal attention: MHA, GQA, padding masks", () => {
  const mha = { B: 2, T: 5, H: 2, KV: 2, D: 4 };
  ok("attention MHA", attention(mha, null), attnInputs(mha));
  const gqa = { B: 2, T: 6, H: 4, KV: 2, D: 4 };
  ok("attention GQA", attention(gqa, null), attnInputs(gqa));
  // right padding on row 0, left padding on row 1 (row 1's first query sees no real key)
  const mask = Uint8Array.of(1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1);
  ok("attention GQA padded", attention(gqa, mask), attnInputs(gqa));
  const mqa = { B: 1, T: 4, H: 3, KV: 1, D: 8 };
  ok("attention MQA", attention(mqa, Uint8Array.of(1, 1, 1, 0)), attnInputs(mqa));
});
test("swiglu", () => {
  ok("swiglu", swiglu(40), [randn(40, 2), randn(40)]);
  ok("swiglu with a zero gate", swiglu(41), [Float32Array.from(randn(41, 3), (x, i) => (i === 7 ? 0 : x)), randn(41)]);
});
test("softmax and log-softmax", () => {
  ok("softmax", softmax(3, 7, false), [randn(21, 2)]);
  ok("log-softmax", softmax(4, 5, true), [randn(20, 2)]);
  ok("softmax 1x2", softmax(1, 2, false), [randn(2, 2)]);
  ok("softmax 6x67", softmax(6, 67, false), [randn(6 * 67, 3)]);
  ok("log-softmax 1x2", softmax(1, 2, true), [randn(2, 2)]);
  ok("log-softmax 5x67", softmax(5, 67, true), [randn(5 * 67, 3)]);
});
test("cross-entropy over masked positions", () => {
  ok("ce all rows", crossEntropy(4, 11, ints(4, 11), Float32Array.of(1, 1, 1, 1)), [randn(44, 2)]);
  ok("ce masked rows", crossEntropy(6, 9, ints(6, 9), Float32Array.of(0, 1, 1, 0, 1, 0)), [randn(54, 2)]);
  ok("ce fused in place, masked rows", crossEntropyFused(6, 9, ints(6, 9), Float32Array.of(1, 0, 1, 1, 0, 1)), [randn(54, 2)]);
  ok("ce fused, kernel softmax", crossEntropyFused(5, 37, ints(5, 37), Float32Array.of(1, 1, 0, 1, 1), true), [randn(185, 3)]);
  // the kernel path agrees with the plain one, also for a target far below the max (underflow-safe)
  const z = randn(3 * 50, 4);
  z[10] = -80;
  const t = Int32Array.of(10, 3, 49), w = Float32Array.of(1, 0.5, 1);
  const a = Float32Array.from(z), b = inKernel(z);
  const la = crossEntropyFusedInPlace(a, t, w, 3, 50, 0.7), lb = crossEntropyFusedInPlace(b, t, w, 3, 50, 0.7);
  assert.ok(Math.abs(la - lb) < 1e-5 * Math.abs(la), `${la} vs ${lb}`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-7, `dlogits[${i}]`);
});
test("token log-probabilities of a sampled sequence", () => {
  ok("token logp", tokenLogProbs(5, 13, ints(5, 13)), [randn(65, 2)]);
  ok("token logp 1x3", tokenLogProbs(1, 3, ints(1, 3)), [randn(3, 2)]);
  ok("token logp 9x70", tokenLogProbs(9, 70, ints(9, 70)), [randn(9 * 70, 3)]);
});
test("hidden-state gather at <emb_token> (per-row position)", () => {
  ok("gather", gather(3, 5, 4, Int32Array.of(4, 2, 0)), [randn(60)]);
  ok("gather 1x1", gather(1, 1, 3, Int32Array.of(0)), [randn(3)]);
  ok("gather padded 4x7x9", gather(4, 7, 9, Int32Array.of(6, 3, 0, 5)), [randn(4 * 7 * 9)]);
});
test("l2 normalisation", () => {
  ok("l2", l2(3, 6), [randn(18)]);
  ok("l2 1x2", l2(1, 2), [randn(2)]);
  ok("l2 5x33", l2(5, 33), [randn(5 * 33)]);
});
test("cosine-similarity matrix", () => {
  ok("cosine", cosine(3, 5, 4), [randn(12), randn(20)]);
  ok("cosine 1x1 C3", cosine(1, 1, 3), [randn(3), randn(3)]);
  ok("cosine 4x9 C16", cosine(4, 9, 16), [randn(64), randn(144)]);
});
test("InfoNCE with in-batch and hard negatives", () => {
  ok("infonce tau=0.05", infoNce(3, 7, Int32Array.of(0, 1, 2), 0.05), [randn(21, 0.05)], { eps: 1e-3 });
  ok("infonce tau=1", infoNce(4, 4, Int32Array.of(1, 0, 3, 2), 1), [randn(16)]);
  ok("infonce 1 query, 1 doc (degenerate: loss and gradient 0, no NaN)", infoNce(1, 1, Int32Array.of(0), 0.1), [randn(1, 0.5)]);
  ok("infonce 2 queries, 10 docs (hard negatives), tau=0.1", infoNce(2, 10, Int32Array.of(3, 7), 0.1), [randn(20, 0.3)], { eps: 1e-3 });
});
test("InfoNCE with a query's other positives masked out of its denominator", () => {
  // query 0 targets column 0 and also has gold column 2; query 1 targets 3 and also has gold 0
  const { positive, allowed } = positiveTargets([[0, 2], [3, 0]], 1, 5);
  assert.deepEqual([...positive], [0, 3]);
  assert.deepEqual([...allowed!], [1, 1, 0, 1, 1, 1, 1, 1, 1, 1].map((v, i) => (i === 5 ? 0 : v)));
  ok("infonce masked", infoNce(2, 5, positive, 0.1, allowed), [randn(10, 0.3)], { eps: 1e-3 });
  // a masked column neither enters the loss nor gets a gradient: the query is not pushed away from its own gold document
  const s = randn(10, 0.3), s2 = Float32Array.from(s);
  s2[2] += 0.5;
  assert.equal(infoNceForward(s, positive, 2, 5, 0.1, allowed), infoNceForward(s2, positive, 2, 5, 0.1, allowed));
  assert.notEqual(infoNceForward(s, positive, 2, 5, 0.1), infoNceForward(s2, positive, 2, 5, 0.1));
  const ds = new Float32Array(10);
  infoNceBackward(ds, 1, s, positive, 2, 5, 0.1, allowed);
  assert.equal(ds[2], 0);
  assert.equal(ds[5], 0);
});
test("positiveTargets: a group of rows per query covers every gold column, each with the others masked", () => {
  const { positive, allowed } = positiveTargets([[1, 4], [2]], 3, 5);
  assert.deepEqual([...positive], [1, 4, 1, 2, 2, 2]);
  const masked = [...allowed!.keys()].filter((i) => !allowed![i]).map((i) => [Math.floor(i / 5), i % 5]);
  assert.deepEqual(masked, [[0, 4], [1, 1], [2, 4]]);
  assert.equal(positiveTargets([[0], [1]], 2, 2).allowed, undefined, "one gold column per query: no mask");
});
test("token log-probs at a sampling temperature: log softmax(z / T), gradient by finite differences", () => {
  const z = randn(12), tokens = Int32Array.of(1, 3, 0);
  const lp = new Float32Array(3);
  tokenLogProbsForward(lp, z, tokens, 3, 4, 0.7);
  for (let r = 0; r < 3; r++) {
    const row = Array.from(z.subarray(r * 4, r * 4 + 4), (v) => v / 0.7);
    const ref = row[tokens[r]] - Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    assert.ok(Math.abs(lp[r] - ref) < 1e-5, `row ${r}: ${lp[r]} vs ${ref}`);
  }
  ok("token log-probs T=0.7", tokenLogProbs(3, 4, tokens, 0.7), [z]);
  ok("token log-probs T=1.6", tokenLogProbs(2, 5, Int32Array.of(4, 2), 1.6), [randn(10)]);
  assert.throws(() => tokenLogProbsForward(lp, z, tokens, 3, 4, 0), /temperature must be a finite number > 0/);
});
test("grad check catches a wrong gradient", () => {
  const wrong: GradOp = { forward: ([x]) => x.map((v) => v * v), backward: ([x], dy) => [x.map((v, i) => v * dy[i])] };
  assert.notDeepEqual(checkGrad(wrong, [randn(5)]).failures, []);
});
