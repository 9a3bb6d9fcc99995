import { WasmKernels } from "../../engine/kernels/wasm-kernels.js";

/**
 * RMSNorm as Llama/Qwen define it: y = x / sqrt(mean(x²) + eps) * w (the weight multiplies
 * directly, no 1 + w). Rows are independent, so the same op serves the per-layer norms (rows = tokens,
 * C = hidden) and Qwen3's per-head q_norm / k_norm (rows = tokens × heads, C = head_dim).
 *   x (R, C), w (C) -> y (R, C), rstd (R) saved for backward
 * Arrays that all live in WebAssembly kernel memory take the f32 SIMD kernels; others this loop.
 */
export function rmsnormForward(y: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, R: number, C: number, eps: number): void {
  const wk = WasmKernels.owning(y, rstd, x, w);
  if (wk) return wk.train.rmsnormTrain(y, rstd, x, w, R, C, eps);
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[o + c] * x[o + c];
    const s = 1 / Math.sqrt(ss / C + eps);
    rstd[r] = s;
    for (let c = 0; c < C; c++) y[o + c] = x[o + c] * s * w[c];
  }
}

/**
 * With x̂ = x·rstd: dw += Σ_r dy ⊙ x̂ and dx = rstd · (g − x̂ · mean(g ⊙ x̂)) where g = dy ⊙ w.
 * dx is accumulated (+=): the residual stream adds this to the gradient flowing around the norm.
 */
export function rmsnormBackward(
  dx: Float32Array,
  dw: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rstd: Float32Array,
  R: number,
  C: number,
): void {
  const wk = dw ? WasmKernels.owning(dx, dw, dy, x, w, rstd) : WasmKernels.owning(dx, dy, x, w, rstd);
  if (wk) return wk.train.rmsnormBackward(dx, dw, dy, x, w, rstd, R, C);
  for (let r = 0; r < R; r++) {
    const o = r * C;
    const s = rstd[r];
    let dot = 0;
    for (let c = 0; c < C; c++) {
      const xh = x[o + c] * s;
      const g = dy[o + c] * w[c];
      dot += g * xh;
      if (dw) dw[c] += dy[o + c] * xh;
    }
    dot /= C;
    for (let c = 0; c < C; c++) {
      const xh = x[o + c] * s;
      dx[o + c] += s * (dy[o + c] * w[c] - xh * dot);
    }
  }
}
