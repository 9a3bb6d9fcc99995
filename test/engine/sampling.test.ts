import { test } from "node:test";
import assert from "node:assert/strict";
import { Sampler, argmax } from "../../src/engine/sampling.js";

/** Empirical frequencies of 20k draws. */
function freq(s: Sampler, logits: Float32Array): number[] {
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < 20000; i++) counts[s.sample(logits, 0, logits.length)]!++;
  return counts.map((c) => c / 20000);
}

test("sampling follows softmax(logits / T), truncated by top-k and top-p (renormalised)", () => {
  const logits = new Float32Array([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
  const f = freq(new Sampler({ temperature: 1, seed: 1 }, 4), logits);
  [0.5, 0.3, 0.15, 0.05].forEach((p, i) => assert.ok(Math.abs(f[i]! - p) < 0.015, `T=1 token ${i}: ${f[i]} vs ${p}`));
  // T = 0.5 squares the probabilities before renormalising.
  const sq = [0.25, 0.09, 0.0225, 0.0025];
  const z = sq.reduce((a, b) => a + b, 0);
  const g = freq(new Sampler({ temperature: 0.5, seed: 2 }, 4), logits);
  sq.forEach((p, i) => assert.ok(Math.abs(g[i]! - p / z) < 0.015, `T=0.5 token ${i}`));
  // top-k 2: {0.5, 0.3} renormalised.
  const k = freq(new Sampler({ temperature: 1, topK: 2, seed: 3 }, 4), logits);
  assert.ok(Math.abs(k[0]! - 0.625) < 0.015 && k[2] === 0 && k[3] === 0);
  // top-p 0.7: smallest prefix reaching 0.7 is {0.5, 0.3}.
  const p = freq(new Sampler({ temperature: 1, topP: 0.7, seed: 4 }, 4), logits);
  assert.ok(Math.abs(p[0]! - 0.625) < 0.015 && p[2] === 0);
  // top-k 3 then top-p 0.85 of the renormalised {0.5,0.3,0.15}/0.95: 0.526+0.316 = 0.842 < 0.85 → keeps 3.
  const kp = freq(new Sampler({ temperature: 1, topK: 3, topP: 0.85, seed: 5 }, 4), logits);
  assert.ok(kp[2]! > 0.1 && kp[3] === 0);
  // top-p 0.5 over {0.4, 0.35, 0.25}: 0.4 < 0.5, so the nucleus is {0.4, 0.35}.
  const l3 = new Float32Array([Math.log(0.4), Math.log(0.35), Math.log(0.25)]);
  const p3 = freq(new Sampler({ temperature: 1, topP: 0.5, seed: 6 }, 3), l3);
  assert.ok(Math.abs(p3[0]! - 0.4 / 0.75) < 0.015 && p3[2] === 0, `top-p 0.5: ${p3}`);
  // A large vocabulary: sampling with top-p touches only the head and matches the definition.
  const V = 50000;
  const big = Float32Array.from({ length: V }, (_, i) => -0.001 * i);
  const s = new Sampler({ temperature: 1, topP: 0.2, seed: 7 }, V);
  let maxId = 0;
  for (let i = 0; i < 2000; i++) maxId = Math.max(maxId, s.sample(big, 0, V));
  // p_i ∝ e^{-0.001 i}: mass of ids < n is (1 - e^{-0.001 n}) / (1 - e^{-50}) → 0.2 at n ≈ 223.
  assert.ok(maxId <= 223 && maxId > 200, `largest id sampled ${maxId}`);
  assert.equal(argmax(new Float32Array([1, 3, 3, 2]), 0, 4), 1, "ties go to the lowest id");
  assert.throws(() => new Sampler({ topP: 0 }, 4), /topP/);
  assert.throws(() => new Sampler({ topK: 1.5 }, 4), /topK/);
});
