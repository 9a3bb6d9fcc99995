import { InputError } from "../../util/errors.js";

/**
 * Row gather: out[n] = table[ids[n]].
 *   ids (N), table (V, C) -> out (N, C)
 */
export function embeddingForward(out: Float32Array, ids: Int32Array, table: Float32Array, N: number, V: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const id = ids[n];
    if (id < 0 || id >= V) throw new InputError(`token id ${id} at position ${n} is outside the vocabulary [0, ${V})`, { field: "ids" });
    out.set(table.subarray(id * C, id * C + C), n * C);
  }
}

/** Scatter-add: dTable[ids[n]] += dOut[n]. A token repeated in the batch sums its gradients. */
export function embeddingBackward(dTable: Float32Array, dOut: Float32Array, ids: Int32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const row = ids[n] * C;
    const src = n * C;
    for (let c = 0; c < C; c++) dTable[row + c] += dOut[src + c];
  }
}
