/**
 * Exact search: every row scored against every query, block by block through the matmul kernel
 * (f32 rows, or f16 rows through the f16 kernel at half the bandwidth), one top-k heap per query.
 */
import type { Kernels } from "../../engine/kernels/types.js";
import type { Segment } from "./segment.js";
import { TopK } from "../top-k.js";

/** Rows per matmul block: big enough to amortise the call, small enough for the scores to stay in cache. */
const SCAN_BLOCK = 4096;

/**
 * Top-k rows by dot product for `nq` L2-normalised queries (row-major in `q`). `isDeleted`, when
 * given, hides rows; it is only consulted for candidates that would enter a heap.
 */
export function scanTopK(
  kernels: Kernels,
  segments: readonly Segment[],
  dims: number,
  q: Float32Array,
  nq: number,
  k: number,
  isDeleted?: (row: number) => boolean,
): { row: number; cosine: number }[][] {
  const d = dims;
  const heaps = Array.from({ length: nq }, () => new TopK(k));
  const qk = kernels.alloc(nq * d);
  qk.set(q.subarray(0, nq * d));
  const scores = kernels.alloc(nq * SCAN_BLOCK);
  try {
    let base = 0;
    for (const seg of segments) {
      for (let start = 0; start < seg.rows; start += SCAN_BLOCK) {
        const n = Math.min(SCAN_BLOCK, seg.rows - start);
        if (seg.f32) kernels.matmulTransB(scores, qk, seg.f32.subarray(start * d, (start + n) * d), nq, d, n);
        else kernels.matmulTransBF16(scores, qk, seg.f16!.subarray(start * d, (start + n) * d), nq, d, n);
        const row0 = base + start;
        for (let i = 0; i < nq; i++) {
          const heap = heaps[i];
          const o = i * n;
          for (let j = 0; j < n; j++) {
            const s = scores[o + j];
            if (s >= heap.threshold && (!isDeleted || !isDeleted(row0 + j))) heap.push(s, row0 + j);
          }
        }
      }
      base += seg.rows;
    }
  } finally {
    kernels.free(qk);
    kernels.free(scores);
  }
  return heaps.map((h) => h.sorted().map((x) => ({ row: x.row, cosine: x.score })));
}
