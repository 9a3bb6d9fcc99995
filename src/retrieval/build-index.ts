/**
 * Builds (or resumes) a T1 index directory: the dense index of document vectors plus, by default, a
 * BM25 index of the same corpus for hybrid search.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { T1Backend } from "../backends/types.js";
import type { Document } from "../data/types.js";
import { documentInstructionText } from "../data/t1-format/index.js";
import { readDocuments } from "../data/jsonl.js";
import { InputError, T1Error } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import { createIndex, openIndex, type DenseIndex } from "./index/dense-index.js";
import { removeDocStore, syncDocStore } from "./index/doc-store.js";
import { hasManifest, readManifest, type HnswParams, type IndexKind, type VectorDType } from "./index/manifest.js";
import { indexModelIdentity, recordModelLocation } from "./index/model-identity.js";
import { queryUserMessage } from "./encoders/instructions.js";
import { writeFileAtomic } from "../util/atomic.js";
import { encodeDocuments, type DocumentEncodeResult } from "./encoders/document-encoder.js";
import { buildBm25Index } from "./bm25/index.js";
import { BM25_FILE, CHAT_TEMPLATE_FILE, type PipelineMeta } from "./pipeline.js";

/** A JSONL corpus file, or a directory whose *.jsonl / *.jsonl.gz files are read in name order. */
export function loadCorpus(path: string): Document[] {
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `corpus not found: ${path}`);
  const docs = statSync(path).isDirectory() ? readCorpusDir(path) : readDocuments(path);
  if (docs.length === 0) throw new InputError(`the corpus has no documents (expected JSONL lines {"id", "text"}); nothing to index`, { file: path });
  return docs;
}

function readCorpusDir(path: string): Document[] {
  const files = readdirSync(path).filter((f) => /\.jsonl(\.gz)?$/.test(f)).sort();
  if (!files.length) throw new InputError(`${path}: no .jsonl or .jsonl.gz files in this directory`);
  const docs: Document[] = [];
  const where = new Map<string, string>();
  for (const f of files) {
    for (const d of readDocuments(join(path, f))) {
      const prev = where.get(d.id);
      if (prev) throw new InputError(`document id "${d.id}" appears in both ${prev} and ${f}`, { file: join(path, f) });
      where.set(d.id, f);
      docs.push(d);
    }
  }
  return docs;
}

export interface BuildIndexOptions {
  /** Index directory. */
  out: string;
  /** Default "flat". */
  kind?: IndexKind;
  /** Default "f32". */
  dtype?: VectorDType;
  hnsw?: Partial<HnswParams>;
  /** Document instruction. Default: the model's saved document instruction (t1_format.json; none without one). */
  instruction?: string;
  /** Query instruction recorded for search. Default: `instruction` when given, else the model's saved instruction. */
  queryInstruction?: string;
  /** Documents per prefill. Default 16. */
  batchSize?: number;
  /** Tokens kept per document. Default: the model's saved maximum (t1_format.json; 512 without one). */
  maxLength?: number;
  /** Documents between checkpoints. Default 1024. */
  checkpointEvery?: number;
  /** Start over instead of resuming. Default false. */
  overwrite?: boolean;
  /** Delete indexed documents that are no longer in the corpus (incremental sync). Default false: only add. */
  prune?: boolean;
  /** Keep the document texts in the index directory (docs.json + docs-N.jsonl) so that search
   * results can show them. Default true; false saves the disk space of a corpus copy (and removes
   * an existing store, which would go stale). */
  storeText?: boolean;
  /** Also build a BM25 index for hybrid search. Default true (seconds for most corpora). */
  bm25?: boolean;
  /** What to record about the backend so `t1 search` can reopen the index on its own. Default:
   * the backend's kind and model id (enough for local models; the CLI also records paths/URLs). */
  pipeline?: Omit<PipelineMeta, "queryInstruction">;
  /** Progress on stderr. Default true. */
  progress?: boolean;
  /** Chat template file the backend was opened with (a model saved without one): copied into the
   * index so that search builds the same query prompt. Default: none (the model's own). */
  chatTemplateFile?: string;
  /** Receives one line with the plan (documents to embed, batch size, checkpoints) before work starts. Default: none. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildIndexResult extends DocumentEncodeResult {
  docs: number;
  /** Documents deleted by `prune`. */
  pruned: number;
  seconds: number;
  bm25: boolean;
}

