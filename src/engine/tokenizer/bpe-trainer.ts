/**
 * A small byte-level BPE trainer: enough to give tiny test models a real tokenizer whose merges
 * come from text rather than being made up. Deterministic: ties go to the lexicographically
 * smallest pair.
 */
import { QWEN2_PRETOKENIZE_JS, toByteSymbols, BYTE_SYMBOLS_IN_VOCAB_ORDER } from "./byte-level.js";
import { T1Error } from "../../util/errors.js";

export interface BpeModel {
  /** token string (byte symbols) → id; ids 0..255 are the single bytes. */
  vocab: Map<string, number>;
  /** merges in priority order, "left right". */
  merges: string[];
}

/** Learns merges over `text` (pre-tokenized with the Qwen2 regex) until the vocabulary has
 * `vocabSize` entries (256 bytes + merged tokens). With `allowSmaller`, a text that runs out of
 * pairs first gives a smaller vocabulary instead of an error (learning from arbitrary user text). */
export function trainByteLevelBpe(text: string, vocabSize: number, opts: { allowSmaller?: boolean } = {}): BpeModel {
  const wordCounts = new Map<string, number>();
  for (const m of text.matchAll(QWEN2_PRETOKENIZE_JS)) {
    const w = toByteSymbols(m[0]);
    wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  }
  const words: { syms: string[]; count: number }[] = [...wordCounts].map(([w, count]) => ({ syms: [...w], count }));
  const vocab = new Map<string, number>();
  BYTE_SYMBOLS_IN_VOCAB_ORDER.forEach((s, i) => vocab.set(s, i));
  const merges: string[] = [];
  while (vocab.size < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { syms, count } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] + " " + syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [k, c] of pairs) {
      if (c > bestCount || (c === bestCount && best !== undefined && k < best)) {
        best = k;
        bestCount = c;
      }
    }
    if (best === undefined) {
      if (opts.allowSmaller) break;
      throw new T1Error("BAD_INPUT", `BPE training text is too small for a vocabulary of ${vocabSize} (ran out at ${vocab.size})`);
    }
    const [a, b] = best.split(" ") as [string, string];
    const joined = a + b;
    merges.push(best);
    if (!vocab.has(joined)) vocab.set(joined, vocab.size);
    for (const w of words) {
      const s = w.syms;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(joined);
          i++;
        } else out.push(s[i]!);
      }
      w.syms = out;
    }
  }
  return { vocab, merges };
}
