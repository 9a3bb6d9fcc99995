import { test } from "node:test";
import assert from "node:assert/strict";
import { rrf, weightedFusion } from "../../src/retrieval/hybrid.js";

const bm25 = { name: "bm25", items: [{ id: "b", score: 2 }, { id: "a", score: 3 }, { id: "c", score: 1 }] };
const dense = { name: "cosine", items: [{ id: "c", score: 0.9 }, { id: "a", score: 0.5 }, { id: "d", score: 0.1 }] };

test("rrf matches hand-computed 1/(k+rank) sums and keeps source scores and ranks", () => {
  const out = rrf([bm25, dense]);
  const want: Record<string, number> = { a: 1 / 61 + 1 / 62, b: 1 / 62, c: 1 / 63 + 1 / 61, d: 1 / 63 };
  assert.deepEqual(out.map((x) => x.id), ["a", "c", "b", "d"]);
  for (const x of out) assert.ok(Math.abs(x.score - want[x.id]) < 1e-15, x.id);
  assert.deepEqual(out[0].sources, { bm25: 3, cosine: 0.5 });
  assert.deepEqual(out[0].ranks, { bm25: 1, cosine: 2 });
  assert.deepEqual(out[2].sources, { bm25: 2 });
  const k1 = rrf([bm25, dense], { k: 1, limit: 1 });
  assert.equal(k1.length, 1);
  assert.ok(Math.abs(k1[0].score - (1 / 2 + 1 / 3)) < 1e-15);
});

test("weighted min-max fusion with alpha on the first list", () => {
  const out = weightedFusion([bm25, dense], { alpha: 0.7 });
  // bm25 → a 1, b .5, c 0 ; cosine → c 1, a .5, d 0 ; missing = the list's minimum (0).
  const want: Record<string, number> = { a: 0.7 + 0.3 * 0.5, b: 0.35, c: 0.3, d: 0 };
  assert.deepEqual(out.map((x) => x.id), ["a", "b", "c", "d"]);
  for (const x of out) assert.ok(Math.abs(x.score - want[x.id]) < 1e-12, x.id);
});

test("weighted z-score fusion", () => {
  const out = weightedFusion([bm25, dense], { alpha: 0.5, normalization: "zscore" });
  const z = Math.sqrt(3 / 2); // (3-2)/sqrt(2/3)
  const dz = 0.4 / Math.sqrt((0.4 ** 2 * 2) / 3);
  const want: Record<string, number> = { a: 0.5 * z + 0.5 * 0, c: 0.5 * -z + 0.5 * dz, b: 0 + 0.5 * -dz, d: 0.5 * -z + 0.5 * -dz };
  for (const x of out) assert.ok(Math.abs(x.score - want[x.id]) < 1e-12, `${x.id} ${x.score} ${want[x.id]}`);
});

test("bad inputs are named", () => {
  assert.throws(() => rrf([{ name: "x", items: [{ id: "a", score: 1 }, { id: "a", score: 2 }] }]), /"x" returns "a" twice/);
  assert.throws(() => weightedFusion([bm25, dense], { alpha: 2 }), /alpha must be in \[0,1\]/);
  assert.throws(() => rrf([{ name: "x", items: [{ id: "a", score: NaN }] }]), /non-finite/);
});
