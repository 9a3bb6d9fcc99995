/**
 * Every kernel backend (js, wasm-simd, wasm-relaxed-simd when available; 1 and 2 threads) against
 * a float64 naive reference at awkward shapes, with arrays inside and outside kernel memory.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createKernels, detectSimd, JsKernels, WasmKernels, f16BitsToF32, bf16BitsToF32 } from "../../src/engine/kernels/index.js";
import type { Kernels } from "../../src/engine/kernels/types.js";
import { checkAllMatmuls, checkOne } from "./kernels/reference.js";

const SMALL = [1, 2, 3, 5, 17];
/** Shapes with 64, 100 and 257 in every position, incl. skinny (M <= 4) and tall-thin ones. */
const LARGE: [number, number, number][] = [
  [64, 100, 257], [257, 64, 100], [100, 257, 64], [1, 257, 100], [4, 257, 257], [3, 100, 257],
  [257, 1, 3], [257, 3, 1], [5, 257, 17], [17, 5, 257], [100, 100, 100], [2, 64, 257], [257, 257, 2],
  // N past the GEMM's 1024-column block, and K past two 256-deep blocks
  [70, 9, 1100], [9, 70, 1030], [3, 9, 1100], [70, 600, 20],
];

const backends: { label: string; make: () => Kernels }[] = [{ label: "js", make: () => new JsKernels() }];
const simd = detectSimd();
if (simd !== "none") {
  for (const threads of [1, 2]) {
    backends.push({ label: `wasm-simd ${threads}t`, make: () => createKernels({ backend: "wasm", threads, noRelaxed: true }) });
    if (simd === "relaxed") backends.push({ label: `wasm-relaxed ${threads}t`, make: () => createKernels({ backend: "wasm", threads }) });
  }
}

const made: Kernels[] = [];
after(() => made.forEach((k) => k.dispose()));

for (const { label, make } of backends) {
  test(`${label}: all layouts match float64 at awkward shapes`, async () => {
    const k = make();
    made.push(k);
    if (k instanceof WasmKernels) {
      await k.whenReady();
      k.parallelMinMacs = 0; // split even tiny products so the threaded paths are exercised
    }
    checkAllMatmuls(k, SMALL);
    if (k instanceof WasmKernels) {
      // Both x·Wᵀ paths (skinny streaming and packed GEMM) on the same shapes.
      k.skinnyMaxM = k.skinnyMaxMF16 = 0;
      checkAllMatmuls(k, [1, 3, 5], { layouts: ["transB", "transBF16", "transBBf16"] });
      k.skinnyMaxM = k.skinnyMaxMF16 = 1000;
      checkAllMatmuls(k, [1, 3, 5, 17], { layouts: ["transB", "transBF16", "transBBf16"] });
      k.skinnyMaxM = 16; // lower than the default so the LARGE shapes below take both paths
      k.skinnyMaxMF16 = 4;
    }
    let seed = 1000;
    for (const layout of ["transB", "plain", "transA", "transBF16", "transBBf16"] as const)
      for (const [M, K, N] of LARGE)
        for (const inside of [true, false]) checkOne(k, layout, M, K, N, inside, seed % 2 === 0, seed++);
    if (k instanceof WasmKernels && k.threads > 1) {
      // Chunks are claimed dynamically: on a busy machine the caller may finish small products
      // before the worker wakes. Larger ones give it time to take part.
      const a = k.alloc(256 * 512), b = k.alloc(512 * 512), out = k.alloc(256 * 512);
      for (let i = 0; i < 100 && k.workerChunks()[0] === 0; i++) k.matmulTransB(out, a, b, 256, 512, 512);
      assert.ok(k.workerChunks()[0] > 0, `worker ran no chunks: ${k.workerChunks()}`);
      k.free(a); k.free(b); k.free(out);
    }
  });
}

