// The activation buffer pool: reuse across nearby sizes, views of the requested length, bounded idle memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getKernels } from "../../src/engine/kernels/index.js";
import { BufferPool } from "../../src/train/buffer-pool.js";

test("buffer pool: nearby sizes share buffers, idle memory stays below the peak in use", () => {
  const pool = new BufferPool(getKernels());
  const a = pool.take(1000);
  assert.equal(a.length, 1000);
  a.fill(7);
  pool.give(a);
  const b = pool.take(1010); // same bucket (≤ 12.5% apart): the parked buffer comes back
  assert.equal(b.length, 1010);
  assert.equal(b.byteOffset, a.byteOffset);
  pool.give(b);
  // shapes that keep changing: the pool must not keep every size it ever saw
  for (let n = 2000; n < 200_000; n = Math.ceil(n * 1.3)) pool.give(pool.take(n));
  assert.ok(pool.idleFloats <= 200_000 * 1.125, `idle ${pool.idleFloats}`);
  pool.give(new Float32Array(5)); // foreign arrays are ignored
  pool.clear();
  assert.equal(pool.idleFloats, 0);
});
