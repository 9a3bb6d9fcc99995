/** In place softmax over x[off .. off+n), numerically stable (max subtracted). Returns nothing. */
export function softmaxForward(x: Float32Array | Float64Array, off: number, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[off + i]! > max) max = x[off + i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x[off + i]! - max);
    x[off + i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < n; i++) x[off + i] *= inv;
}
