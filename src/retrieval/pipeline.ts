/**
 * The T1 retrieval pipeline as the CLI and library use it: a directory holding a dense index (and
 * optionally a BM25 index of the same corpus), opened together with the backend that built it;
 * queries are encoded (reason / none / external), searched, and optionally fused with BM25.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BackendKind, T1Backend } from "../backends/types.js";
import { openBackend } from "../backends/open.js";
import { T1Error } from "../util/errors.js";
import { openIndex, type DenseIndex } from "./index/dense-index.js";
import { readManifest } from "./index/manifest.js";
import { indexModelIdentity, locateIndexModel, type ModelLocation } from "./index/model-identity.js";
import { encodeQueries, type QueryInput, type QueryMode } from "./encoders/query-encoder.js";
import { ReasoningCache } from "./encoders/reasoning-cache.js";
import { rrf, weightedFusion, type RankedList } from "./hybrid.js";
import { openBm25Index, type Bm25Index } from "./bm25/index.js";
import { DocStore } from "./index/doc-store.js";
import type { Document } from "../data/types.js";
import type { T1FormatSettings } from "../data/t1-format/index.js";

/** BM25 index file kept beside the dense index by `t1 index`. */
export const BM25_FILE = "bm25.idx";
/** Chat template kept in an index built with `t1 index --chat-template` (a model saved without one). */
export const CHAT_TEMPLATE_FILE = "chat_template.jinja";
/** Default reasoning cache file inside an index directory. */
export const REASONING_CACHE_FILE = "reasoning-cache.jsonl";

/** What `t1 index` records in the manifest's `meta` so search can reopen the same setup. */
export interface PipelineMeta extends ModelLocation {
  backend: BackendKind;
  url?: string;
  /** Instruction used for queries (documents use the manifest's `instruction`). */
  queryInstruction: string;
  corpus?: string;
}

export interface OpenPipelineOptions {
  /** Override the backend recorded in the index (e.g. search a native-built index through llama.cpp). */
  backend?: BackendKind;
  /** Override the model path; the backend's model identity must still match the index (else MISMATCH) unless `modelId` says otherwise. */
  model?: string;
  /** Identity to check against the index. Default: the backend's own. */
  modelId?: string;
  url?: string;
  threads?: number;
  gpu?: boolean;
  /** `--chat-template FILE` for the backend. Default: the index's CHAT_TEMPLATE_FILE (kept by `t1 index --chat-template`), else the model's template. */
  chatTemplateFile?: string;
  /** HNSW search candidate list for this session. Default: the index's own. */
  expansionSearch?: number;
  /** An already open backend (library use, tests). */
  backendInstance?: T1Backend;
  /** T1 format settings over the model's t1_format.json. Default: the saved file. */
  format?: Partial<T1FormatSettings>;
}

export class RetrievalPipeline {
  constructor(
    readonly index: DenseIndex,
    readonly backend: T1Backend,
    readonly meta: PipelineMeta,
  ) {}

  static async open(dir: string, o: OpenPipelineOptions = {}): Promise<RetrievalPipeline> {
    const manifest = readManifest(dir);
    const meta = (manifest.meta?.pipeline ?? {}) as Partial<PipelineMeta>;
    const kind = o.backend ?? meta.backend;
    if (!o.backendInstance && !kind) throw new T1Error("BAD_INPUT", `${dir}: the index does not record its backend; pass --backend`);
    const templateFile = join(dir, CHAT_TEMPLATE_FILE);
    const backend =
      o.backendInstance ??
      (await openBackend({
        backend: kind!,
        // A moved index finds its model by the recorded absolute path, else relative to the index.
        model: o.model ?? (kind === "remote" ? (meta.modelPath ?? manifest.model) : locateIndexModel(dir, meta, manifest.model)),
        url: o.url ?? meta.url,
        modelId: o.modelId,
        threads: o.threads,
        gpu: o.gpu,
        chatTemplateFile: o.chatTemplateFile ?? (existsSync(templateFile) ? templateFile : undefined),
        format: o.format,
      }));
    try {
      const identity = o.modelId ?? indexModelIdentity(dir, meta, manifest.model, backend.modelId);
      const index = openIndex(dir, { model: identity, dims: backend.dims, expansionSearch: o.expansionSearch });
      return new RetrievalPipeline(index, backend, {
        backend: backend.kind,
        queryInstruction: meta.queryInstruction ?? manifest.instruction,
        ...meta,
      } as PipelineMeta);
    } catch (e) {
      if (!o.backendInstance) await backend.close();
      throw e;
    }
  }

  private bm25Index: Bm25Index | undefined | null = null;

  /**
   * The BM25 index kept beside the dense one, opened on first use: dense-only search never reads
   * it, so a damaged bm25.idx only affects hybrid search. Undefined when the index has none.
   */
  get bm25(): Bm25Index | undefined {
    if (this.bm25Index === null) {
      const path = join(this.index.dir, BM25_FILE);
      try {
        this.bm25Index = existsSync(path) ? openBm25Index(path) : undefined;
      } catch (e) {
        if (!(e instanceof T1Error)) throw e;
        throw new T1Error(e.code, `${e.message}; rebuild the index (t1 index ... --overwrite), or search without --hybrid (dense search does not read it)`);
      }
    }
    return this.bm25Index;
  }

