import { defineCommand } from "../command.js";
import { iterateDocuments, readQueries } from "../../data/jsonl.js";
import { writeRun } from "../../data/trec-files.js";
import { bm25Run, buildBm25Index } from "../../retrieval/bm25/index.js";
import { BM25_OPTIONS, bm25Params } from "../options/bm25.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "bm25",
  summary: "BM25 retrieval (Lucene 8-exact, or BRIGHT's gensim variant): corpus + queries → TREC run",
  usage: "--corpus DOCS.jsonl --queries QUERIES.jsonl --out RUN.trec [options]",
  details: `
Indexes the corpus in memory with Lucene 8's EnglishAnalyzer and ranks every query. The lucene
variant scores exactly as Lucene 8 BM25Similarity / Anserini / Pyserini; bright-gensim reproduces
BRIGHT's official BM25 (gensim LuceneBM25Model on documents and queries; the run is padded with
zero-score documents to --k as BRIGHT's script does). Evaluate with \`t1 evaluate --qrels Q --run RUN\`.
To keep an index on disk, use \`t1 bm25 index\` and \`t1 bm25 search\`.`,
  options: {
    corpus: { type: "string", description: "Documents, JSONL {id,text,title?} (.gz allowed)", required: true, arg: "FILE" },
    queries: { type: "string", description: "Queries, JSONL {id,text}", required: true, arg: "FILE" },
    out: { type: "string", description: "TREC run to write", required: true, arg: "FILE" },
    k: { type: "number", integer: true, min: 1, description: "Documents per query", default: 1000 },
    ...BM25_OPTIONS,
    tag: { type: "string", description: "Run tag (last column)", default: "t1-bm25", arg: "TAG" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 bm25: unexpected argument "${positionals[0]}" (subcommands: index, search)`);
    const params = bm25Params(values);
    const k = values.k;
    const corpus = values.corpus;
    const quiet = values.quiet;
    const queries = readQueries(values.queries);
    const index = await buildBm25Index(iterateDocuments(corpus), { ...params, quiet, source: corpus });
    const run = bm25Run(index, queries, { k, quiet, padWithZeros: params.variant === "bright-gensim" });
    writeRun(values.out, run, values.tag);
    if (!quiet) console.error(`t1 bm25: ${index.numDocs} documents, ${index.numTerms} terms, ${queries.length} queries → ${values.out}`);
  },
});
