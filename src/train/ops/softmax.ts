/**
 * Row-wise softmax and log-softmax over the last axis, max-subtracted for stability.
 *   x (R, C) -> y (R, C)
 */
export function softmaxForward(y: Float32Array, x: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (x[o + c] > m) m = x[o + c];
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(x[o + c] - m);
      y[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < C; c++) y[o + c] *= inv;
  }
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
