import { defineCommand } from "../command.js";
import { iterateDocuments, readQueries } from "../../data/jsonl.js";
import { CLASSIC_NAMES, loadClassicCollection, type ClassicName } from "../../data/classic.js";
import { writeRun } from "../../data/trec-files.js";
import { evaluateRun } from "../../eval/evaluate.js";
import { bm25Run, buildBm25Index, buildBm25IndexSync } from "../../retrieval/bm25/index.js";
import { BM25_OPTIONS, bm25Params, type Bm25Params } from "../options/bm25.js";
import { InputError, T1Error } from "../../util/errors.js";
import { sharedPath } from "../../util/paths.js";

const FOLDERS: Record<ClassicName, string> = { cranfield: "cranfield", cacm: "cacm", cisi: "cisi", vaswani: "vaswani_npl" };

/** What the classic-collection table shows: trec_eval measure request → printed name → label. */
const MEASURES: [string, string, string][] = [
  ["ndcg_cut.10", "ndcg_cut_10", "nDCG@10"],
  ["map", "map", "MAP"],
  ["recall.100", "recall_100", "R@100"],
  ["recall.1000", "recall_1000", "R@1000"],
  ["P.10", "P_10", "P@10"],
  ["recip_rank", "recip_rank", "MRR"],
];

export default defineCommand({
  name: "bm25",
  summary: "BM25 retrieval (Lucene 8-exact, or BRIGHT's gensim variant): corpus + queries → TREC run, or a classic collection's metrics",
  usage: "--corpus DOCS.jsonl --queries QUERIES.jsonl --out RUN.trec [options] | --collection cranfield|cacm|cisi|vaswani",
  details: `
Indexes the corpus in memory with Lucene 8's EnglishAnalyzer and ranks every query. The lucene
variant scores exactly as Lucene 8 BM25Similarity / Anserini / Pyserini; bright-gensim reproduces
BRIGHT's official BM25 (gensim LuceneBM25Model on documents and queries; the run is padded with
zero-score documents to --k as BRIGHT's script does). Evaluate with \`t1 evaluate --qrels Q --run RUN\`.
To keep an index on disk, use \`t1 bm25 index\` and \`t1 bm25 search\`.
--collection NAME evaluates on a classic test collection from ../shared/data/classic instead and
prints nDCG@10, MAP, R@100, R@1000, P@10 and MRR.`,
  options: {
    corpus: { type: "string", description: "Documents, JSONL {id,text,title?} (.gz allowed)", arg: "FILE" },
    queries: { type: "string", description: "Queries, JSONL {id,text}", arg: "FILE" },
    out: { type: "string", description: "TREC run to write", arg: "FILE" },
    collection: { type: "string", choices: CLASSIC_NAMES, description: "Evaluate on a classic collection (../shared/data/classic) instead", arg: "NAME" },
    k: { type: "number", integer: true, min: 1, description: "Documents per query", default: 1000 },
    ...BM25_OPTIONS,
    tag: { type: "string", description: "Run tag (last column)", default: "t1-bm25", arg: "TAG" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 bm25: unexpected argument "${positionals[0]}" (subcommands: index, search)`);
    const params = bm25Params(values);
    if (values.collection !== undefined) return classic(values.collection as ClassicName, params);
    const { corpus, queries: queryFile, out } = values;
    if (corpus === undefined || queryFile === undefined || out === undefined) throw new InputError("t1 bm25: --corpus, --queries and --out are required (or --collection NAME)");
    const quiet = values.quiet;
    const queries = readQueries(queryFile);
    const index = await buildBm25Index(iterateDocuments(corpus), { ...params, quiet, source: corpus });
    const run = bm25Run(index, queries, { k: values.k, quiet, padWithZeros: params.variant === "bright-gensim" });
    writeRun(out, run, values.tag);
    if (!quiet) console.error(`t1 bm25: ${index.numDocs} documents, ${index.numTerms} terms, ${queries.length} queries → ${out}`);
  },
});

function classic(name: ClassicName, params: Bm25Params): void {
  const dir = sharedPath("data", "classic", FOLDERS[name]);
  if (!dir) throw new T1Error("NOT_FOUND", `the classic collections (../shared/data/classic/${FOLDERS[name]}) are not here; set T1_SHARED_DIR to a folder holding data/classic`);
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
}
