import type { ScoredDoc } from "./types.js";

/**
 * trec_eval's ranking order: score descending, ties broken by docid descending in strcmp order.
 * JS string comparison orders by UTF-16 code units, which equals strcmp's UTF-8 byte order for every
 * id without characters above U+FFFF mixed with U+E000..U+FFFF (i.e. all realistic docids).
 */
export function compareRanked(a: ScoredDoc, b: ScoredDoc): number {
  if (a.score > b.score) return -1;
  if (a.score < b.score) return 1;
  return a.docid < b.docid ? 1 : a.docid > b.docid ? -1 : 0;
}

/** A new array sorted in trec_eval's ranking order (the input is left untouched). */
export function rankRun(docs: readonly ScoredDoc[]): ScoredDoc[] {
  return [...docs].sort(compareRanked);
}
