import { defineCommand, str } from "../command.js";
import { iterateDocuments } from "../../data/jsonl.js";
import { buildBm25Index } from "../../retrieval/bm25/index.js";
import { bm25ParamOptions, readBm25Params } from "../../retrieval/bm25/cli-options.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "bm25 index",
  summary: "Build a BM25 index file from a JSONL corpus",
  usage: "--corpus DOCS.jsonl --out INDEX [--k1 X --b X --variant NAME]",
  details: `
One checksummed binary file (postings, document lengths, ids, term dictionary) written atomically.
k1, b and variant are stored as the index's defaults; \`t1 bm25 search\` can override them.`,
  options: {
    corpus: { type: "string", description: "Documents, JSONL {id,text,title?} (.gz allowed)", required: true, arg: "FILE" },
    out: { type: "string", description: "Index file to write", required: true, arg: "FILE" },
    ...bm25ParamOptions(true),
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 bm25 index: unexpected argument "${positionals[0]}"`);
    const corpus = str(values, "corpus");
    const quiet = values.quiet === true;
    const index = await buildBm25Index(iterateDocuments(corpus), { ...readBm25Params("bm25 index", values), quiet, source: corpus });
    index.save(str(values, "out"));
    if (!quiet) console.error(`t1 bm25 index: ${index.numDocs} documents, ${index.numTerms} terms → ${str(values, "out")}`);
  },
});
