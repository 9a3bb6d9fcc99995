import { InputError } from "../../util/errors.js";

/**
 * Row selection over flattened (N, C) activations: which positions of a B·T batch the lm_head runs
 * on. The losses that read logits (cross-entropy on reasoning tokens, GRPO's action log-probs) use a
 * small share of the positions; computing the head only there saves (N − P)·V floats.
 */

/** Indices i (increasing) where flags[i] ≠ 0. */
export function positionsWhere(flags: ArrayLike<number>): Int32Array {
  let P = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) P++;
  const out = new Int32Array(P);
  for (let i = 0, p = 0; i < flags.length; i++) if (flags[i] !== 0) out[p++] = i;
  return out;
}

/** Throws unless rows is strictly increasing within [0, N). */
export function checkRowSelection(rows: Int32Array, N: number): void {
  let prev = -1;
  for (let p = 0; p < rows.length; p++) {
    const r = rows[p];
    if (r <= prev || r >= N) throw new InputError(`logitPositions must be strictly increasing indices in [0, B·T = ${N}); entry ${p} is ${r}`, { field: "logitPositions" });
    prev = r;
  }
}

/** out (P, C) = x[rows[p]] for each p. x (N, C). */
export function gatherRows(out: Float32Array, x: Float32Array, rows: Int32Array, C: number): void {
  for (let p = 0; p < rows.length; p++) out.set(x.subarray(rows[p] * C, rows[p] * C + C), p * C);
}

/** dx[rows[p]] += dout[p] for each p: the backward of gatherRows. */
export function scatterAddRows(dx: Float32Array, dout: Float32Array, rows: Int32Array, C: number): void {
  for (let p = 0; p < rows.length; p++) {
    const o = rows[p] * C, s = p * C;
    for (let c = 0; c < C; c++) dx[o + c] += dout[s + c];
  }
}

/** out (P) = x[rows[p]]: per-position arrays (targets, weights) of the selected rows. */
export function pickAt<A extends Int32Array | Float32Array>(out: A, x: ArrayLike<number>, rows: Int32Array): A {
  for (let p = 0; p < rows.length; p++) out[p] = x[rows[p]];
  return out;
}
