/**
 * RMSNorm, softmax, SwiGLU and residual add of every backend against float64 references, with
 * arrays inside and outside kernel memory, aliasing, and odd lengths (SIMD tails).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createKernels, detectSimd, JsKernels } from "../../src/engine/kernels/index.js";
import type { Kernels } from "../../src/engine/kernels/types.js";
import { randomArray } from "./kernels/reference.js";

const backends: Kernels[] = [new JsKernels()];
if (detectSimd() !== "none") {
  backends.push(createKernels({ backend: "wasm", threads: 1, noRelaxed: true }));
  if (detectSimd() === "relaxed") backends.push(createKernels({ backend: "wasm", threads: 1 }));
}
after(() => backends.forEach((k) => k.dispose()));

function place(k: Kernels, src: Float32Array, inside: boolean): Float32Array {
  if (!inside) return src.slice();
  const a = k.alloc(src.length);
  a.set(src);
  return a;
}

function close(label: string, got: ArrayLike<number>, want: ArrayLike<number>, n: number, rel: number, abs: number): void {
  for (let i = 0; i < n; i++) {
    const tol = rel * Math.abs(want[i]) + abs;
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${label}: [${i}] got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

const SHAPES: [number, number][] = [[1, 1], [1, 3], [2, 7], [3, 8], [4, 17], [5, 64], [2, 1000], [1, 4099]];

for (const k of backends) {
  for (const inside of [true, false]) {
    const where = `${k.name} ${inside ? "inside" : "outside"}`;

    test(`${where}: rmsnorm matches float64 (separate and in-place output)`, () => {
      let seed = 1;
      for (const [rows, cols] of SHAPES) {
        const x0 = randomArray(rows * cols, seed++).map((v) => v * 3);
        const w0 = randomArray(cols, seed++);
        const want = new Float64Array(rows * cols);
        for (let r = 0; r < rows; r++) {
          let ss = 0;
          for (let c = 0; c < cols; c++) ss += x0[r * cols + c] ** 2;
          const inv = 1 / Math.sqrt(ss / cols + 1e-6);
          for (let c = 0; c < cols; c++) want[r * cols + c] = x0[r * cols + c] * inv * w0[c];
        }
        const x = place(k, x0, inside), w = place(k, w0, inside), out = place(k, new Float32Array(rows * cols), inside);
        k.rmsnorm(out, x, w, rows, cols, 1e-6);
        close(`${where} rmsnorm ${rows}x${cols}`, out, want, rows * cols, 1e-5, 1e-6);
        k.rmsnorm(x, x, w, rows, cols, 1e-6);
        close(`${where} rmsnorm in place ${rows}x${cols}`, x, want, rows * cols, 1e-5, 1e-6);
      }
    });

    test(`${where}: softmaxRows matches float64, including large logits`, () => {
      let seed = 100;
      for (const [rows, cols] of SHAPES) {
        for (const scale of [1, 30]) {
          const x0 = randomArray(rows * cols, seed++).map((v) => v * scale);
          const want = new Float64Array(rows * cols);
          for (let r = 0; r < rows; r++) {
            let m = -Infinity, s = 0;
            for (let c = 0; c < cols; c++) m = Math.max(m, x0[r * cols + c]);
            for (let c = 0; c < cols; c++) s += Math.exp(x0[r * cols + c] - m);
            for (let c = 0; c < cols; c++) want[r * cols + c] = Math.exp(x0[r * cols + c] - m) / s;
          }
          const x = place(k, x0, inside);
          k.softmaxRows(x, rows, cols);
          // f32 rounding of x - max is amplified by exp for tiny probabilities: bound those absolutely.
          close(`${where} softmax ${rows}x${cols} scale ${scale}`, x, want, rows * cols, 2e-6, 1e-9);
        }
      }
    });

    test(`${where}: swiglu and addInPlace match float64`, () => {
      let seed = 200;
      for (const n of [1, 3, 4, 5, 17, 1000, 4099]) {
        const g0 = randomArray(n, seed++).map((v) => v * 12), u0 = randomArray(n, seed++);
        const want = Array.from(g0, (g, i) => (g / (1 + Math.exp(-g))) * u0[i]);
        const g = place(k, g0, inside), u = place(k, u0, inside), out = place(k, new Float32Array(n), inside);
        k.swiglu(out, g, u, n);
        close(`${where} swiglu n=${n}`, out, want, n, 2e-6, 1e-7);
        k.swiglu(g, g, u, n); // output aliasing the gate
        close(`${where} swiglu in place n=${n}`, g, want, n, 2e-6, 1e-7);
        const y0 = randomArray(n, seed++);
        k.addInPlace(u, place(k, y0, inside), n);
        close(`${where} addInPlace n=${n}`, u, Array.from(u0, (v, i) => v + y0[i]), n, 1e-7, 1e-7);
      }
    });
  }

  test(`${k.name}: elementwise ops reject short arrays`, () => {
    assert.throws(() => k.rmsnorm(new Float32Array(6), new Float32Array(6), new Float32Array(2), 2, 3, 1e-6), /rmsnorm: weight has 2 elements, expected at least 3/);
    assert.throws(() => k.swiglu(new Float32Array(4), new Float32Array(3), new Float32Array(4), 4), /swiglu: gate has 3 elements/);
    assert.throws(() => k.softmaxRows(new Float32Array(4), 2, -1), /cols must be a non-negative integer/);
  });
}
