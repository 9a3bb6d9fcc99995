import { test } from "node:test";
import assert from "node:assert/strict";
import { getKernels } from "../../src/engine/kernels/index.js";
import { attentionKernelForward, kvCacheWriteForward } from "../../src/engine/ops/attention.js";
import { SeededRng } from "../../src/engine/rng.js";

/** Plain float64 causal GQA attention over explicit per-row sequences: the reference. */
function reference(q: Float64Array[][], k: Float64Array[][], v: Float64Array[][], H: number, KV: number, D: number): number[][][] {
  // q[t][h], k[t][g], v[t][g] for one row; returns out[t][h][d]
  return q.map((qt, t) =>
    qt.map((qh, h) => {
      const g = Math.floor(h / (H / KV));
      const s = Array.from({ length: t + 1 }, (_, j) => qh.reduce((a, x, d) => a + x * k[j]![g]![d]!, 0) / Math.sqrt(D));
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const z = e.reduce((a, b) => a + b, 0);
      return Array.from({ length: D }, (_, d) => e.reduce((a, w, j) => a + (w / z) * v[j]![g]![d]!, 0));
    }),
  );
}

test("attention: the kernel version matches a float64 reference on a packed 2-row batch with a prior cache", () => {
  const kernels = getKernels();
  const rng = new SeededRng(5);
  const H = 6, KV = 2, D = 8, maxT = 200;
  const lens = [150, 9]; // row 0 spans more than one query block
  const prior = [3, 0]; // row 0 already holds 3 cached tokens
  const seqs = lens.map((L) => Array.from({ length: L }, () => ({
    q: Array.from({ length: H }, () => Float64Array.from({ length: D }, () => rng.normal())),
    k: Array.from({ length: KV }, () => Float64Array.from({ length: D }, () => rng.normal())),
    v: Array.from({ length: KV }, () => Float64Array.from({ length: D }, () => rng.normal())),
  })));
  const kC = kernels.alloc(2 * KV * maxT * D), vC = kernels.alloc(2 * KV * maxT * D);
  // Write the prior tokens of row 0, then pack the rest of both rows.
  const N = lens[0]! - prior[0]! + lens[1]!;
  const q = kernels.alloc(N * H * D), k = kernels.alloc(N * KV * D), v = kernels.alloc(N * KV * D);
  const rowOf = new Int32Array(N), pos = new Int32Array(N);
  const p0 = { k: new Float32Array(prior[0]! * KV * D), v: new Float32Array(prior[0]! * KV * D) };
  for (let t = 0; t < prior[0]!; t++) for (let g = 0; g < KV; g++) { p0.k.set(seqs[0]![t]!.k[g]!, (t * KV + g) * D); p0.v.set(seqs[0]![t]!.v[g]!, (t * KV + g) * D); }
  kvCacheWriteForward(kC, vC, p0.k, p0.v, new Int32Array(prior[0]!), Int32Array.from({ length: prior[0]! }, (_, i) => i), prior[0]!, KV, D, maxT);
  let n = 0;
  for (let r = 0; r < 2; r++) for (let t = prior[r]!; t < lens[r]!; t++, n++) {
    rowOf[n] = r; pos[n] = t;
    seqs[r]![t]!.q.forEach((x, h) => q.set(x, (n * H + h) * D));
    seqs[r]![t]!.k.forEach((x, g) => k.set(x, (n * KV + g) * D));
    seqs[r]![t]!.v.forEach((x, g) => v.set(x, (n * KV + g) * D));
  }
  kvCacheWriteForward(kC, vC, k, v, rowOf, pos, N, KV, D, maxT);
  const b = kernels.alloc(N * H * D);
  attentionKernelForward(kernels, { qg: kernels.alloc(1), scores: kernels.alloc(1), og: kernels.alloc(1) }, b, q, kC, vC, rowOf, pos, N, H, KV, D, maxT);
  const refs = seqs.map((s) => reference(s.map((x) => x.q), s.map((x) => x.k), s.map((x) => x.v), H, KV, D));
  let worst = 0;
  for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) {
    const r = refs[rowOf[i]!]![pos[i]!]![h]![d]!;
    worst = Math.max(worst, Math.abs(b[(i * H + h) * D + d]! - r));
  }
  assert.ok(worst < 1e-5, `max abs diff ${worst}`);
});
