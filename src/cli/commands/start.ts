import { defineCommand, optStr } from "../command.js";
import { CLASSIC_NAMES, loadClassicCollection, type ClassicName } from "../../data/classic.js";
import { evaluateRun } from "../../eval/evaluate.js";
import { bm25Run, buildBm25IndexSync } from "../../retrieval/bm25/index.js";
import { BM25_OPTIONS, bm25Params } from "../options/bm25.js";
import { InputError } from "../../util/errors.js";
import { sharedPath } from "../../util/paths.js";

const FOLDERS: Record<ClassicName, string> = { cranfield: "cranfield", cacm: "cacm", cisi: "cisi", vaswani: "vaswani_npl" };

/** What the table shows: trec_eval measure request → label. */
const MEASURES: [string, string, string][] = [
  ["ndcg_cut.10", "ndcg_cut_10", "nDCG@10"],
  ["map", "map", "MAP"],
  ["recall.100", "recall_100", "R@100"],
  ["recall.1000", "recall_1000", "R@1000"],
  ["P.10", "P_10", "P@10"],
  ["recip_rank", "recip_rank", "MRR"],
];

export default defineCommand({
  name: "start",
  summary: "The default job (npm start): BM25 on a classic test collection, with its metrics",
  usage: "[--collection cranfield|cacm|cisi|vaswani] [--k1 X --b X --variant NAME]",
  details: `
Indexes the collection from ../shared/data/classic, ranks its queries with BM25 (Lucene 8-exact by
default) and prints trec_eval measures. Without the shared folder it prints how to run the same
pipeline on any JSONL corpus.`,
  options: {
    collection: { type: "string", description: `Classic collection: ${CLASSIC_NAMES.join(", ")}`, default: "cranfield", arg: "NAME" },
    ...BM25_OPTIONS,
  },
  async run(values) {
    const name = (optStr(values, "collection") ?? "cranfield") as ClassicName;
    if (!CLASSIC_NAMES.includes(name)) throw new InputError(`t1 start: --collection must be one of ${CLASSIC_NAMES.join(", ")}, got "${name}"`);
    const params = bm25Params(values);
    const dir = sharedPath("data", "classic", FOLDERS[name]);
    if (!dir) {
      console.log(
        [
          `The shared test collections (../shared/data/classic) are not here, so there is nothing to evaluate by default.`,
          `Run BM25 on any collection in JSONL ({"id","text"} documents, {"id","text"} queries) and TREC qrels:`,
          ``,
          `  t1 bm25 --corpus docs.jsonl --queries queries.jsonl --k 1000 --out run.trec`,
          `  t1 evaluate --qrels qrels.txt --run run.trec -m ndcg_cut.10,map,recall.100,P.10,recip_rank`,
          ``,
          `(or set T1_SHARED_DIR to a folder holding data/classic/${FOLDERS[name]} and run \`npm start\` again)`,
        ].join("\n"),
      );
      return 0;
    }
    const t0 = performance.now();
    const c = loadClassicCollection(name, dir);
    const index = buildBm25IndexSync(c.documents, { ...params, quiet: true });
    const t1 = performance.now();
    const run = bm25Run(index, c.queries, { k: 1000, quiet: true });
    const t2 = performance.now();
    const result = evaluateRun(c.qrels, run, { measures: MEASURES.map((m) => m[0]) });
    const { k1, b, variant } = index.header;
    console.log(`BM25 (${variant}, k1=${k1}, b=${b}, Lucene 8 EnglishAnalyzer) on ${name}: ${c.documents.length} documents, ${result.numQueries} judged queries of ${c.queries.length}`);
    console.log(`indexed in ${(t1 - t0).toFixed(0)} ms (incl. loading), searched in ${(t2 - t1).toFixed(0)} ms\n`);
    const width = Math.max(...MEASURES.map((m) => m[2].length)) + 2;
    console.log(`${"measure".padEnd(width)}value`);
    for (const [, key, label] of MEASURES) console.log(`${label.padEnd(width)}${(result.mean[key] ?? NaN).toFixed(4)}`);
    const flags = [name !== "cranfield" ? `--collection ${name}` : "", params.k1 !== undefined && params.k1 !== 0.9 ? `--k1 ${params.k1}` : "", params.b !== undefined && params.b !== 0.4 ? `--b ${params.b}` : "", params.variant && params.variant !== "lucene" ? `--variant ${params.variant}` : ""].filter(Boolean).join(" ");
    console.log(`\nreproduce: npm start${flags ? ` -- ${flags}` : ""}   (or: npx t1 start${flags ? " " + flags : ""})`);
    console.log(`on your own data: t1 bm25 --corpus docs.jsonl --queries queries.jsonl --out run.trec && t1 evaluate --qrels qrels.txt --run run.trec`);
  },
});
