/** The BM25 option group shared by the `t1 bm25 ...` commands, `t1 start` and `t1 bright eval`. */
import type { Bm25Variant } from "../../retrieval/bm25/index-format.js";
import type { Values } from "../command.js";

export const BM25_VARIANTS = ["lucene", "bright-gensim"] as const satisfies readonly Bm25Variant[];

const K1 = { type: "number", min: 0, description: "BM25 term-frequency saturation" } as const;
const B = { type: "number", min: 0, max: 1, description: "BM25 length normalisation, 0..1" } as const;
const VARIANT = { type: "string", choices: BM25_VARIANTS, description: "lucene (Lucene 8/Anserini/Pyserini scores) or bright-gensim (BRIGHT's official gensim BM25)" } as const;

/** k1/b/variant with their defaults (commands that build an index). */
export const BM25_OPTIONS = {
  variant: { ...VARIANT, default: "lucene" },
  k1: { ...K1, default: 0.9 },
  b: { ...B, default: 0.4 },
} as const;

/** k1/b/variant left unset, so that an index's own values apply (`t1 bm25 search`). */
export const BM25_OVERRIDE_OPTIONS = { variant: VARIANT, k1: K1, b: B } as const;

export interface Bm25Params {
  k1?: number;
  b?: number;
  variant?: Bm25Variant;
}

/** The parsed values of either group (with or without defaults), typed from the specs. */
export type Bm25Values = Values<typeof BM25_OVERRIDE_OPTIONS>;

/** The parsed group as the BM25 builders and searchers take it (ranges and choices were checked while parsing). */
export function bm25Params(v: Bm25Values): Bm25Params {
  const out: Bm25Params = {};
  if (v.k1 !== undefined) out.k1 = v.k1;
  if (v.b !== undefined) out.b = v.b;
  if (v.variant !== undefined) out.variant = v.variant;
  return out;
}
