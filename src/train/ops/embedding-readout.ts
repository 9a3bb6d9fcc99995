/**
 * The T1 embedding read-out: the final hidden state at each sequence's `<emb_token>` position,
 * then L2 normalisation, then cosine-similarity matrices. Positions are per row (found from the
 * token ids by the caller), never "the last row", so padded batches are handled.
 */

/** Hidden-state gather. h (B, T, C), pos (B) -> e (B, C). */
export function gatherRowsForward(e: Float32Array, h: Float32Array, pos: Int32Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    const p = pos[b];
    if (p < 0 || p >= T) throw new RangeError(`gather: position ${p} of row ${b} is outside [0, ${T})`);
    const o = (b * T + p) * C;
    e.set(h.subarray(o, o + C), b * C);
  }
}

/** Scatter-add of the gathered rows' gradient: dh[b, pos[b]] += de[b]. */
export function gatherRowsBackward(dh: Float32Array, de: Float32Array, pos: Int32Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    const o = (b * T + pos[b]) * C;
    for (let c = 0; c < C; c++) dh[o + c] += de[b * C + c];
  }
}

/** y = x / max(‖x‖, eps) per row (eps as torch.nn.functional.normalize, 1e-12). x (R, C); norms (R) saved. */
export function l2NormalizeForward(y: Float32Array, norms: Float32Array, x: Float32Array, R: number, C: number, eps = 1e-12): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[o + c] * x[o + c];
    const n = Math.max(Math.sqrt(ss), eps);
    norms[r] = n;
    for (let c = 0; c < C; c++) y[o + c] = x[o + c] / n;
  }
}

/** dx = (dy − y · (dy·y)) / ‖x‖. Writes (=) dx. */
export function l2NormalizeBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, norms: Float32Array, R: number, C: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * C;
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dy[o + c] * y[o + c];
    const inv = 1 / norms[r];
    for (let c = 0; c < C; c++) dx[o + c] = (dy[o + c] - y[o + c] * dot) * inv;
  }
}
