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
import { documentInstructionText } from "../data/t1-format/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import type { Run } from "../data/types.js";
import { buildBm25IndexResumable, openBm25Index, type Bm25Index, type Bm25Variant } from "../retrieval/bm25/index.js";
import type { BackendKind, T1Backend } from "../backends/types.js";
import { openBackend } from "../backends/open.js";
import { buildT1Index } from "../retrieval/build-index.js";
import { RetrievalPipeline } from "../retrieval/pipeline.js";
import { hasManifest } from "../retrieval/index/manifest.js";

/** What a retriever gets for one domain. */
export interface DomainRetrievalInput {
  /** Local BRIGHT copy (Hugging Face layout). */
  dir: string;
  domain: BrightDomain;
  longDocuments: boolean;
  queries: Query[];
  exclusions: Exclusions;
  /** BRIGHT's instruction for the domain and setting (brightInstruction). */
  instruction: string;
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
  /** Instructions used per side (null: none). */
  instructions(instruction: string): { query: string | null; document: string | null };
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
    return { run, documents: index.numDocs, index: { path, reused, seconds }, details: {} };
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------- T1

export interface T1RetrieverOptions {
  /** Model directory, .gguf, or server model name. */
  model: string;
  /** Default "native". */
  backend?: BackendKind;
  /** Server URL for the remote backend. */
  url?: string;
  /** CPU threads. Default: all cores. */
  threads?: number;
  /** "reason" (T1: the model writes reasoning; default) or "none" (plain embedding, no reasoning). */
  mode?: "reason" | "none";
  /** Reasoning budget. Default: the model's t1_format.json (256 without one). */
  maxReasoningTokens?: number;
  /** Default 0 (greedy). */
  temperature?: number;
  /** Default 0. */
  seed?: number;
  /** Document tokens kept. Default: the model's t1_format.json (512 without one; longer is slower and rarely changes BRIGHT's short passages). */
  maxLength?: number;
  /** Documents per prefill. Default 16. */
  batchSize?: number;
  /** An already open backend (tests, library use); not closed by the retriever. */
  backendInstance?: T1Backend;
}

export class T1BrightRetriever implements BrightRetriever {
  readonly name = "t1" as const;
  readonly settings: Record<string, unknown>;
  private backend: T1Backend | undefined;

  constructor(private readonly o: T1RetrieverOptions) {
    this.backend = o.backendInstance;
    this.settings = {
      model: o.model,
      backend: o.backend ?? o.backendInstance?.kind ?? "native",
      ...(o.url ? { url: o.url } : {}),
      reasoningMode: o.mode ?? "reason",
      // Budget, document length and document instruction are filled in from the model's saved
      // T1 format once the backend is open (flags override it).
      temperature: o.temperature ?? 0,
      seed: o.seed ?? 0,
      queryFormat: "model chat template; user turn = instruction + \"\\n\" + query; " +
        ((o.mode ?? "reason") === "none" ? "no reasoning: <emb_token> right after the prompt" : "the model writes its reasoning, then <emb_token> is read from the same KV cache"),
      documentFormat: "document instruction + \"\\n\" + text, cut to maxDocumentTokens, + <emb_token> (one prefill)",
      score: "cosine (L2-normalised <emb_token> states, flat exact index)",
    };
  }

  instructions(instruction: string): { query: string | null; document: string | null } {
    return { query: instruction, document: this.documentInstruction(instruction) };
  }

  /** The BRIGHT task instruction, nothing or custom text, as the model's saved format says. */
  private documentInstruction(instruction: string): string {
    return this.backend ? documentInstructionText({ instruction, documentInstruction: this.backend.format.documentInstruction }) : instruction;
  }

  private get maxLength(): number {
    return this.o.maxLength ?? this.backend!.format.maxDocumentTokens;
  }

  private async open(): Promise<T1Backend> {
    this.backend ??= await openBackend({ backend: this.o.backend ?? "native", model: this.o.model, url: this.o.url, threads: this.o.threads });
    const f = this.backend.format;
    Object.assign(this.settings, {
      modelId: this.backend.modelId,
      maxReasoningTokens: (this.o.mode ?? "reason") === "none" ? 0 : (this.o.maxReasoningTokens ?? f.maxReasoningTokens),
      maxDocumentTokens: this.maxLength,
      documentInstruction: f.documentInstruction,
      ...(f.enableThinking !== undefined ? { enableThinking: f.enableThinking } : {}),
      ...(f.stopTokens ? { stopTokens: f.stopTokens } : {}),
    });
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
    const tag = createHash("sha256")
      .update(JSON.stringify([backend.modelId, this.maxLength, this.documentInstruction(input.instruction), digest.digest("hex")]))
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
      instruction: this.documentInstruction(input.instruction),
      queryInstruction: input.instruction,
      maxLength: this.maxLength,
      batchSize: this.o.batchSize,
      storeText: false,
      bm25: false,
      progress: !input.quiet,
    });
    const indexSeconds = (performance.now() - t0) / 1000;
    const pipeline = await RetrievalPipeline.open(path, { backendInstance: backend });
    try {
      const depth = Math.max(...input.queries.map((q) => candidateDepth(input.k, input.exclusions, q.id)), input.k);
      const progress = new Progress(`t1 ${input.domain}`, input.queries.length, { unit: "queries", quiet: input.quiet });
      let last = 0;
      const results = await pipeline.search(input.queries, {
        k: depth,
        mode: (this.o.mode ?? "reason"),
        instruction: input.instruction,
        maxReasoningTokens: this.o.maxReasoningTokens,
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
