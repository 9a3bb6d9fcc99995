/**
 * Top-k selection over (score, doc) with Lucene's tie rule: among equal scores the lower doc number
 * (earlier in the corpus) ranks first. A binary min-heap whose root is the current worst entry.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly docs: Int32Array;
  private n = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.docs = new Int32Array(Math.max(1, k));
  }

  /** a ranks below b. */
  private worse(sa: number, da: number, sb: number, db: number): boolean {
    return sa < sb || (sa === sb && da > db);
  }

  push(score: number, doc: number): void {
    if (this.k <= 0) return;
    const { scores, docs } = this;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(score, doc, scores[p]!, docs[p]!)) break;
        scores[i] = scores[p]!;
        docs[i] = docs[p]!;
        i = p;
      }
      scores[i] = score;
      docs[i] = doc;
      return;
    }
    if (!this.worse(scores[0]!, docs[0]!, score, doc)) return;
    let i = 0;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.worse(scores[r]!, docs[r]!, scores[l]!, docs[l]!) ? r : l;
      if (!this.worse(scores[c]!, docs[c]!, score, doc)) break;
      scores[i] = scores[c]!;
      docs[i] = docs[c]!;
      i = c;
    }
    scores[i] = score;
    docs[i] = doc;
  }

  /** Entries best first. */
  sorted(): { doc: number; score: number }[] {
    const out: { doc: number; score: number }[] = [];
    for (let i = 0; i < this.n; i++) out.push({ doc: this.docs[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.doc - b.doc);
  }
}
