/** out(N, C) += b(C) for every row: the bias of a linear layer. */
export function addBiasForward(out: Float32Array, bias: Float32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    for (let i = 0; i < C; i++) out[o + i] += bias[i]!;
  }
}
