/**
 * Rotary position embedding for training, forward and backward, in the rotate-half layout Hugging
 * Face uses (dimension d pairs with d + D/2), out of place or in place. The cos/sin table is the
 * engine's (engine/ops/rope.ts ropeTable: one builder, rope_scaling included), so training and
 * inference rotate by exactly the same angles.
 */
import type { RopeTable } from "../../engine/ops/rope.js";

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
  const half = table.halfDim, D = 2 * half;
  for (let n = 0; n < N; n++) {
    const p = positions[n];
    if (p < 0 || p >= table.positions) throw new RangeError(`rope: position ${p} outside [0, ${table.positions})`);
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
