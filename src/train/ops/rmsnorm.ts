import { trainOpsFor } from "../../engine/kernels/index.js";

/**
 * RMSNorm as Llama/Qwen define it: y = x / sqrt(mean(x²) + eps) * w (the weight multiplies
 * directly, no 1 + w). Rows are independent, so the same op serves the per-layer norms (rows = tokens,
 * C = hidden) and Qwen3's per-head q_norm / k_norm (rows = tokens × heads, C = head_dim).
 *   x (R, C), w (C) -> y (R, C), rstd (R) saved for backward
 * Arrays that all live in WebAssembly kernel memory take the f32 SIMD kernels; others the plain loops (trainOpsFor).
 */
export function rmsnormForward(y: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, R: number, C: number, eps: number): void {
  trainOpsFor(y, rstd, x, w).rmsnormTrain(y, rstd, x, w, R, C, eps);
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
  (dw ? trainOpsFor(dx, dw, dy, x, w, rstd) : trainOpsFor(dx, dy, x, w, rstd)).rmsnormBackward(dx, dw, dy, x, w, rstd, R, C);
}
