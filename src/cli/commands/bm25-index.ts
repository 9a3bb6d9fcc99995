import { defineCommand } from "../command.js";
import { iterateDocuments } from "../../data/jsonl.js";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { buildBm25IndexResumable } from "../../retrieval/bm25/resumable-build.js";
import { BM25_OPTIONS, bm25Params } from "../options/bm25.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "bm25 index",
  summary: "Build a BM25 index file from a JSONL corpus",
  usage: "--corpus DOCS.jsonl --out INDEX [--k1 X --b X --variant NAME]",
  details: `
One checksummed binary file (postings, document lengths, ids, term dictionary) written atomically.
k1, b and variant are stored as the index's defaults; \`t1 bm25 search\` can override them.
The build saves a segment every --checkpoint-every documents in OUT.parts/: run the same command again
after a kill and it resumes from there (a changed corpus file starts over).`,
  options: {
    corpus: { type: "string", description: "Documents, JSONL {id,text,title?} (.gz allowed)", required: true, arg: "FILE" },
    out: { type: "string", description: "Index file to write", required: true, arg: "FILE" },
    ...BM25_OPTIONS,
    "checkpoint-every": { type: "number", integer: true, min: 1, description: "Documents between checkpoints (resumable segments; fewer: less lost on a kill, longer merge)", default: 100000 },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 bm25 index: unexpected argument "${positionals[0]}"`);
    const corpus = values.corpus;
    const quiet = values.quiet;
    const segmentDocs = values["checkpoint-every"];
    let stat;
    try {
      stat = statSync(corpus);
    } catch {
      throw new InputError(`t1 bm25 index: cannot read the corpus file`, { file: corpus });
    }
    const index = await buildBm25IndexResumable(iterateDocuments(corpus), values.out, {
      ...bm25Params(values),
      quiet,
      source: corpus,
      segmentDocs,
      jobKey: `${resolve(corpus)}:${stat.size}:${stat.mtimeMs}`,
    });
    if (!quiet) console.error(`t1 bm25 index: ${index.numDocs} documents, ${index.numTerms} terms → ${values.out}`);
  },
});