export async function buildT1Index(backend: T1Backend, docs: readonly Document[], o: BuildIndexOptions): Promise<BuildIndexResult> {
  const t0 = performance.now();
  const instruction = o.instruction ?? documentInstructionText(backend.format);
  if (docs.length === 0) throw new InputError(`the corpus has no documents; nothing to index`, o.pipeline?.corpus ? { file: o.pipeline.corpus } : {});
  checkQueryPrompt(backend, o.queryInstruction ?? o.instruction ?? backend.format.instruction);
  let index: DenseIndex;
  const resuming = hasManifest(o.out) && !o.overwrite;
  if (resuming) {
    const m = readManifest(o.out);
    const identity = indexModelIdentity(o.out, (m.meta?.pipeline ?? {}) as PipelineMeta, m.model, backend.modelId);
    index = openIndex(o.out, { model: identity, instruction, dims: backend.dims });
    if (o.kind && index.manifest.kind !== o.kind) {
      index.close();
      throw new T1Error("MISMATCH", `${o.out} is a ${index.manifest.kind} index; pass --overwrite to rebuild it as ${o.kind}`);
    }
  } else {
    const recorded = o.pipeline ?? { backend: backend.kind, modelPath: backend.modelId };
    const location = backend.kind === "remote" ? {} : recordModelLocation(o.out, recorded.modelPath ?? backend.modelId);
    const pipeline: PipelineMeta = { ...recorded, ...location, queryInstruction: o.queryInstruction ?? o.instruction ?? backend.format.instruction };
    index = createIndex(o.out, {
      kind: o.kind,
      dtype: o.dtype,
      hnsw: o.hnsw,
      dims: backend.dims,
      model: backend.modelId,
      instruction,
      overwrite: o.overwrite,
      meta: { pipeline },
    });
  }
  const templatePath = join(o.out, CHAT_TEMPLATE_FILE);
  if (o.chatTemplateFile !== undefined) writeFileAtomic(templatePath, readFileSync(o.chatTemplateFile));
  else if (!resuming && existsSync(templatePath)) rmSync(templatePath);
  let pruned = 0;
  if (o.prune) {
    const keep = new Set(docs.map((d) => d.id));
    pruned = index.delete(index.ids().filter((id) => !keep.has(id)));
  }
  try {
    // Texts are stored before encoding (cheap next to it), so an interrupted build has them too.
    if (o.storeText ?? true) syncDocStore(o.out, docs, { reset: !resuming, prune: o.prune });
    else removeDocStore(o.out);
  } catch (e) {
    index.close();
    throw e;
  }
  const todo = docs.filter((d) => !index.has(d.id)).length;
  o.log?.(
    `t1 index: ${docs.length} documents, ${docs.length - todo} already in ${o.out}, ${todo} to embed with ${backend.modelId} (${backend.dims} dims) in batches of ${o.batchSize ?? 16}, ` +
      `up to ${o.maxLength ?? 512} tokens each, a checkpoint every ${o.checkpointEvery ?? 1024}`,
  );
  const progress = new Progress("index", docs.length, { unit: "docs", quiet: o.progress === false });
  let last = 0;
  let r: DocumentEncodeResult;
  try {
    r = await encodeDocuments(backend, docs, index, {
      instruction,
      maxLength: o.maxLength,
      batchSize: o.batchSize,
      checkpointEvery: o.checkpointEvery,
      signal: o.signal,
      onProgress: (done) => {
        progress.tick(done - last);
        last = done;
      },
    });
    progress.finish();
    if (index.manifest.segments.length > 1 || (index.manifest.deleted?.count ?? 0) > 0) index.compact();
  } finally {
    index.close();
  }
  const bm25Path = join(o.out, BM25_FILE);
  const wantBm25 = o.bm25 ?? true;
  // BM25 is rebuilt whenever the corpus may have changed: it is cheap next to the dense side.
  if (wantBm25 && (o.overwrite || pruned > 0 || r.encoded > 0 || !existsSync(bm25Path))) {
    const bm = await buildBm25Index(docs, { quiet: o.progress === false, expectedDocs: docs.length, source: o.pipeline?.corpus });
    bm.save(bm25Path);
  }
  return { ...r, docs: docs.length, pruned, seconds: (performance.now() - t0) / 1000, bm25: wantBm25 };
}

/**
 * Builds one query prompt before any document is embedded, so a model that can never be searched
 * (no chat template) is refused in seconds rather than after the whole corpus.
 */
function checkQueryPrompt(backend: T1Backend, queryInstruction: string): void {
  try {
    backend.chatPrompt(queryUserMessage(queryInstruction, "test query"));
  } catch (e) {
    throw new T1Error(
      "BAD_INPUT",
      `cannot build the query prompt, so the index could never be searched: ${(e as Error).message} ` +
        `(a --chat-template FILE given to t1 index is kept in the index for t1 search)`,
    );
  }
}