  private docs: DocStore | undefined | null = null;

  /**
   * The indexed text of a document (id, text, title?), from the index directory's document store;
   * undefined when the id is not stored or the index was built with --no-store-text.
   */
  document(id: string): Document | undefined {
    if (this.docs === null) this.docs = DocStore.open(this.index.dir);
    return this.docs?.document(id);
  }

  async close(): Promise<void> {
    this.docs?.close();
    this.docs = null;
    this.index.close();
    await this.backend.close();
  }

  async search(queries: readonly QueryInput[], opts: PipelineSearchOptions = {}): Promise<PipelineResult[]> {
    const k = opts.k ?? 10;
    const mode = opts.mode ?? "reason";
    const hybrid = opts.hybrid ?? "none";
    if (hybrid !== "none" && !this.bm25) throw new T1Error("NOT_FOUND", `${this.index.dir} has no ${BM25_FILE}; rebuild with \`t1 index\` without --skip-bm25`);
    const cache = opts.cache === false ? undefined : (opts.cache ?? new ReasoningCache(join(this.index.dir, REASONING_CACHE_FILE)));
    const encoded = await encodeQueries(this.backend, queries, {
      mode,
      instruction: opts.instruction ?? this.meta.queryInstruction,
      maxReasoningTokens: opts.maxReasoningTokens,
      temperature: opts.temperature,
      seed: opts.seed,
      enableThinking: opts.enableThinking,
      cache,
      onToken: opts.onToken,
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
    const depth = hybrid === "none" ? k : Math.max(k, opts.fusionDepth ?? 100);
    const out: PipelineResult[] = [];
    for (let i = 0; i < encoded.length; i++) {
      const q = encoded[i];
      const t0 = performance.now();
      const dense = this.index.search(q.vector, { k: depth });
      let hits: PipelineHit[];
      if (hybrid === "none") {
        hits = dense.map((h) => ({ id: h.id, score: h.cosine, scoreName: "cosine", sources: { cosine: h.cosine } }));
      } else {
        const bm25Text = opts.bm25WithReasoning === false || !q.reasoning ? queries[i].text : `${queries[i].text}\n${q.reasoning}`;
        const lists: RankedList[] = [
          { name: "cosine", items: dense.map((h) => ({ id: h.id, score: h.cosine })) },
          { name: "bm25", items: this.bm25!.search(bm25Text, { k: depth }).map((d) => ({ id: d.docid, score: d.score })) },
        ];
        const fused = hybrid === "rrf" ? rrf(lists, { k: opts.rrfK, limit: k }) : weightedFusion(lists, { alpha: opts.alpha, normalization: opts.normalization, limit: k });
        const name = hybrid === "rrf" ? "rrf" : "fused";
        hits = fused.map((f) => ({ id: f.id, score: f.score, scoreName: name, sources: f.sources }));
      }
      out.push({
        id: q.id,
        reasoning: q.reasoning,
        reasoningTokens: q.reasoningTokens,
        cached: q.cached,
        hits: hits.slice(0, k),
        timings: { ...q.timings, searchMs: performance.now() - t0 },
      });
    }
    return out;
  }
}

export interface PipelineSearchOptions {
  /** Results per query. Default 10. */
  k?: number;
  /** Default "reason" (T1). */
  mode?: QueryMode;
  /** Query instruction. Default: the one recorded at indexing. */
  instruction?: string;
  /** Reasoning budget. Default: the model's saved budget (t1_format.json; 256 without one). */
  maxReasoningTokens?: number;
  /** Qwen3's enable_thinking for query prompts. Default: the backend's (t1_format.json, else the template's default). */
  enableThinking?: boolean;
  temperature?: number;
  seed?: number;
  /** Reasoning cache; false disables it. Default: `reasoning-cache.jsonl` in the index directory. */
  cache?: ReasoningCache | false;
  /** "none" (default): dense only; "rrf": reciprocal rank fusion with BM25; "weighted": α·dense + (1−α)·BM25 after normalisation. */
  hybrid?: "none" | "rrf" | "weighted";
  /** Candidates taken from each list before fusion. Default 100 (or k when larger). */
  fusionDepth?: number;
  /** RRF constant. Default 60. */
  rrfK?: number;
  /** Weight of the dense list in weighted fusion. Default 0.5. */
  alpha?: number;
  normalization?: "minmax" | "zscore";
  /** Give BM25 the query plus the reasoning (default true: BRIGHT shows reasoning helps BM25 a lot) or the query alone. */
  bm25WithReasoning?: boolean;
  onToken?: (queryIndex: number, piece: string) => void;
  onProgress?: (done: number) => void;
  /** Aborts query generation (e.g. the HTTP client went away): the search rejects. */
  signal?: AbortSignal;
}

export interface PipelineHit {
  id: string;
  /** The ranking score, named by `scoreName`. */
  score: number;
  scoreName: "cosine" | "rrf" | "fused";
  /** Each retriever's own score for this document (cosine, bm25) when it returned it. */
  sources: Record<string, number>;
}

export interface PipelineResult {
  id: string;
  reasoning: string;
  reasoningTokens: number;
  cached: boolean;
  hits: PipelineHit[];
  timings: { generateMs: number; embedMs: number; searchMs: number };
}
