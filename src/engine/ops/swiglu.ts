/** SwiGLU of Llama/Qwen MLPs: out = silu(gate) * up, elementwise over n values. `out` may alias `gate`. */
export function swigluForward(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    out[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
}

/** out(N, C) += b(C) for every row: the bias of a linear layer. */
export function addBiasForward(out: Float32Array, bias: Float32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    for (let i = 0; i < C; i++) out[o + i] += bias[i]!;
  }
}

/** x += y over n values: the residual connection. */
export function residualForward(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] += y[i]!;
}
