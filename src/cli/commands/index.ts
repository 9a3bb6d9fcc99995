import { bool, defineCommand, optNum, optStr, str } from "../command.js";
import { InputError } from "../../util/errors.js";
import { openBackend, parseBackendKind } from "../../backends/open.js";
import { buildT1Index, loadCorpus } from "../../retrieval/build-index.js";
import { brightInstruction } from "../../retrieval/encoders/instructions.js";
import { backendFormatOptions, FORMAT_OPTIONS } from "../../retrieval/cli-options.js";
import type { IndexKind, VectorDType } from "../../retrieval/index/manifest.js";

export default defineCommand({
  name: "index",
  summary: "Embed a corpus with a T1 model into a dense (flat or HNSW) index, plus BM25 for hybrid search",
  usage: "--model M --corpus docs.jsonl|DIR --out IDX [options]",
  details: `
Documents are encoded as instruction + text + <emb_token> in one prefill each, batched by length.
Unset --instruction and --max-length come from the model's t1_format.json (its instruction and
document-side choice, its max_document_tokens), else no instruction and 512 tokens.
The run checkpoints every --checkpoint docs: rerun the same command after an interruption and it
continues where it stopped (vectors come out as in an uninterrupted run). An existing index built
with another model or instruction is refused (MISMATCH); --overwrite starts over. Rerunning with a
grown corpus adds the new documents; --prune also drops those no longer in it.
The document texts are kept in IDX (docs.json + docs-N.jsonl) for the snippets of t1 search,
unless --no-store-text. With --backend remote, --concurrency batches are sent at once.`,
  options: {
    model: { type: "string", description: "Model directory or .gguf (native), .gguf (llamacpp), or model name (remote)", arg: "M" },
    backend: { type: "string", description: "native | llamacpp | remote", default: "native", arg: "KIND" },
    url: { type: "string", description: "Server URL for --backend remote", arg: "URL" },
    corpus: { type: "string", description: "JSONL corpus file or directory of .jsonl(.gz) files", required: true, arg: "PATH" },
    out: { type: "string", description: "Index directory", required: true, arg: "IDX" },
    kind: { type: "string", description: "flat (exact) | hnsw (approximate, sub-linear)", default: "flat", arg: "KIND" },
    dtype: { type: "string", description: "f32 | f16 (half the size, ~1e-3 error)", default: "f32", arg: "TYPE" },
    instruction: { type: "string", description: "Document instruction (also used for queries unless --query-instruction; default: the model's t1_format.json)", arg: "TEXT" },
    "query-instruction": { type: "string", description: "Query instruction recorded for t1 search/run", arg: "TEXT" },
    task: { type: "string", description: "Use BRIGHT's instruction for this task (e.g. biology, leetcode)", arg: "TASK" },
    "batch-size": { type: "number", integer: true, min: 1, description: "Documents per prefill", default: 16, arg: "N" },
    "max-length": { type: "number", integer: true, min: 1, description: "Tokens kept per document (default: the model's t1_format.json, else 512)", arg: "N" },
    checkpoint: { type: "number", integer: true, min: 1, description: "Documents between checkpoints", default: 1024, arg: "N" },
    connectivity: { type: "number", integer: true, min: 2, description: "HNSW graph degree", default: 16, arg: "N" },
    "expansion-add": { type: "number", integer: true, min: 1, description: "HNSW build candidate list", default: 128, arg: "N" },
    "expansion-search": { type: "number", integer: true, min: 1, description: "HNSW search candidate list", default: 64, arg: "N" },
    threads: { type: "number", integer: true, min: 1, description: "CPU threads (default: all cores)", arg: "N" },
    concurrency: { type: "number", integer: true, min: 1, description: "remote: batches (HTTP requests) in flight at once (default 4); local backends run one at a time", arg: "N" },
    "no-gpu": { type: "boolean", description: "llamacpp: stay on the CPU" },
    "skip-bm25": { type: "boolean", description: "Do not build the BM25 index" },
    "no-store-text": { type: "boolean", description: "Do not keep the document texts in IDX (t1 search then shows ids without snippets)" },
    overwrite: { type: "boolean", description: "Replace an existing index instead of resuming" },
    prune: { type: "boolean", description: "Delete indexed documents no longer in the corpus (new ones are always added)" },
    quiet: { type: "boolean", description: "No progress output" },
    ...FORMAT_OPTIONS,
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 index: unexpected argument "${positionals[0]}" (the corpus goes in --corpus, the index in --out)`);
    const kind = str(values, "kind") as IndexKind;
    if (kind !== "flat" && kind !== "hnsw") throw new InputError(`t1 index: --kind must be flat or hnsw, got "${kind}"`);
    const dtype = str(values, "dtype") as VectorDType;
    if (dtype !== "f32" && dtype !== "f16") throw new InputError(`t1 index: --dtype must be f32 or f16, got "${dtype}"`);
    const task = optStr(values, "task");
    const instruction = optStr(values, "instruction") ?? (task ? brightInstruction(task) : undefined);
    const backendKind = parseBackendKind(str(values, "backend"));
    const concurrency = optNum(values, "concurrency");
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new InputError(`t1 index: --concurrency must be a positive integer, got ${concurrency}`);
    const corpusPath = str(values, "corpus");
    const docs = loadCorpus(corpusPath);
    const backend = await openBackend({
      backend: backendKind,
      model: optStr(values, "model"),
      url: optStr(values, "url"),
      threads: optNum(values, "threads"),
      gpu: !bool(values, "no-gpu"),
      concurrency: optNum(values, "concurrency"),
      ...backendFormatOptions(values),
    });
    try {
      const r = await buildT1Index(backend, docs, {
        out: str(values, "out"),
        kind,
        dtype,
        hnsw: { connectivity: optNum(values, "connectivity"), expansionAdd: optNum(values, "expansion-add"), expansionSearch: optNum(values, "expansion-search") },
        instruction,
        queryInstruction: optStr(values, "query-instruction"),
        batchSize: optNum(values, "batch-size"),
        maxLength: optNum(values, "max-length"),
        checkpointEvery: optNum(values, "checkpoint"),
        overwrite: bool(values, "overwrite"),
        prune: bool(values, "prune"),
        bm25: !bool(values, "skip-bm25"),
        storeText: !bool(values, "no-store-text"),
        progress: !bool(values, "quiet"),
        pipeline: { backend: backendKind, modelPath: optStr(values, "model"), url: optStr(values, "url"), corpus: corpusPath },
      });
      const rate = r.encoded / Math.max(r.seconds, 1e-9);
      console.error(
        `t1 index: ${r.docs} docs (${r.encoded} embedded, ${r.skipped} already done${r.pruned ? `, ${r.pruned} pruned` : ""}) in ${r.seconds.toFixed(1)}s, ${rate.toFixed(1)} docs/s; ` +
          `length batching saved ${(r.paddingSaved * 100).toFixed(0)}% padding${r.bm25 ? "; BM25 index written" : ""}`,
      );
    } finally {
      await backend.close();
    }
  },
});
