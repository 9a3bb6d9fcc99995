/**
 * Rotary position embedding in the rotate-half layout Hugging Face uses: dimension d pairs with
 * d + D/2 (not the interleaved pairs of the original paper). Angles are computed in float32 as
 * HF does (inv_freq = 1 / theta^(2i/D), angle = pos · inv_freq) so logits match it bit-closely.
 */
export interface RopeTable {
  /** (P, D/2) cosines and sines for positions 0..P-1. */
  cos: Float32Array;
  sin: Float32Array;
  maxPositions: number;
  headDim: number;
}

export function buildRopeTable(maxPositions: number, headDim: number, theta: number): RopeTable {
  const half = headDim / 2;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin, maxPositions, headDim };
}

/**
 * In place is allowed (y === x).
 *   x (N, H, D) with positions (N) -> y (N, H, D)
 */
export function ropeForward(y: Float32Array, x: Float32Array, positions: Int32Array, table: RopeTable, N: number, H: number): void {
  rotate(y, x, positions, table, N, H, 1);
}

/** The rotation is orthogonal, so the gradient is the inverse rotation (angle −θ). In place is allowed. */
export function ropeBackward(dx: Float32Array, dy: Float32Array, positions: Int32Array, table: RopeTable, N: number, H: number): void {
  rotate(dx, dy, positions, table, N, H, -1);
}

function rotate(y: Float32Array, x: Float32Array, positions: Int32Array, table: RopeTable, N: number, H: number, sign: number): void {
  const D = table.headDim;
  const half = D / 2;
  for (let n = 0; n < N; n++) {
    const p = positions[n];
    if (p < 0 || p >= table.maxPositions) throw new RangeError(`rope: position ${p} outside [0, ${table.maxPositions})`);
    const t = p * half;
    for (let h = 0; h < H; h++) {
      const o = (n * H + h) * D;
      for (let i = 0; i < half; i++) {
        const c = table.cos[t + i];
        const s = sign * table.sin[t + i];
        const a = x[o + i];
        const b = x[o + i + half];
        y[o + i] = a * c - b * s;
        y[o + i + half] = b * c + a * s;
      }
    }
  }
}
