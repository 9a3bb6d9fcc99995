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

export function ropeTable(positions: number, headDim: number, theta: number): RopeTable {
  const half = headDim / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  // inv_freq is computed in f32 as transformers does, so long positions round the same way.
  const invFreq = new Float32Array(half);
  for (let d = 0; d < half; d++) invFreq[d] = 1 / Math.pow(theta, (2 * d) / headDim);
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
