/**
 * SwiGLU gate of the Llama/Qwen MLP: s = silu(g) ⊙ u with silu(g) = g·σ(g).
 *   g (N, F), u (N, F) -> s (N, F)
 */
export function swigluForward(s: Float32Array, g: Float32Array, u: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = g[i];
    s[i] = (x / (1 + Math.exp(-x))) * u[i];
  }
}

/** ds/dg = u·σ(g)(1 + g(1 − σ(g))), ds/du = silu(g). Writes (=) dg and du; in place (dg === ds) is allowed. */
export function swigluBackward(dg: Float32Array, du: Float32Array, ds: Float32Array, g: Float32Array, u: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = g[i];
    const sig = 1 / (1 + Math.exp(-x));
    const silu = x * sig;
    dg[i] = ds[i] * u[i] * sig * (1 + x * (1 - sig));
    du[i] = ds[i] * silu;
  }
}
