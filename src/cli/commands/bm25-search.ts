import { defineCommand, optStr, str } from "../command.js";
import { readQueries } from "../../data/jsonl.js";
import { writeRun } from "../../data/trec-files.js";
import { bm25Run, openBm25Index } from "../../retrieval/bm25/index.js";
import { bm25ParamOptions, readBm25Params, readK } from "../../retrieval/bm25/cli-options.js";
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
    k: { type: "number", description: "Documents per query (10 with --query, 1000 with --queries)", arg: "N" },
    ...bm25ParamOptions(false),
    tag: { type: "string", description: "Run tag (last column)", default: "t1-bm25", arg: "TAG" },
    json: { type: "boolean", description: "With --query: print JSON [{docid, bm25}]" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 bm25 search: unexpected argument "${positionals[0]}"`);
    const query = optStr(values, "query");
    const queriesPath = optStr(values, "queries");
    if ((query === undefined) === (queriesPath === undefined)) throw new InputError("t1 bm25 search: give exactly one of --query TEXT or --queries FILE");
    const params = readBm25Params("bm25 search", values);
    const index = openBm25Index(str(values, "index"));
    const padWithZeros = (params.variant ?? index.header.variant) === "bright-gensim";
    if (query !== undefined) {
      const hits = index.search(query, { ...params, k: readK("bm25 search", values, 10) });
      if (values.json === true) console.log(JSON.stringify(hits.map((h) => ({ docid: h.docid, bm25: h.score }))));
      else {
        console.log("rank\tdocid\tbm25");
        hits.forEach((h, i) => console.log(`${i + 1}\t${h.docid}\t${h.score.toFixed(4)}`));
      }
      return;
    }
    const out = optStr(values, "out");
    if (!out) throw new InputError("t1 bm25 search: --queries needs --out RUN.trec");
    const queries = readQueries(queriesPath!);
    const run = bm25Run(index, queries, { ...params, k: readK("bm25 search", values, 1000), quiet: values.quiet === true, padWithZeros });
    writeRun(out, run, optStr(values, "tag") ?? "t1-bm25");
  },
});
