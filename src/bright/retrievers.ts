/**
 * The two retrievers `t1 bright eval` runs per BRIGHT domain: BM25 (Lucene-exact or BRIGHT's gensim
 * variant) and a T1 model over any backend. Each builds or reuses its index under RESULTS_DIR/index
 * (resumable: BM25 in segments, T1 through buildT1Index's checkpoints) and returns, per query, a
 * candidate list deep enough that k documents remain after that query's exclusions: the harness then
 * drops the excluded ids and cuts at k, which equals the official "score all, drop, keep top k".
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Query } from "../data/types.js";
import type { Exclusions } from "../data/bright.js";
import { findBrightFiles, iterateBrightDocuments, loadBrightDocuments } from "../data/bright.js";
import type { BrightDomain } from "../data/bright-domains.js";
import { documentInstructionText, documentPrefix } from "../data/t1-format/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import type { Run } from "../data/types.js";
import { buildBm25IndexResumable, openBm25Index, type Bm25Index, type Bm25Variant } from "../retrieval/bm25/index.js";
import type { BackendKind, T1Backend } from "../backends/types.js";
import { openBackend, type OpenBackendOptions } from "../backends/open.js";
import { buildT1Index } from "../retrieval/build-index.js";
import { RetrievalPipeline } from "../retrieval/pipeline.js";
import { hasManifest } from "../retrieval/index/manifest.js";
import { readSavedBrightFormat, resolveDocInstruction, resolveDocLength, type Resolved } from "./protocol.js";
import type { DocumentInstruction } from "../data/t1-format/index.js";

/** What a retriever gets for one domain. */
export interface DomainRetrievalInput {
  /** Local BRIGHT copy (Hugging Face layout). */
  dir: string;
  domain: BrightDomain;
  longDocuments: boolean;
  queries: Query[];
  exclusions: Exclusions;
  /** BRIGHT's task instruction for the domain and setting (brightInstruction): the "task" document instruction. */
  taskInstruction: string;
  /** The query prompt of the domain (the --query-prompt choice, filled in). */
  queryPrompt: string;
  /** Documents kept per query after exclusions. */
  k: number;
  /** Folder holding the cached per-domain indexes. */
  indexDir: string;
  quiet: boolean;
  log: (line: string) => void;
}

export interface DomainRetrievalOutput {
  /** Candidates per query: up to k + |excluded ids of the query|, exclusions NOT yet applied. */
  run: Run;
  documents: number;
  index: { path: string; reused: boolean; seconds: number };
  /** Retriever-specific facts for results.json (e.g. reasoning statistics). */
  details: Record<string, unknown>;
}

export interface BrightRetriever {
  readonly name: "bm25" | "t1";
  /** The settings that shape the numbers, recorded in results.json and in the resume key. */
  readonly settings: Record<string, unknown>;
  /** Instructions used per side (null: the retriever uses none). */
  instructions(taskInstruction: string, queryPrompt: string): { query: string | null; document: string | null };
  retrieve(input: DomainRetrievalInput): Promise<DomainRetrievalOutput>;
  close(): Promise<void>;
}

/** Candidate depth of a query: k plus the number of ids it excludes (at most that many are dropped). */
export function candidateDepth(k: number, exclusions: Exclusions, qid: string): number {
  return k + (exclusions.get(qid)?.size ?? 0);
}

/** Identity of a domain's document files (names, sizes, mtimes): a changed copy rebuilds the index. */
function documentFilesKey(dir: string, domain: BrightDomain, longDocuments: boolean): string {
  const files = findBrightFiles(dir, longDocuments ? "long_documents" : "documents", domain);
  return JSON.stringify(files.map((f) => {
    const s = statSync(f);
    return [f, s.size, Math.floor(s.mtimeMs)];
  }));
}

// ---------------------------------------------------------------- BM25

export interface Bm25RetrieverOptions {
  /** Scoring formula. Default "lucene" (Anserini/Pyserini); "bright-gensim" is BRIGHT's official script. */
  variant?: Bm25Variant;
  /** Default 0.9 (BRIGHT, Anserini and Pyserini all use it). */
  k1?: number;
  /** Default 0.4. */
  b?: number;
}

