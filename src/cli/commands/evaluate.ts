import { defineCommand } from "../command.js";
import { InputError } from "../../util/errors.js";
import { readQrels, readRunWithTag } from "../../data/trec-files.js";
import { evaluateRun, formatTrecEval } from "../../eval/evaluate.js";
import { SUPPORTED_FAMILIES } from "../../eval/measures.js";

/** trec_eval's default measures that we implement, plus what BRIGHT reports (nDCG@10, recall@100/1000). */
const DEFAULT_MEASURES = "runid,num_q,num_ret,num_rel,num_rel_ret,map,Rprec,bpref,recip_rank,P,ndcg_cut.10,recall.100,1000";

/** trec_eval's all_trec measures, in its print order. */
const ALL_TREC = [
  "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map", "Rprec", "bpref", "recip_rank", "iprec_at_recall", "P", "relstring", "recall",
  "infAP", "gm_bpref", "Rprec_mult", "utility", "11pt_avg", "binG", "G", "ndcg", "ndcg_rel", "Rndcg", "ndcg_cut", "map_cut", "relative_P", "success", "set_P",
  "set_relative_P", "set_recall", "set_map", "set_F", "num_nonrel_judged_ret", "rbp", "rbp_resid", "unj",
];

export default defineCommand({
  name: "evaluate",
  summary: "Score a TREC run against qrels with trec_eval's exact measures (or pytrec_eval's averaging)",
  usage: "--qrels QRELS --run RUN [-q] [-c] [-m MEASURES] [--mode trec_eval|pytrec_eval] [--json]",
  details: `
Prints trec_eval's lines (measure, query or "all", value with 4 decimals) in trec_eval's order.
Measures use trec_eval's -m syntax, comma-separated or in repeated -m options (-m map -m P.10):
ndcg_cut.10,100  map  recall.100  P.5,10  success.1,5,10  recip_rank  ndcg.1=3,2=9 (gains per
level)  rbp.p=0.95  iprec_at_recall..1,.5  utility.2,-1,0,0. Giving -m replaces the defaults.
A bare parameterised family (P, recall, ndcg_cut, success, iprec_at_recall, ...) means trec_eval's
default parameters; "runid" prints the run's tag; "all_trec" is every measure below.
Supported: ${SUPPORTED_FAMILIES.join(", ")}.
--mode pytrec_eval averages over queries in both run and qrels (what BRIGHT reports) and keeps the
last score of a duplicated docid; trec_eval refuses duplicates.`,
  options: {
    qrels: { type: "string", description: "Relevance judgments (qid 0 docid rel), .gz allowed", required: true, arg: "FILE" },
    run: { type: "string", description: "Run (qid Q0 docid rank score tag), .gz allowed, - for standard input", required: true, arg: "FILE" },
    measures: { type: "string", short: "m", description: "Measures, trec_eval -m syntax, comma-separated", default: DEFAULT_MEASURES, arg: "LIST", multiple: true },
    query: { type: "boolean", short: "q", description: "Also print each query's values (trec_eval -q)" },
    complete: { type: "boolean", short: "c", description: "Average over all qrels queries; missing ones score 0 (trec_eval -c)" },
    level: { type: "number", integer: true, short: "l", description: "Lowest relevance level counted as relevant (trec_eval -l)", default: 1 },
    depth: { type: "number", integer: true, min: 1, short: "M", description: "Evaluate only the top N documents per query (trec_eval -M)" },
    collection: { type: "number", integer: true, min: 0, short: "N", description: "Number of documents in the collection, for utility (trec_eval -N)" },
    mode: { type: "string", choices: ["trec_eval", "pytrec_eval"], description: "Averaging: trec_eval or pytrec_eval", default: "trec_eval" },
    json: { type: "boolean", description: "Print JSON {numQueries, mean, perQuery?} instead of trec_eval lines" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 evaluate: unexpected argument "${positionals[0]}" (use --qrels FILE --run FILE)`);
    const mode = values.mode;
    const depth = values.depth;
    const level = values.level;
    const qrels = readQrels(values.qrels);
    const { run, tag } = readRunWithTag(values.run, { duplicates: mode === "pytrec_eval" ? "keep-last" : "error" });
    // "runid" (the run's tag) is printed, not computed: as in trec_eval, only when requested.
    // Every -m adds to the list (trec_eval); the defaults apply only when no -m was given. Each -m
    // stays its own request so that a bare number in one (`-m P.5,10`) never joins another.
    const given = values.measures;
    const requests = (given.length > 0 ? given : [DEFAULT_MEASURES]).map((req) =>
      req.split(",").map((s) => s.trim()).flatMap((s) => (s === "all_trec" ? ["runid", ...ALL_TREC] : [s])),
    );
    const withRunid = requests.some((parts) => parts.includes("runid"));
    const measures = requests.map((parts) => parts.filter((s) => s !== "runid").join(",")).filter((r) => r !== "");
    const result = evaluateRun(qrels, run, {
      measures,
      mode,
      completeQueries: values.complete,
      relevanceLevel: level,
      depth,
      numDocsInCollection: values.collection,
    });
    // trec_eval prints in its own measure-table order whatever the order of -m.
    const printOrder = (family: string) => {
      const i = ALL_TREC.indexOf(family);
      return i < 0 ? ALL_TREC.length : i;
    };
    result.measures = [...result.measures].sort((a, b) => printOrder(a.family) - printOrder(b.family));
    if (result.perQuery.size === 0) throw new InputError(`t1 evaluate: no query of the run has judgments in the qrels (check that the query ids match)`);
    if (values.json) {
      const out: Record<string, unknown> = { runid: withRunid ? tag : undefined, mode, numQueries: result.numQueries, mean: result.mean };
      if (values.query) out.perQuery = Object.fromEntries([...result.perQuery].map(([qid, v]) => [qid, { ...v, ...result.perQueryText.get(qid) }]));
      console.log(JSON.stringify(out, null, 2));
    } else {
      console.log(formatTrecEval(result, { perQuery: values.query, runid: withRunid ? (tag ?? "") : undefined }).replace(/\n$/, ""));
    }
  },
});
