/** Option specs and checks shared by the `t1 bm25 ...` commands and `t1 start`. */
import type { OptionSpec, OptionValues } from "../../cli/command.js";
import { InputError } from "../../util/errors.js";
import type { Bm25Variant } from "./index-format.js";

export const BM25_VARIANTS: readonly Bm25Variant[] = ["lucene", "bright-gensim"];

/** k1/b/variant options; `withDefaults` false leaves them unset so an index's own values apply. */
export function bm25ParamOptions(withDefaults: boolean): Record<string, OptionSpec> {
  return {
    k1: { type: "number", description: "BM25 term-frequency saturation", ...(withDefaults ? { default: 0.9 } : {}), arg: "X" },
    b: { type: "number", description: "BM25 length normalisation, 0..1", ...(withDefaults ? { default: 0.4 } : {}), arg: "X" },
    variant: {
      type: "string",
      description: "lucene (Lucene 8/Anserini/Pyserini scores) or bright-gensim (BRIGHT's official gensim BM25)",
      ...(withDefaults ? { default: "lucene" } : {}),
      arg: "NAME",
    },
  };
}

export interface Bm25Params {
  k1?: number;
  b?: number;
  variant?: Bm25Variant;
}

export function readBm25Params(cmd: string, values: OptionValues): Bm25Params {
  const out: Bm25Params = {};
  const k1 = values.k1;
  if (typeof k1 === "number") {
    if (!(k1 >= 0)) throw new InputError(`t1 ${cmd}: --k1 must be >= 0, got ${k1}`);
    out.k1 = k1;
  }
  const b = values.b;
  if (typeof b === "number") {
    if (!(b >= 0 && b <= 1)) throw new InputError(`t1 ${cmd}: --b must be in [0, 1], got ${b}`);
    out.b = b;
  }
  const v = values.variant;
  if (typeof v === "string") {
    if (!BM25_VARIANTS.includes(v as Bm25Variant)) throw new InputError(`t1 ${cmd}: --variant must be ${BM25_VARIANTS.join(" or ")}, got "${v}"`);
    out.variant = v as Bm25Variant;
  }
  return out;
}

export function readK(cmd: string, values: OptionValues, fallback: number): number {
  const k = values.k;
  if (k === undefined) return fallback;
  if (typeof k !== "number" || !Number.isInteger(k) || k <= 0) throw new InputError(`t1 ${cmd}: --k must be a positive integer, got ${String(k)}`);
  return k;
}
