/**
 * Merges BM25 indexes built over consecutive slices of one corpus into the index a single build over
 * the whole corpus would have produced (same arrays, byte for byte): documents keep their order,
 * term dictionaries are merged in sorted order, posting lists are concatenated with shifted doc
 * numbers. Used by the resumable build, which writes one segment per slice.
 */
import { T1Error } from "../../util/errors.js";
import type { Bm25Arrays } from "./index-format.js";
import { Bm25Index } from "./inverted-index.js";

const decoder = new TextDecoder();

function termsOf(ix: Bm25Index): string[] {
  const { termOffsets, termBytes } = ix.arrays;
  const out = new Array<string>(ix.numTerms);
  for (let t = 0; t < ix.numTerms; t++) out[t] = decoder.decode(termBytes.subarray(termOffsets[t]!, termOffsets[t + 1]!));
  return out;
}

/** A growable byte buffer for re-encoded postings. */
class ByteSink {
  buf = new Uint8Array(1 << 16);
  len = 0;
  varint(v: number): void {
    if (this.len + 10 > this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }
}

export function mergeBm25Indexes(parts: readonly Bm25Index[]): Bm25Index {
  if (parts.length === 0) throw new T1Error("BAD_INPUT", "mergeBm25Indexes: no segments to merge");
  const h0 = parts[0]!.header;
  for (const p of parts) {
    const h = p.header;
    if (h.analyzer !== h0.analyzer || h.k1 !== h0.k1 || h.b !== h0.b || h.variant !== h0.variant) {
      throw new T1Error("MISMATCH", `cannot merge BM25 segments built with different settings (${h0.analyzer} k1=${h0.k1} b=${h0.b} ${h0.variant} vs ${h.analyzer} k1=${h.k1} b=${h.b} ${h.variant})`);
    }
  }
  const docBase: number[] = [];
  let numDocs = 0, idBytes = 0;
  for (const p of parts) {
    docBase.push(numDocs);
    numDocs += p.numDocs;
    idBytes += p.arrays.docIdBytes.length;
  }
  const docLengths = new Uint32Array(numDocs);
  const docIdOffsets = new Uint32Array(numDocs + 1);
  const docIdBytes = new Uint8Array(idBytes);
  const seen = new Set<string>();
  let byteBase = 0;
  parts.forEach((p, i) => {
    docLengths.set(p.arrays.docLengths, docBase[i]);
    docIdBytes.set(p.arrays.docIdBytes, byteBase);
    for (let d = 0; d < p.numDocs; d++) {
      docIdOffsets[docBase[i]! + d + 1] = byteBase + p.arrays.docIdOffsets[d + 1]!;
      const id = p.docId(d);
      if (seen.has(id)) throw new T1Error("BAD_INPUT", `duplicate document id "${id}" across index segments`);
      seen.add(id);
    }
    byteBase += p.arrays.docIdBytes.length;
  });

  // term → [(part, term number)] in part order, then all terms sorted as the builder sorts them.
  // gensim ids: each part's new terms continue the numbering, in that part's own gensim order.
  const where = new Map<string, number[]>();
  const gensimId = new Map<string, number>();
  parts.forEach((p, i) => {
    const partTerms = termsOf(p);
    partTerms.forEach((term, t) => {
      const l = where.get(term);
      if (l) l.push(i, t);
      else where.set(term, [i, t]);
    });
    const byGensim = partTerms.map((_, t) => t).sort((a, b) => p.arrays.gensimOrder[a]! - p.arrays.gensimOrder[b]!);
    for (const t of byGensim) if (!gensimId.has(partTerms[t]!)) gensimId.set(partTerms[t]!, gensimId.size);
  });
  const terms = [...where.keys()].sort();
  const enc = new TextEncoder();
  const termChunks = terms.map((t) => enc.encode(t));
  const termOffsets = new Uint32Array(terms.length + 1);
  termChunks.forEach((c, i) => (termOffsets[i + 1] = termOffsets[i]! + c.length));
  const termBytes = new Uint8Array(termOffsets[terms.length]!);
  termChunks.forEach((c, i) => termBytes.set(c, termOffsets[i]!));
  const docFreqs = new Uint32Array(terms.length);
  const gensimOrder = Uint32Array.from(terms, (t) => gensimId.get(t)!);
  const postingOffsets = new Float64Array(terms.length + 1);
  const sink = new ByteSink();
  terms.forEach((term, i) => {
    const refs = where.get(term)!;
    let last = 0, df = 0;
    for (let r = 0; r < refs.length; r += 2) {
      const part = parts[refs[r]!]!;
      const base = docBase[refs[r]!]!;
      df += part.arrays.docFreqs[refs[r + 1]!]!;
      part.forEachPosting(refs[r + 1]!, (doc, tf) => {
        sink.varint(base + doc - last);
        sink.varint(tf);
        last = base + doc;
      });
    }
    docFreqs[i] = df;
    postingOffsets[i + 1] = sink.len;
  });
  const arrays: Bm25Arrays = { docLengths, docIdOffsets, docIdBytes, termOffsets, termBytes, docFreqs, postingOffsets, postings: sink.buf.slice(0, sink.len), gensimOrder };
  const { sections: _stale, ...settings } = h0 as typeof h0 & { sections?: unknown }; // offsets of a segment file
  return new Bm25Index(
    {
      ...settings,
      numDocs,
      numTerms: terms.length,
      docCount: parts.reduce((s, p) => s + p.header.docCount, 0),
      sumTotalTermFreq: parts.reduce((s, p) => s + p.header.sumTotalTermFreq, 0),
      created: new Date().toISOString(),
    },
    arrays,
  );
}
