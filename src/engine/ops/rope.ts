/**
 * Rotary position embedding in the Hugging Face "rotate half" layout: dimension d pairs with
 * d + D/2 (not with d + 1 as in the original GPT-J layout).
 */

/** cos/sin tables, each (P, D/2): angle(p, d) = p · theta^(-2d/D). */
export interface RopeTable {
  positions: number;
  halfDim: number;
  cos: Float32Array;
  sin: Float32Array;
}

/** Frequency scaling, as transformers' rope_scaling "linear" and "llama3". */
export type RopeFrequencyScaling =
  | { type: "linear"; factor: number }
  | { type: "llama3"; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number };

/** inv_freq(d) = theta^(-2d/D), then scaled: linear divides all by factor; llama3 divides the
 * low frequencies (wavelength > original/lowFreqFactor), keeps the high ones, and blends between. */
export function ropeInvFreq(headDim: number, theta: number, scaling?: RopeFrequencyScaling): Float32Array {
  const half = headDim / 2;
  // Computed in f32 as transformers does, so long positions round the same way.
  const inv = new Float32Array(half);
  for (let d = 0; d < half; d++) inv[d] = 1 / Math.pow(theta, (2 * d) / headDim);
  if (!scaling) return inv;
  if (scaling.type === "linear") {
    for (let d = 0; d < half; d++) inv[d] = inv[d]! / scaling.factor;
    return inv;
  }
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositions: old } = scaling;
  const lowWavelen = old / lo;
  const highWavelen = old / hi;
  for (let d = 0; d < half; d++) {
    const f = inv[d]!;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highWavelen) continue;
    if (wavelen > lowWavelen) inv[d] = f / factor;
    else {
      const smooth = (old / wavelen - lo) / (hi - lo);
      inv[d] = (1 - smooth) * (f / factor) + smooth * f;
    }
  }
  return inv;
}

export function ropeTable(positions: number, headDim: number, theta: number, scaling?: RopeFrequencyScaling): RopeTable {
  const half = headDim / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  const invFreq = ropeInvFreq(headDim, theta, scaling);
  for (let p = 0; p < positions; p++) {
    for (let d = 0; d < half; d++) {
      const a = Math.fround(p * invFreq[d]!);
      cos[p * half + d] = Math.cos(a);
      sin[p * half + d] = Math.sin(a);
    }
  }
  return { positions, halfDim: half, cos, sin };
}

/** In place on x(N, nHeads, D): rotates each head of token n by angle(pos[n]). */
export function ropeForward(x: Float32Array, pos: Int32Array, N: number, nHeads: number, D: number, table: RopeTable): void {
  const half = D / 2;
  for (let n = 0; n < N; n++) {
    const t = pos[n]! * half;
    for (let h = 0; h < nHeads; h++) {
      const o = (n * nHeads + h) * D;
      for (let d = 0; d < half; d++) {
        const c = table.cos[t + d]!;
        const s = table.sin[t + d]!;
        const x1 = x[o + d]!;
        const x2 = x[o + d + half]!;
        x[o + d] = x1 * c - x2 * s;
        x[o + d + half] = x2 * c + x1 * s;
      }
    }
  }
}