export class Bm25BrightRetriever implements BrightRetriever {
  readonly name = "bm25" as const;
  readonly settings: { variant: Bm25Variant; k1: number; b: number; padWithZeros: boolean; analyzer: string };

  constructor(o: Bm25RetrieverOptions = {}) {
    const variant = o.variant ?? "lucene";
    this.settings = {
      variant,
      k1: o.k1 ?? 0.9,
      b: o.b ?? 0.4,
      // BRIGHT's script ranks every document (zero scores in corpus order); Lucene returns matches only.
      padWithZeros: variant === "bright-gensim",
      analyzer: variant === "lucene" ? "Lucene 8 EnglishAnalyzer (t1 port)" : "Lucene 8 EnglishAnalyzer tokens, gensim BM25 weights",
    };
  }

  instructions(): { query: string | null; document: string | null } {
    return { query: null, document: null };
  }

  private async index(input: DomainRetrievalInput): Promise<{ index: Bm25Index; path: string; reused: boolean; seconds: number }> {
    const t0 = performance.now();
    const path = join(input.indexDir, `${input.domain}${input.longDocuments ? "-long" : ""}.bm25`);
    const keyPath = `${path}.json`;
    const key = documentFilesKey(input.dir, input.domain, input.longDocuments);
    if (existsSync(path) && existsSync(keyPath)) {
      const recorded = (JSON.parse(readFileSync(keyPath, "utf8")) as { key?: string }).key;
      if (recorded === key) return { index: openBm25Index(path), path, reused: true, seconds: (performance.now() - t0) / 1000 };
      input.log(`bright eval: ${input.domain}: the BRIGHT document files changed since ${path} was built; rebuilding it`);
    }
    mkdirSync(input.indexDir, { recursive: true });
    const docs = iterateBrightDocuments(input.dir, input.domain, { longDocuments: input.longDocuments, progress: !input.quiet });
    const index = await buildBm25IndexResumable(docs, path, { jobKey: key, variant: this.settings.variant, k1: this.settings.k1, b: this.settings.b, quiet: input.quiet, source: input.domain });
    writeFileAtomic(keyPath, JSON.stringify({ key }) + "\n");
    return { index, path, reused: false, seconds: (performance.now() - t0) / 1000 };
  }

