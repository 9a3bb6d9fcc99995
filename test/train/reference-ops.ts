// Reference training ops the tests check against finite differences or compare the shipped ops with;
// nothing in src uses them (the model's softmax lives inside attention and the fused cross-entropy).
import { JsKernels } from "../../src/engine/kernels/index.js";

const js = new JsKernels();

/**
 * Row-wise softmax and log-softmax over the last axis, max-subtracted for stability.
 *   x (R, C) -> y (R, C). Softmax is the engine's plain-JS kernel (softmaxRows), out of place.
 */
export function softmaxForward(y: Float32Array, x: Float32Array, R: number, C: number): void {
  y.set(x.subarray(0, R * C));
  js.softmaxRows(y, R, C);
}

/** dx = y ⊙ (dy − Σ dy ⊙ y). Writes (=) dx. */
export function softmaxBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dy[o + c] * y[o + c];
    for (let c = 0; c < C; c++) dx[o + c] = y[o + c] * (dy[o + c] - dot);
  }
}

/** y = x − logsumexp(x) per row. */
export function logSoftmaxForward(y: Float32Array, x: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (x[o + c] > m) m = x[o + c];
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(x[o + c] - m);
    const lse = m + Math.log(sum);
    for (let c = 0; c < C; c++) y[o + c] = x[o + c] - lse;
  }
}

/** dx = dy − softmax(x) · Σ dy, with softmax recovered as exp(y). Writes (=) dx. */
export function logSoftmaxBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += dy[o + c];
    for (let c = 0; c < C; c++) dx[o + c] = dy[o + c] - Math.exp(y[o + c]) * sum;
  }
}

/**
 * The unfused cross-entropy backward that crossEntropyFusedInPlace (src/train/ops/cross-entropy.ts)
 * replaces: dlogits[r] = dloss · weight_r / Σweight · (softmax(logits[r]) − onehot(target_r)).
 * Writes (=); rows with weight 0 are zeroed.
 */
export function crossEntropyBackward(dlogits: Float32Array, dloss: number, logits: Float32Array, targets: Int32Array, weight: Float32Array, R: number, V: number): void {
  let count = 0;
  for (let r = 0; r < R; r++) count += weight[r];
  for (let r = 0; r < R; r++) {
    const o = r * V;
    if (weight[r] === 0 || count === 0) {
      dlogits.fill(0, o, o + V);
      continue;
    }
    const scale = (dloss * weight[r]) / count;
    let m = -Infinity;
    for (let c = 0; c < V; c++) if (logits[o + c] > m) m = logits[o + c];
    let sum = 0;
    for (let c = 0; c < V; c++) sum += Math.exp(logits[o + c] - m);
    const f = scale / sum;
    for (let c = 0; c < V; c++) dlogits[o + c] = Math.exp(logits[o + c] - m) * f;
    dlogits[o + targets[r]] -= scale;
  }
}
