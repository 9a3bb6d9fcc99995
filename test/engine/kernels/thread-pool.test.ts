/**
 * The worker pool on its own: the chunks of a job cover every column between caller and workers, a trap in a
 * worker (or the caller) surfaces as an error instead of a hang, and the pool keeps working after.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { detectSimd } from "../../../src/engine/kernels/simd-support.js";
import { loadKernelModule } from "../../../src/engine/kernels/wasm-kernels.js";
import { WasmHeap } from "../../../src/engine/kernels/wasm-heap.js";
import { ThreadPool, OP_GEMV } from "../../../src/engine/kernels/thread-pool.js";

const skip = detectSimd() === "none" ? "no WebAssembly SIMD in this runtime" : false;
const pools: ThreadPool[] = [];
after(() => pools.forEach((p) => p.dispose()));

test("thread pool: chunks cover the job, traps raise, pool survives", { skip }, async () => {
  const heap = new WasmHeap(131072, 1 << 20);
  const pool = new ThreadPool(loadKernelModule("simd"), heap, [heap.allocBytes(64), heap.allocBytes(64)]);
  pools.push(pool);
  await pool.whenReady();
  const plan = { byCols: true, total: 1000, size: 8, rows: 1, cols: 1000 };

  // A real GEMV split over three threads: out = x · Wᵀ with W rows j = [j, j, ...], x = ones.
  const K = 16, N = 1000;
  const x = heap.f32(heap.allocBytes(4 * K), K).fill(1);
  const w = heap.f32(heap.allocBytes(4 * K * N), K * N);
  for (let j = 0; j < N; j++) w.fill(j, j * K, (j + 1) * K);
  const out = heap.f32(heap.allocBytes(4 * N), N);
  const seen = new Set<number>();
  pool.run(OP_GEMV, [1, N, K, x.byteOffset, w.byteOffset, out.byteOffset, 0], plan, (_i0, _i1, j0, j1) => {
    for (let j = j0; j < j1; j++) {
      assert.ok(!seen.has(j));
      seen.add(j);
      out[j] = K * j; // the caller's share, computed here in JS
    }
  });
  for (let j = 0; j < N; j++) assert.equal(out[j], K * j, `column ${j}`);

  // Out-of-bounds pointers make the workers trap; the caller's share throws too.
  const bad = 0x7ffffff0;
  assert.throws(
    () => pool.run(OP_GEMV, [1, N, K, bad, bad, bad, 0], plan, () => { throw new Error("caller failed"); }),
    /kernel chunk failed/,
  );
  out.fill(0);
  pool.run(OP_GEMV, [1, N, K, x.byteOffset, w.byteOffset, out.byteOffset, 1], plan, (_i0, _i1, j0, j1) => {
    for (let j = j0; j < j1; j++) out[j] += K * j;
  });
  for (let j = 0; j < N; j++) assert.equal(out[j], K * j, `column ${j} after a failed job`);
});