  async retrieve(input: DomainRetrievalInput): Promise<DomainRetrievalOutput> {
    const { index, path, reused, seconds } = await this.index(input);
    const { variant, k1, b, padWithZeros } = this.settings;
    const run: Run = new Map();
    const progress = new Progress(`bm25 ${input.domain}`, input.queries.length, { unit: "queries", quiet: input.quiet });
    for (const q of input.queries) {
      run.set(q.id, index.search(q.text, { k: candidateDepth(input.k, input.exclusions, q.id), k1, b, variant, padWithZeros }));
      progress.tick();
    }
    progress.finish();
    return { run, documents: index.numDocs, index: { path, reused, seconds }, details: { truncatedDocuments: 0, truncation: "none: BM25 indexes every document whole" } };
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------- T1

/**
 * The fields that open the model are OpenBackendOptions' own (url, threads, gpu, ...): `t1 bright
 * eval` passes what `backendFromOptions` made of its backend flags, and every one reaches
 * `openBackend`. Format overrides are not among them: the protocol records the model's t1_format.json.
 */
export interface T1RetrieverOptions extends Omit<OpenBackendOptions, "backend" | "model" | "format" | "chatTemplateFile"> {
  /** Model directory, .gguf, or server model name. */
  model: string;
  /** Default "native". */
  backend?: BackendKind;
  /** "reason" (T1: the model writes reasoning; default) or "none" (plain embedding, no reasoning). */
  mode?: "reason" | "none";
  /** Reasoning budget. Default: the model's t1_format.json, else 256 (longer helps hard queries, costs linear time). */
  maxReasoningTokens?: number;
  /** Default 0 (greedy). */
  temperature?: number;
  /** Default 0. */
  seed?: number;
  /**
   * Document tokens kept (instruction included). Default: `docLengthPreset`, else the model's
   * t1_format.json, else 512 (the official code uses 4096-8192: longer keeps more text, attention
   * cost grows quadratically).
   */
  maxLength?: number;
  /** A named document length (DOC_LENGTH_PRESETS, e.g. "bright-qwen" = 8192). Default none. */
  docLengthPreset?: string;
  /** "none" | "task" | custom text before each document. Default: t1_format.json, else "task" (T1's instruction + text). */
  documentInstruction?: string;
  /** Documents per prefill. Default 16. */
  batchSize?: number;
  /** An already open backend (tests, library use); not closed by the retriever. */
  backendInstance?: T1Backend;
}

/** The backend fields of the options (everything but the retrieval settings), as openBackend takes them. */
function backendOpening(o: T1RetrieverOptions): OpenBackendOptions {
  const { mode, maxReasoningTokens, temperature, seed, maxLength, docLengthPreset, documentInstruction, batchSize, backendInstance, ...opening } = o;
  return { ...opening, backend: o.backend ?? "native" };
}

export class T1BrightRetriever implements BrightRetriever {
  readonly name = "t1" as const;
  readonly settings: Record<string, unknown>;
  private backend: T1Backend | undefined;
  /** What `openBackend` gets: the backend fields of the options, none left behind. */
  private readonly opening: OpenBackendOptions;
  private readonly docLength: Resolved<number>;
  private readonly docInstruction: Resolved<DocumentInstruction>;

  constructor(private readonly o: T1RetrieverOptions) {
    this.backend = o.backendInstance;
    this.opening = backendOpening(o);
    const kind = o.backend ?? o.backendInstance?.kind ?? "native";
    const saved = readSavedBrightFormat(o.model);
    this.docLength = resolveDocLength({ maxDocLength: o.maxLength, preset: o.docLengthPreset, saved });
    this.docInstruction = resolveDocInstruction(o.documentInstruction, saved);
    const mode = o.mode ?? "reason";
    const budget: Resolved<number> = mode === "none" ? { value: 0, source: "flag" }
      : o.maxReasoningTokens !== undefined ? { value: o.maxReasoningTokens, source: "flag" }
      : saved?.maxReasoningTokens !== undefined ? { value: saved.maxReasoningTokens, source: "t1_format.json" }
      : { value: 256, source: "default" };
    const temperature = o.temperature ?? 0;
    this.settings = {
      model: o.model,
      backend: kind,
      ...(o.url ? { url: o.url } : {}),
      // llama.cpp may run on a GPU (its numbers then differ in the last digits); no other backend does here.
      ...(kind === "llamacpp" ? { gpu: o.gpu !== false } : {}),
      savedFormat: saved?.file ?? null,
      reasoningMode: mode,
      maxReasoningTokens: budget.value,
      reasoning: {
        budget: budget.value,
        budgetSource: budget.source,
        decoding: temperature === 0 ? "greedy" : "sampled",
        temperature,
        seed: o.seed ?? 0,
        stopTokens: saved?.stopTokens ?? "the model's end-of-turn tokens (EOS and the chat template's end-of-turn token)",
        ...(saved?.enableThinking !== undefined ? { enableThinking: saved.enableThinking } : {}),
      },
      temperature,
      seed: o.seed ?? 0,
      maxDocumentTokens: this.docLength.value,
      maxDocumentTokensSource: this.docLength.source,
      documentInstruction: this.docInstruction.value,
      documentInstructionSource: this.docInstruction.source,
      queryFormat: "model chat template; user turn = query prompt + \"\\n\" + query (the query alone when the prompt is empty); " +
        (mode === "none" ? "no reasoning: <emb_token> right after the prompt" : "the model writes its reasoning, then <emb_token> is read from the same KV cache"),
      documentFormat: "document instruction + \"\\n\" + text (text alone with none), cut to maxDocumentTokens, + <emb_token> (one prefill)",
      score: "cosine (L2-normalised <emb_token> states, flat exact index)",
    };
  }

  instructions(taskInstruction: string, queryPrompt: string): { query: string | null; document: string | null } {
    return { query: queryPrompt, document: documentInstructionText({ instruction: taskInstruction, documentInstruction: this.docInstruction.value }) };
  }

  /** Documents longer than the budget (instruction included), counted with the backend's tokenizer. */
  private async countTruncated(backend: T1Backend, texts: readonly string[]): Promise<number> {
    let n = 0;
    for (let i = 0; i < texts.length; i += 256) {
      const counts = await backend.countTokens(texts.slice(i, i + 256));
      n += counts.filter((c) => c > this.docLength.value).length;
    }
    return n;
  }

  private async open(): Promise<T1Backend> {
    this.backend ??= await openBackend(this.opening);
    this.settings.modelId = this.backend.modelId;
    return this.backend;
  }

  async retrieve(input: DomainRetrievalInput): Promise<DomainRetrievalOutput> {
    const backend = await this.open();
    const t0 = performance.now();
    const docs = await loadBrightDocuments(input.dir, input.domain, { longDocuments: input.longDocuments, progress: !input.quiet });
    // One cached index per model, document length, instruction and document set: vectors built
    // otherwise are never reused, and domains with the same documents (aops and theoremqa_questions
    // share theirs, and their instruction) encode them once.
    const digest = createHash("sha256");
    for (const d of docs) digest.update(d.id).update("\0").update(d.text).update("\0");
    const docInstruction = documentInstructionText({ instruction: input.taskInstruction, documentInstruction: this.docInstruction.value });
    const tag = createHash("sha256")
      .update(JSON.stringify([backend.modelId, this.docLength.value, docInstruction, digest.digest("hex")]))
      .digest("hex")
      .slice(0, 12);
    const shared = existsSync(input.indexDir) ? readdirSync(input.indexDir).find((f) => f.endsWith(`.t1-${tag}`)) : undefined;
    const path = join(input.indexDir, shared ?? `${input.domain}${input.longDocuments ? "-long" : ""}.t1-${tag}`);
    if (shared && !shared.startsWith(`${input.domain}.`) && !shared.startsWith(`${input.domain}-long.`)) {
      input.log(`bright eval: ${input.domain}: same documents and instruction as ${path}; reusing that index`);
    }
    const existed = hasManifest(path);
    const built = await buildT1Index(backend, docs, {
      out: path,
      instruction: docInstruction,
      queryInstruction: input.queryPrompt,
      maxLength: this.docLength.value,
      batchSize: this.o.batchSize,
      storeText: false,
      bm25: false,
      progress: !input.quiet,
    });
    const indexSeconds = (performance.now() - t0) / 1000;
    const truncated = await this.countTruncated(backend, docs.map((d) => documentPrefix(docInstruction) + d.text));
    if (truncated > 0) input.log(`bright eval: ${input.domain}: ${truncated} of ${docs.length} documents are longer than ${this.docLength.value} tokens (${this.docLength.source}) and were truncated`);
    const pipeline = await RetrievalPipeline.open(path, { backendInstance: backend });
    try {
      const depth = Math.max(...input.queries.map((q) => candidateDepth(input.k, input.exclusions, q.id)), input.k);
      const progress = new Progress(`t1 ${input.domain}`, input.queries.length, { unit: "queries", quiet: input.quiet });
      let last = 0;
      const results = await pipeline.search(input.queries, {
        k: depth,
        mode: (this.o.mode ?? "reason"),
        instruction: input.queryPrompt,
        maxReasoningTokens: this.settings.maxReasoningTokens as number,
        temperature: this.o.temperature,
        seed: this.o.seed,
        onProgress: (done) => {
          progress.tick(done - last);
          last = done;
        },
      });
      progress.finish();
      const run: Run = new Map(results.map((r) => [r.id, r.hits.map((h) => ({ docid: h.id, score: h.score }))]));
      const tokens = results.reduce((a, r) => a + r.reasoningTokens, 0);
      return {
        run,
        documents: docs.length,
        index: { path, reused: existed && built.encoded === 0, seconds: indexSeconds },
        details: {
          documentsEncoded: built.encoded,
          truncatedDocuments: truncated,
          maxDocumentTokens: this.docLength.value,
          reasoning: {
            queries: results.length,
            fromCache: results.filter((r) => r.cached).length,
            meanTokens: results.length ? tokens / results.length : 0,
            generateSeconds: results.reduce((a, r) => a + r.timings.generateMs, 0) / 1000,
          },
        },
      };
    } finally {
      // The pipeline does not own the shared backend: close only its index.
      pipeline.index.close();
    }
  }

  async close(): Promise<void> {
    if (this.backend && !this.o.backendInstance) await this.backend.close();
    this.backend = undefined;
  }
}