if (simd !== "none") {
  test("wasm backend names and default threads", () => {
    const k = createKernels({ backend: "wasm", threads: 1 });
    made.push(k);
    assert.equal(k.name, simd === "relaxed" ? "wasm-relaxed-simd" : "wasm-simd");
    assert.equal(createKernels({ backend: "wasm", threads: 1, noRelaxed: true }).name, "wasm-simd");
    assert.equal(k.threads, 1);
    const prev = process.env.T1_THREADS;
    process.env.T1_THREADS = "zero";
    try {
      assert.throws(() => createKernels({ backend: "wasm" }), /T1_THREADS must be a positive integer/);
    } finally {
      if (prev === undefined) delete process.env.T1_THREADS;
      else process.env.T1_THREADS = prev;
    }
  });

  test("wasm kernels keep working on the calling thread after dispose()", async () => {
    const k = createKernels({ backend: "wasm", threads: 2 }) as WasmKernels;
    await k.whenReady();
    k.dispose();
    k.parallelMinMacs = 0;
    checkOne(k, "transB", 64, 100, 257, true, false, 7);
    checkOne(k, "plain", 64, 100, 257, false, true, 8);
  });

  for (const dtype of ["f16", "bf16"] as const) {
    test(`wasm ${dtype} weights decode exactly for every finite pattern`, () => {
      const k = createKernels({ backend: "wasm", threads: 1 });
      made.push(k);
      const decode = dtype === "f16" ? f16BitsToF32 : bf16BitsToF32;
      const product = (dtype === "f16" ? k.matmulTransBF16 : k.matmulTransBBf16).bind(k);
      // B (8192 x 8) holds all 65536 patterns; one-hot rows of A pick each column exactly.
      const K = 8, N = 8192;
      const b = k.allocU16(N * K);
      for (let h = 0; h < 65536; h++) b[h] = h;
      for (const M of [1, 16]) { // M = 1 decodes in the skinny kernel, M = 16 while packing for the GEMM
        const a = k.alloc(M * K), out = k.alloc(M * N);
        for (let t = 0; t < K; t++) {
          a.fill(0);
          for (let i = 0; i < M; i++) a[i * K + ((t + i) % K)] = 1;
          product(out, a, b, M, K, N);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < N; j++) {
              const h = j * K + ((t + i) % K);
              const want = decode(h);
              if (!Number.isFinite(want)) continue; // f16 infinities/NaN are documented as unsupported; bf16 ones propagate as such
              if (out[i * N + j] !== want) assert.fail(`${dtype} M=${M} pattern 0x${h.toString(16)}: got ${out[i * N + j]}, want ${want}`);
            }
        }
      }
    });
  }

  test("wasm allocator: alignment, zeroing, reuse after free, growth, foreign arrays", () => {
    const k = createKernels({ backend: "wasm", threads: 1 }) as WasmKernels;
    made.push(k);
    const base = k.liveBytes;
    const first = k.alloc(1);
    const second = k.alloc(17);
    const halves = k.allocU16(3); // allocated in between, as the f16 weights of a model are
    const xs = [first, second, k.alloc(1000)];
    for (const x of [...xs, halves]) assert.equal(x.byteOffset % 64, 0);
    xs[1].fill(7);
    const off = xs[1].byteOffset;
    k.free(xs[1]);
    const again = k.alloc(16); // fits the freed 17-float block: first fit reuses it, zeroed
    assert.equal(again.byteOffset, off);
    assert.ok(again.every((v) => v === 0));
    k.free(new Float32Array(8)); // not ours: ignored
    const copied = k.foreignBytesCopied;
    k.matmulTransB(new Float32Array(6), new Float32Array(4), xs[2].subarray(0, 6), 2, 2, 3);
    assert.equal(k.foreignBytesCopied - copied, 4 * (4 + 6), "a copied in, out copied back, b used in place");
    k.free(again);
    // Growth past the initial memory: earlier views stay valid and keep their contents.
    xs[2].fill(3);
    const big = k.alloc(16 << 20); // 64 MiB
    big[big.length - 1] = 5;
    assert.equal(xs[2][999], 3);
    assert.equal(big[big.length - 1], 5);
    const out = k.alloc(4);
    const w = k.alloc(4 * 1000);
    w.fill(1);
    k.matmulTransB(out, xs[2], w, 1, 1000, 4); // inputs allocated before the growth still work in place
    assert.deepEqual(Array.from(out), [3000, 3000, 3000, 3000]);
    for (const x of [xs[0], xs[2], big, out, w]) k.free(x);
    k.freeU16(halves);
    assert.equal(k.liveBytes, base);
    // Coalesced free space serves one large request without growing again, zeroed.
    const reuse = k.alloc(16 << 20);
    assert.equal(reuse.byteOffset, xs[0].byteOffset);
    assert.ok(reuse.every((v) => v === 0), "reused memory is zeroed");
    k.free(reuse);
  });
}

test("bad arguments raise BAD_INPUT naming the problem", () => {
  for (const { make } of backends.slice(0, 2)) {
    const k = make();
    made.push(k);
    assert.throws(() => k.matmulTransB(new Float32Array(4), new Float32Array(3), new Float32Array(4), 2, 2, 2), /matmulTransB: a has 3 elements, expected at least 4/);
    assert.throws(() => k.matmulTransA(new Float32Array(4), new Float32Array(4), new Float32Array(4), 2, 2.5, 2), /K must be a non-negative integer/);
    assert.throws(() => k.alloc(-1), /./);
  }
});
