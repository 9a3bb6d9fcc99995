// GRPO arithmetic against hand-computed values and finite differences of the surrogate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { groupAdvantages, grpoSurrogate, ndcgAt10 } from "../../../src/train/stages/grpo-math.js";
import { layoutRollout } from "../../../src/train/stages/rollout.js";
import { groupSignalRates } from "../../../src/train/stages/reward.js";

const close = (a: number, b: number, tol = 1e-12, msg = "") => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg} ${a} vs ${b}`);

test("group advantages: (r − mean) / sample std per group; a flat group gets 0", () => {
  // group 1: r = [1, 2, 3, 6]: mean 3, sample var (4 + 1 + 0 + 9) / 3 = 14/3
  const a = groupAdvantages([1, 2, 3, 6, 5, 5, 5, 5], 4);
  const s = Math.sqrt(14 / 3);
  [(1 - 3) / s, (2 - 3) / s, 0, 3 / s].forEach((v, i) => close(a[i], v));
  for (let i = 4; i < 8; i++) assert.equal(a[i], 0);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), RangeError);
});

test("group advantages: Dr. GRPO's unnormalised r − mean, and a floor on the group std", () => {
  const r = [1, 2, 3, 6, 0.5, 0.5, 0.5, 0.51];
  assert.deepEqual(Array.from(groupAdvantages(r, 4, { advantageScale: "none" })).map((x) => +x.toFixed(12)), [-2, -1, 0, 3, -0.0025, -0.0025, -0.0025, 0.0075]);
  // group 2's sample std is 0.005: without a floor its noise becomes ±1.5; floor 0.1 keeps it small
  const s2 = Math.sqrt((3 * 0.0025 ** 2 + 0.0075 ** 2) / 3);
  const plain = groupAdvantages(r, 4), floored = groupAdvantages(r, 4, { advantageStdFloor: 0.1 });
  close(plain[7], 0.0075 / s2);
  close(floored[7], 0.0075 / 0.1);
  close(floored[0], plain[0], 1e-12, "a group whose std is above the floor is unchanged");
});

test("group signal rates: zero-variance and saturated groups", () => {
  const rates = groupSignalRates([1, 1, 0.5, 0.7, 1.1, 1.1], [1, 1, 0.5, 1, 1, 1], 2);
  assert.deepEqual(rates, { zeroVarianceGroups: 2 / 3, saturatedGroups: 2 / 3 });
});

test("clipped surrogate and k3 KL: hand values for unclipped, clipped-high and clipped-low tokens", () => {
  const eps = 0.2, beta = 0.5;
  const logp = [Math.log(0.5), Math.log(0.9), Math.log(0.2), 0];
  const old = [Math.log(0.5), Math.log(0.5), Math.log(0.5), 0];
  const ref = [Math.log(0.4), Math.log(0.9), Math.log(0.25), 0];
  const adv = [1, 2, -1, 7];
  const weight = [0.25, 0.25, 0.5, 0]; // the last token is no action
  const r = grpoSurrogate({ logp, oldLogp: old, refLogp: ref, advantage: adv, weight, eps, beta });
  // token 0: ratio 1 → −1·1; k3 with d = log(0.4/0.5): 0.8 − log 0.8 − 1
  // token 1: ratio 1.8, A = 2 → min(3.6, 1.2·2 = 2.4) = 2.4 (clipped); d = 0 → k3 = 0
  // token 2: ratio 0.4, A = −1 → min(−0.4, 0.8·−1 = −0.8) = −0.8 (clipped); d = log(1.25): 1.25 − log 1.25 − 1
  const k0 = 0.8 - Math.log(0.8) - 1, k2 = 1.25 - Math.log(1.25) - 1;
  const want = 0.25 * (-1 + beta * k0) + 0.25 * (-2.4) + 0.5 * (0.8 + beta * k2);
  close(r.loss, want, 1e-12, "loss");
  close(r.kl, (0.25 * k0 + 0.5 * k2) / 1.0, 1e-12, "kl");
  close(r.clipFraction, 2 / 3, 1e-12, "clip fraction");
  // gradients: token 0: w(−ratio·A + β(1 − e^d)) = 0.25(−1 + 0.5(1 − 0.8)); tokens 1, 2: only the KL part.
  close(r.dlogp[0], 0.25 * (-1 + beta * 0.2));
  close(r.dlogp[1], 0);
  close(r.dlogp[2], 0.5 * beta * (1 - 1.25));
  assert.equal(r.dlogp[3], 0);
});

test("surrogate gradient matches central finite differences away from the clip kinks", () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const n = 40;
  const logp = Array.from({ length: n }, () => Math.log(0.05 + 0.9 * rand()));
  const old = logp.map((l) => l + (rand() - 0.5) * 0.8); // ratios across both sides of [0.8, 1.2]
  const ref = logp.map((l) => l + (rand() - 0.5));
  const adv = logp.map(() => rand() * 4 - 2);
  const weight = logp.map((_, i) => (i % 5 === 4 ? 0 : 1 / 32));
  const base = { oldLogp: old, refLogp: ref, advantage: adv, weight, eps: 0.2, beta: 0.3 };
  const g = grpoSurrogate({ logp, ...base }).dlogp;
  const h = 1e-6;
  let checked = 0;
  for (let i = 0; i < n; i++) {
    const ratio = Math.exp(logp[i] - old[i]);
    if (Math.abs(ratio - 0.8) < 1e-3 || Math.abs(ratio - 1.2) < 1e-3) continue;
    const up = logp.slice(), dn = logp.slice();
    up[i] += h;
    dn[i] -= h;
    const fd = (grpoSurrogate({ logp: up, ...base }).loss - grpoSurrogate({ logp: dn, ...base }).loss) / (2 * h);
    assert.ok(Math.abs(fd - g[i]) < 1e-7, `token ${i}: analytic ${g[i]} vs finite difference ${fd}`);
    checked++;
  }
  assert.ok(checked >= 30);
});

test("nDCG@10 with binary gains and log2 discounts", () => {
  // relevant at ranks 1 and 3 of 12 candidates; 2 relevant in all → (1 + 1/log2 4) / (1 + 1/log2 3)
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0, -0.1, -0.2];
  close(ndcgAt10(scores, new Set([0, 2])), (1 + 0.5) / (1 + 1 / Math.log2(3)));
  assert.equal(ndcgAt10(scores, new Set([11])), 0); // rank 12: beyond the cut
  assert.equal(ndcgAt10(scores, new Set([0])), 1);
  assert.equal(ndcgAt10(scores, new Set()), 0);
});

test("rollout layout: actions are the output tokens and the stop decision, read-out at <emb_token>", () => {
  const r = layoutRollout([[1, 2, 3], [1, 2]], [[7, 8], []], [true, true], { stopId: 9, embId: 99, padId: 0 });
  assert.deepEqual(Array.from(r.batch.ids), [1, 2, 3, 7, 8, 99, 1, 2, 99, 0, 0, 0]);
  assert.deepEqual(Array.from(r.active), [0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(r.targets).filter((_, i) => r.active[i]), [7, 8, 9, 9]);
  assert.deepEqual(Array.from(r.embPositions), [5, 2]);
  assert.deepEqual(r.lengths, [3, 1]);
  const cut = layoutRollout([[1, 2]], [[5, 6]], [false], { stopId: 9, embId: 99, padId: 0 });
  assert.deepEqual(Array.from(cut.targets).filter((_, i) => cut.active[i]), [5, 6]);
});
