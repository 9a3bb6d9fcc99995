/**
 * SwiGLU gate of the Llama/Qwen MLP: s = silu(g) ⊙ u with silu(g) = g·σ(g).
 *   g (N, F), u (N, F) -> s (N, F); σ(g) optionally saved in sig so backward needs no exp.
 */
export function swigluForward(s: Float32Array, g: Float32Array, u: Float32Array, n: number, sig?: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const x = g[i];
    const sg = 1 / (1 + Math.exp(-x));
    if (sig) sig[i] = sg;
    s[i] = x * sg * u[i];
  }
}

/**
 * ds/dg = u·σ(g)(1 + g(1 − σ(g))), ds/du = silu(g). Writes (=) dg and du; in place (dg === ds) is
 * allowed. Pass the sig that swigluForward saved to skip recomputing σ.
 */
export function swigluBackward(dg: Float32Array, du: Float32Array, ds: Float32Array, g: Float32Array, u: Float32Array, n: number, sig?: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const x = g[i];
    const sg = sig ? sig[i] : 1 / (1 + Math.exp(-x));
    const d = ds[i];
    dg[i] = d * u[i] * sg * (1 + x * (1 - sg));
    du[i] = d * x * sg;
  }
}

/**
 * swigluBackward given silu(g) (e.g. from the kernels' SIMD swiglu with up = 1) instead of σ:
 * σ = silu / g (σ(0) = 1/2), so the backward needs no exp. Writes (=) dg and du.
 */
export function swigluBackwardFromSilu(dg: Float32Array, du: Float32Array, ds: Float32Array, g: Float32Array, u: Float32Array, silu: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = g[i], sl = silu[i];
    const sg = x !== 0 ? sl / x : 0.5;
    const d = ds[i];
    dg[i] = d * u[i] * (sg + sl * (1 - sg));
    du[i] = d * sl;
  }
}
