import { defineCommand } from "../command.js";
import { readQueries } from "../../data/jsonl.js";
import { writeRun } from "../../data/trec-files.js";
import { bm25Run, openBm25Index } from "../../retrieval/bm25/index.js";
import { BM25_OVERRIDE_OPTIONS, bm25Params } from "../options/bm25.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "bm25 search",
  summary: "Search a BM25 index: one query printed, or a queries file → TREC run",
  usage: "--index INDEX (--query TEXT | --queries QUERIES.jsonl --out RUN.trec) [--k N]",
  details: `
--k defaults to 10 with --query and 1000 with --queries. k1, b and variant default to the values the
index was built with.`,
  options: {
    index: { type: "string", description: "Index file from `t1 bm25 index`", required: true, arg: "FILE" },
    query: { type: "string", description: "One query; prints rank, docid and bm25 score", arg: "TEXT" },
    queries: { type: "string", description: "Queries, JSONL {id,text}", arg: "FILE" },
    out: { type: "string", description: "TREC run to write (with --queries)", arg: "FILE" },
    k: { type: "number", integer: true, min: 1, description: "Documents per query (default: 10 with --query, 1000 with --queries)" },
    ...BM25_OVERRIDE_OPTIONS,
    tag: { type: "string", description: "Run tag (last column)", default: "t1-bm25", arg: "TAG" },
    json: { type: "boolean", description: "With --query: print JSON [{docid, bm25}]" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 bm25 search: unexpected argument "${positionals[0]}"`);
    const query = values.query;
    const queriesPath = values.queries;
    if ((query === undefined) === (queriesPath === undefined)) throw new InputError("t1 bm25 search: give exactly one of --query TEXT or --queries FILE");
    if (query !== undefined && query.trim() === "") throw new InputError("t1 bm25 search: --query is empty");
    const params = bm25Params(values);
    const index = openBm25Index(values.index);
    const padWithZeros = (params.variant ?? index.header.variant) === "bright-gensim";
    if (query !== undefined) {
      const hits = index.search(query, { ...params, k: values.k ?? 10 });
      if (values.json) console.log(JSON.stringify(hits.map((h) => ({ docid: h.docid, bm25: h.score }))));
      else {
        console.log("rank\tdocid\tbm25");
        hits.forEach((h, i) => console.log(`${i + 1}\t${h.docid}\t${h.score.toFixed(4)}`));
      }
      return;
    }
    const out = values.out;
    if (!out) throw new InputError("t1 bm25 search: --queries needs --out RUN.trec");
    const queries = readQueries(queriesPath!);
    if (queries.length === 0) throw new InputError(`the queries file has no queries (expected JSONL lines {"id", "text"})`, { file: queriesPath });
    const run = bm25Run(index, queries, { ...params, k: values.k ?? 1000, quiet: values.quiet, padWithZeros });
    writeRun(out, run, values.tag);
  },
});
