/**
 * Keeps the k best (score, row) pairs seen so far in a binary min-heap: the root is the weakest kept
 * entry, so most candidates are rejected with one comparison. Ties rank the lower row (earlier in the
 * corpus) first — Lucene's rule, and deterministic for dense scans. Scores are kept in float64 so
 * that both BM25's doubles and the kernels' f32 cosines round-trip exactly.
 */
export class TopK {
  readonly scores: Float64Array;
  readonly rows: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.rows = new Int32Array(Math.max(1, k));
  }

  /** The score a candidate must reach to be considered (−Infinity until the heap is full). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.scores[0]!;
  }

  push(score: number, row: number): void {
    if (this.k <= 0) return;
    const { scores, rows } = this;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(score, row, scores[p]!, rows[p]!)) break;
        scores[i] = scores[p]!;
        rows[i] = rows[p]!;
        i = p;
      }
      scores[i] = score;
      rows[i] = row;
      return;
    }
    if (!worse(scores[0]!, rows[0]!, score, row)) return;
    // Sift the new root down.
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && worse(scores[r]!, rows[r]!, scores[l]!, rows[l]!) ? r : l;
      if (!worse(scores[c]!, rows[c]!, score, row)) break;
      scores[i] = scores[c]!;
      rows[i] = rows[c]!;
      i = c;
    }
    scores[i] = score;
    rows[i] = row;
  }

  /** Entries best first. */
  sorted(): { row: number; score: number }[] {
    const out: { row: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ row: this.rows[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.row - b.row);
  }
}

/** True when (s1, r1) ranks below (s2, r2): a lower score, or an equal score and a later row. */
function worse(s1: number, r1: number, s2: number, r2: number): boolean {
  return s1 < s2 || (s1 === s2 && r1 > r2);
}
