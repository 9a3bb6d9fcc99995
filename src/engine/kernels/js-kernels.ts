/**
 * Plain TypeScript implementation of the whole kernel contract. It is the reference the wasm
 * backends are checked against in spirit (the tests use a float64 reference) and the fallback
 * when WebAssembly SIMD is unavailable. Loops are ordered so the innermost one walks memory
 * contiguously, which matters more than anything else for JIT-compiled JS.
 */
import type { Kernels } from "./types.js";
import { jsTrainOps } from "./train-ops.js";
import { bf16ToF32Table, checkLengths, checkMatmulArgs, f16ToF32Table } from "./shapes.js";

export class JsKernels implements Kernels {
  readonly name = "js" as const;
  readonly threads = 1;
  readonly train = jsTrainOps;

  alloc(n: number): Float32Array {
    return new Float32Array(n);
  }
  free(_a: Float32Array): void {}
  allocU16(n: number): Uint16Array {
    return new Uint16Array(n);
  }
  freeU16(_a: Uint16Array): void {}

  matmulTransB(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransB", out, a, b, M, K, N, M * K, N * K, M * N);
    for (let i = 0; i < M; i++) {
      const ao = i * K;
      for (let j = 0; j < N; j++) {
        const bo = j * K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        let k = 0;
        for (; k + 4 <= K; k += 4) {
          s0 += a[ao + k] * b[bo + k];
          s1 += a[ao + k + 1] * b[bo + k + 1];
          s2 += a[ao + k + 2] * b[bo + k + 2];
          s3 += a[ao + k + 3] * b[bo + k + 3];
        }
        for (; k < K; k++) s0 += a[ao + k] * b[bo + k];
        const s = s0 + s1 + s2 + s3;
        out[i * N + j] = accumulate ? out[i * N + j] + s : s;
      }
    }
  }

  matmul(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmul", out, a, b, M, K, N, M * K, K * N, M * N);
    if (!accumulate) out.fill(0, 0, M * N);
    for (let i = 0; i < M; i++) {
      const oo = i * N;
      for (let k = 0; k < K; k++) {
        const av = a[i * K + k];
        if (av === 0) continue;
        const bo = k * N;
        for (let j = 0; j < N; j++) out[oo + j] += av * b[bo + j];
      }
    }
  }

  matmulTransA(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransA", out, a, b, M, K, N, M * K, M * N, K * N);
    if (!accumulate) out.fill(0, 0, K * N);
    for (let m = 0; m < M; m++) {
      const bo = m * N;
      for (let k = 0; k < K; k++) {
        const av = a[m * K + k];
        if (av === 0) continue;
        const oo = k * N;
        for (let j = 0; j < N; j++) out[oo + j] += av * b[bo + j];
      }
    }
  }

  matmulTransBF16(out: Float32Array, a: Float32Array, bF16: Uint16Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransBF16", out, a, bF16, M, K, N, M * K, N * K, M * N);
    this.halfProduct(out, a, bF16, M, K, N, accumulate, f16ToF32Table());
  }

  matmulTransBBf16(out: Float32Array, a: Float32Array, bBf16: Uint16Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransBBf16", out, a, bBf16, M, K, N, M * K, N * K, M * N);
    this.halfProduct(out, a, bBf16, M, K, N, accumulate, bf16ToF32Table());
  }

  /** x·Wᵀ with 16-bit weights decoded through a 65536-entry table, one W row at a time. */
  private halfProduct(out: Float32Array, a: Float32Array, b: Uint16Array, M: number, K: number, N: number, accumulate: boolean, table: Float32Array): void {
    const row = new Float32Array(K);
    for (let j = 0; j < N; j++) {
      const bo = j * K;
      for (let k = 0; k < K; k++) row[k] = table[b[bo + k]];
      for (let i = 0; i < M; i++) {
        const ao = i * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ao + k] * row[k];
        out[i * N + j] = accumulate ? out[i * N + j] + s : s;
      }
    }
  }

  rmsnorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, cols: number, eps: number): void {
    checkLengths("rmsnorm", { rows, cols }, { out: [out, rows * cols], x: [x, rows * cols], weight: [weight, cols] });
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let ss = 0;
      for (let c = 0; c < cols; c++) ss += x[o + c] * x[o + c];
      const inv = 1 / Math.sqrt(ss / cols + eps);
      for (let c = 0; c < cols; c++) out[o + c] = x[o + c] * inv * weight[c];
    }
  }

  softmaxRows(x: Float32Array, rows: number, cols: number): void {
    checkLengths("softmaxRows", { rows, cols }, { x: [x, rows * cols] });
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let m = -Infinity;
      for (let c = 0; c < cols; c++) if (x[o + c] > m) m = x[o + c];
      let s = 0;
      for (let c = 0; c < cols; c++) {
        const e = Math.exp(x[o + c] - m);
        x[o + c] = e;
        s += e;
      }
      const inv = 1 / s;
      for (let c = 0; c < cols; c++) x[o + c] *= inv;
    }
  }

  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    checkLengths("swiglu", { n }, { out: [out, n], gate: [gate, n], up: [up, n] });
    for (let i = 0; i < n; i++) {
      const g = gate[i];
      out[i] = (g / (1 + Math.exp(-g))) * up[i];
    }
  }

  addInPlace(x: Float32Array, y: Float32Array, n: number): void {
    checkLengths("addInPlace", { n }, { x: [x, n], y: [y, n] });
    for (let i = 0; i < n; i++) x[i] += y[i];
  }

  dispose(): void {}
}
