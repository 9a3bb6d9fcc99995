import { InputError } from "../util/errors.js";

/**
 * Measure requests and the names trec_eval prints. Requests use trec_eval's `-m` syntax
 * (`ndcg_cut.10,100`, `iprec_at_recall..10,.5`, `utility.2,-1,0,0`), a bare family meaning its
 * default parameters, or a printed name (`ndcg_cut_10`, `iprec_at_recall_0.10`).
 */

/** Families whose parameter is a list of integer rank cutoffs (printed `P_10`). */
const INT_CUT = {
  P: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  recall: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  ndcg_cut: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  map_cut: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  relative_P: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  success: [1, 5, 10],
  unj: [5, 10, 20],
} as const;
/** Families whose parameter is a list of fractions (printed `iprec_at_recall_0.10`, two decimals). */
const FLOAT_CUT = {
  iprec_at_recall: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  Rprec_mult: [0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2],
} as const;
/** Single-value families with an optional parameter vector (printed `utility_2,-1,0,0` when given). */
const VECTOR = {
  "11pt_avg": [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
  utility: [1, -1, 0, 0],
  relstring: [10],
} as const;
/** Single-value families with optional `name=value` parameters: gains per level (`ndcg.1=3,2=9`), rbp's `p`. */
const PAIRS = ["ndcg", "ndcg_rel", "Rndcg", "G", "rbp", "rbp_resid"] as const;
const PLAIN = [
  "num_q", "num_ret", "num_rel", "num_rel_ret", "num_nonrel_judged_ret",
  "map", "gm_map", "Rprec", "bpref", "gm_bpref", "recip_rank", "binG", "infAP",
  "set_P", "set_relative_P", "set_recall", "set_map", "set_F",
] as const;

export type MeasureFamily = (typeof PLAIN)[number] | (typeof PAIRS)[number] | keyof typeof INT_CUT | keyof typeof FLOAT_CUT | keyof typeof VECTOR;

/** Counts: printed as integers and summed (not averaged) in the `all` line, as trec_eval does. */
const COUNTS = new Set<string>(["num_q", "num_ret", "num_rel", "num_rel_ret", "num_nonrel_judged_ret"]);
/** Geometric-mean families: averaged as exp(mean(log(max(v, 1e-5)))) and printed only in `all`. */
const GEOMETRIC = new Set<string>(["gm_map", "gm_bpref"]);

/** One measure to compute, under the name trec_eval prints. */
export interface MeasureSpec {
  name: string;
  family: MeasureFamily;
  /** Integer rank cutoff (INT_CUT families) or fraction (FLOAT_CUT families). */
  cutoff?: number;
  /** Parameter vector of 11pt_avg / utility. */
  params?: readonly number[];
  /** `name=value` parameters of ndcg / rbp: integer names are relevance levels mapped to gains. */
  pairs?: ReadonlyMap<string, number>;
  /** Printed as an integer and summed over queries. */
  integer: boolean;
  /** How the `all` value combines per-query values. */
  aggregate: "mean" | "sum" | "geometric" | "none";
  /** A per-query string (relstring), not a number: kept in EvaluationResult.perQueryText. */
  text?: boolean;
  /** Printed per query under -q (num_q and the gm_ measures are not). */
  perQuery: boolean;
}

/** Every family this module implements, for help texts and errors. */
export const SUPPORTED_FAMILIES: readonly string[] = [...PLAIN, ...PAIRS, ...Object.keys(INT_CUT), ...Object.keys(FLOAT_CUT), ...Object.keys(VECTOR)];

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const NUMBER = /^-?(\d+\.?\d*|\.\d+)$/;
const PAIR = /^([A-Za-z_]\w*|-?\d+)=(-?(?:\d+\.?\d*|\.\d+))$/;

function spec(family: MeasureFamily, name: string, extra: Partial<MeasureSpec> = {}): MeasureSpec {
  const integer = COUNTS.has(family);
  const geometric = GEOMETRIC.has(family);
  return { name, family, integer, aggregate: integer ? "sum" : geometric ? "geometric" : "mean", perQuery: family !== "num_q" && !geometric, ...extra };
}

/**
 * Parses measure requests (see the module comment). Each request may itself be comma-joined
 * families (`map,ndcg_cut.10,100`): numbers after a comma stay with the family before them.
 * Duplicates are dropped, order kept; cutoffs are sorted ascending as trec_eval does.
 */
export function parseMeasures(requests: readonly string[]): MeasureSpec[] {
  const out: MeasureSpec[] = [];
  const seen = new Set<string>();
  for (const req of requests) {
    for (const item of splitRequest(req)) {
      for (const s of parseOne(item)) {
        if (!seen.has(s.name)) {
          seen.add(s.name);
          out.push(s);
        }
      }
    }
  }
  if (out.length === 0) throw new InputError(`no measures requested`);
  return out;
}

function splitRequest(req: string): string[] {
  const items: string[] = [];
  for (const part of req.split(",").map((p) => p.trim()).filter(Boolean)) {
    if ((NUMBER.test(part) || PAIR.test(part)) && items.length > 0 && items[items.length - 1]!.includes(".")) items[items.length - 1] += "," + part;
    else items.push(part);
  }
  return items;
}

function parseOne(item: string): MeasureSpec[] {
  const dot = item.indexOf(".");
  const fam = dot >= 0 ? item.slice(0, dot) : item;
  const params = dot >= 0 ? item.slice(dot + 1) : "";
  if ((PLAIN as readonly string[]).includes(fam)) {
    if (dot >= 0) throw new InputError(`measure "${fam}" takes no parameters, got "${item}"`);
    return [spec(fam as MeasureFamily, fam)];
  }
  if ((PAIRS as readonly string[]).includes(fam)) {
    if (params === "") return [spec(fam as MeasureFamily, fam)];
    const pairs = new Map<string, number>();
    for (const p of params.split(",")) {
      const m = PAIR.exec(p.trim());
      if (!m) throw new InputError(`measure "${item}": parameter "${p}" is not of the form level=gain or p=value`);
      pairs.set(m[1]!, Number(m[2]));
    }
    return [spec(fam as MeasureFamily, `${fam}_${params}`, { pairs })];
  }
  if (has(INT_CUT, fam)) {
    const f = fam as keyof typeof INT_CUT;
    // trec_eval reads cutoffs with atol: `ndcg_cut.23.4` is ndcg_cut_23.
    const cuts = params === "" ? [...INT_CUT[f]] : uniqSorted(numbers(params, item).map((x) => positiveInt(Math.trunc(x), item)));
    return cuts.map((k) => spec(f, `${f}_${k}`, { cutoff: k }));
  }
  if (has(FLOAT_CUT, fam)) {
    const f = fam as keyof typeof FLOAT_CUT;
    const cuts = params === "" ? [...FLOAT_CUT[f]] : uniqSorted(numbers(params, item));
    for (const c of cuts) if (c < 0) throw new InputError(`measure "${item}": parameters must not be negative`);
    return cuts.map((c) => spec(f, `${f}_${c.toFixed(2)}`, { cutoff: c }));
  }
  if (has(VECTOR, fam)) {
    const f = fam as keyof typeof VECTOR;
    const p = params === "" ? [...VECTOR[f]] : numbers(params, item);
    if (f === "relstring") {
      if (p.length !== 1 || !Number.isInteger(p[0]) || p[0]! < 0) throw new InputError(`measure "${item}": relstring takes one length, e.g. relstring.20`);
      return [spec(f, params === "" ? f : `${f}_${params}`, { params: p, text: true, aggregate: "none" })];
    }
    if (f === "utility" && p.length !== 4) throw new InputError(`measure "${item}": utility takes 4 coefficients (retrieved relevant, retrieved nonrelevant, missed relevant, missed nonrelevant)`);
    return [spec(f, params === "" ? f : `${f}_${params}`, { params: f === "11pt_avg" ? uniqSorted(p) : p })];
  }
  // A printed name: ndcg_cut_10, P_5, iprec_at_recall_0.10, Rprec_mult_1.00.
  const m = /^(.*)_(\d+(?:\.\d+)?)$/.exec(item);
  if (m && (has(INT_CUT, m[1]!) || has(FLOAT_CUT, m[1]!))) return parseOne(`${m[1]}.${m[2]}`);
  throw new InputError(`unknown measure "${item}"; supported: ${SUPPORTED_FAMILIES.join(", ")} (parameters as in trec_eval: ndcg_cut.10,100 or the printed ndcg_cut_10)`);
}

function numbers(params: string, item: string): number[] {
  return params.split(",").map((p) => {
    if (!NUMBER.test(p.trim())) throw new InputError(`measure "${item}": parameter "${p}" is not a number`);
    return Number(p);
  });
}

function positiveInt(k: number, item: string): number {
  if (!Number.isInteger(k) || k <= 0) throw new InputError(`measure "${item}": cutoff "${k}" must be a positive integer`);
  return k;
}

function uniqSorted(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}
