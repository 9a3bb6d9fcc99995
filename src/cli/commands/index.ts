import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "../command.js";
import { CHAT_TEMPLATE_FILE } from "../../retrieval/pipeline.js";
import { InputError } from "../../util/errors.js";
import { openBackend } from "../../backends/open.js";
import { buildT1Index, loadCorpus } from "../../retrieval/build-index.js";
import { brightInstruction } from "../../retrieval/encoders/instructions.js";
import { BACKEND_OPTIONS, backendFromOptions } from "../options/backend.js";
import { backendFormatOptions, FORMAT_OPTIONS } from "../options/format.js";

export default defineCommand({
  name: "index",
  summary: "Embed a corpus with a T1 model into a dense (flat or HNSW) index, plus BM25 for hybrid search",
  usage: "--model M --corpus docs.jsonl|DIR --out IDX [options]",
  details: `
Documents are encoded as instruction + text + <emb_token> in one prefill each, batched by length.
Unset --instruction and --max-doc-length come from the model's t1_format.json (its instruction and
document-side choice, its max_document_tokens), else no instruction and 512 tokens.
The run checkpoints every --checkpoint-every docs: rerun the same command after an interruption and
it continues where it stopped (vectors come out as in an uninterrupted run). An existing index built
with another model or instruction is refused (MISMATCH); --overwrite starts over. Rerunning with a
grown corpus adds the new documents; --prune also drops those no longer in it.
The index records the model by content (a hash of its config, tokenizer and weights) and by path
(absolute, and relative to IDX), so IDX and the model can move together; t1 search --model PATH
points at a moved model. Before encoding, the query prompt is built once: a model without a chat
template needs --chat-template FILE (kept in IDX for t1 search).
The document texts are kept in IDX (docs.json + docs-N.jsonl) for the snippets of t1 search,
unless --no-store-text. With --backend remote, --concurrency batches are sent at once.`,
  options: {
    ...BACKEND_OPTIONS,
    corpus: { type: "string", description: "JSONL corpus file or directory of .jsonl(.gz) files", required: true, arg: "PATH" },
    out: { type: "string", description: "Index directory", required: true, arg: "IDX" },
    kind: { type: "string", choices: ["flat", "hnsw"], description: "flat (exact) | hnsw (approximate, sub-linear)", default: "flat" },
    dtype: { type: "string", choices: ["f32", "f16"], description: "f32 | f16 (half the size, ~1e-3 error)", default: "f32" },
    instruction: { type: "string", description: "Document instruction (also used for queries unless --query-instruction)", arg: "TEXT" },
    "query-instruction": { type: "string", description: "Query instruction recorded for t1 search/run", arg: "TEXT" },
    task: { type: "string", description: "Use BRIGHT's instruction for this task (e.g. biology, leetcode)", arg: "TASK" },
    "batch-size": { type: "number", integer: true, min: 1, description: "Documents per prefill", default: 16 },
    "max-doc-length": { type: "number", integer: true, min: 1, description: "Tokens kept per document (default: the model's t1_format.json, else 512)" },
    "checkpoint-every": { type: "number", integer: true, min: 1, description: "Documents between checkpoints", default: 1024 },
    connectivity: { type: "number", integer: true, min: 2, description: "HNSW graph degree", default: 16 },
    "expansion-add": { type: "number", integer: true, min: 1, description: "HNSW build candidate list", default: 128 },
    "expansion-search": { type: "number", integer: true, min: 1, description: "HNSW search candidate list", default: 64 },
    concurrency: { type: "number", integer: true, min: 1, description: "remote: batches (HTTP requests) in flight at once (default: 4); local backends run one at a time" },
    "skip-bm25": { type: "boolean", description: "Do not build the BM25 index" },
    "no-store-text": { type: "boolean", description: "Do not keep the document texts in IDX (t1 search then shows ids without snippets)" },
    overwrite: { type: "boolean", description: "Replace an existing index instead of resuming" },
    prune: { type: "boolean", description: "Delete indexed documents no longer in the corpus (new ones are always added)" },
    quiet: { type: "boolean", description: "No progress output" },
    ...FORMAT_OPTIONS,
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 index: unexpected argument "${positionals[0]}" (the corpus goes in --corpus, the index in --out)`);
    const instruction = values.instruction ?? (values.task ? brightInstruction(values.task) : undefined);
    const opened = backendFromOptions(values, "index", { concurrency: values.concurrency });
    // A resumed build keeps the template it was started with.
    const kept = join(values.out, CHAT_TEMPLATE_FILE);
    const format = backendFormatOptions(values);
    if (format.chatTemplateFile === undefined && !values.overwrite && existsSync(kept)) format.chatTemplateFile = kept;
    const docs = loadCorpus(values.corpus);
    const log = values.quiet ? () => undefined : (line: string) => console.error(line);
    log(`t1 index: ${docs.length} documents from ${values.corpus}; opening the ${opened.backend} backend${opened.model ? ` (${opened.model})` : ""}`);
    const backend = await openBackend({ ...opened, ...format });
    try {
      const r = await buildT1Index(backend, docs, {
        out: values.out,
        kind: values.kind,
        dtype: values.dtype,
        hnsw: { connectivity: values.connectivity, expansionAdd: values["expansion-add"], expansionSearch: values["expansion-search"] },
        instruction,
        queryInstruction: values["query-instruction"],
        batchSize: values["batch-size"],
        maxLength: values["max-doc-length"],
        checkpointEvery: values["checkpoint-every"],
        overwrite: values.overwrite,
        prune: values.prune,
        bm25: !values["skip-bm25"],
        storeText: !values["no-store-text"],
        progress: !values.quiet,
        chatTemplateFile: format.chatTemplateFile,
        log,
        pipeline: { backend: opened.backend, modelPath: opened.model, url: opened.url, corpus: values.corpus },
      });
      const rate = r.encoded / Math.max(r.seconds, 1e-9);
      log(
        `t1 index: ${r.docs} docs (${r.encoded} embedded, ${r.skipped} already done${r.pruned ? `, ${r.pruned} pruned` : ""}) in ${r.seconds.toFixed(1)}s, ${rate.toFixed(1)} docs/s; ` +
          `length batching saved ${(r.paddingSaved * 100).toFixed(0)}% padding${r.bm25 ? "; BM25 index written" : ""}`,
      );
    } finally {
      await backend.close();
    }
  },
});
