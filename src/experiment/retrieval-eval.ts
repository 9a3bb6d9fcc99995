/**
 * Test-split retrieval against the WHOLE corpus for the experiment's rows: BM25 over a query text
 * (alone, or with a reasoning appended), and a T1 checkpoint through the native backend — the
 * corpus indexed once per model (`instruction + text + <emb_token>`), queries encoded in the
 * query encoder's modes ("none", "reason" = greedy own reasoning, "external" = given reasoning),
 * exact cosine top-k. Measures come from src/eval (trec_eval's ndcg_cut.10 and recall.10).
 */
import { NativeBackend } from "../backends/native.js";
import type { Kernels } from "../engine/kernels/types.js";
import { evaluateRun } from "../eval/evaluate.js";
import type { Qrels, Run } from "../data/types.js";
import { buildBm25IndexSync, type Bm25Index } from "../retrieval/bm25/index.js";
import { encodeQueries, type QueryMode } from "../retrieval/encoders/query-encoder.js";
import { documentPrefix } from "../retrieval/encoders/instructions.js";
import { TopK } from "../retrieval/top-k.js";
import { l2normalize } from "../retrieval/encoders/normalize.js";
import { Progress } from "../util/progress.js";
import type { Document } from "../data/types.js";
import type { TestbedQuery } from "./testbed.js";

export interface Scores {
  ndcg10: number;
  recall10: number;
}

/** One row of the results table on one seed. */
export interface RowEval extends Scores {
  perFamily: Record<string, Scores>;
  perQuery: Record<string, Scores>;
  /** The reasoning each query was embedded (or searched) with, when the row has one. */
  reasoning?: Record<string, { text: string; tokens: number }>;
}

/** nDCG@10 and R@10 overall (every test query counts, missing ones as 0) and per family. */
export function scoreRun(run: Run, qrels: Qrels, queries: readonly TestbedQuery[]): Omit<RowEval, "reasoning"> {
  const judged: Qrels = new Map(queries.map((q) => [q.id, qrels.get(q.id) ?? new Map()]));
  const r = evaluateRun(judged, run, { measures: ["ndcg_cut.10", "recall.10"], completeQueries: true });
  const perQuery: Record<string, Scores> = {};
  for (const q of queries) {
    const m = r.perQuery.get(q.id);
    perQuery[q.id] = { ndcg10: m?.ndcg_cut_10 ?? 0, recall10: m?.recall_10 ?? 0 };
  }
  const families = [...new Set(queries.map((q) => q.family))].sort();
  const mean = (qs: readonly TestbedQuery[]): Scores => ({
    ndcg10: qs.reduce((a, q) => a + perQuery[q.id]!.ndcg10, 0) / qs.length,
    recall10: qs.reduce((a, q) => a + perQuery[q.id]!.recall10, 0) / qs.length,
  });
  const perFamily = Object.fromEntries(families.map((f) => [f, mean(queries.filter((q) => q.family === f))]));
  return { ...mean(queries), perFamily, perQuery };
}

export function bm25IndexOf(corpus: readonly Document[]): Bm25Index {
  return buildBm25IndexSync(corpus, { quiet: true });
}

/** BM25 over `query + " " + extra[id]` (extra absent: the query alone). */
export function bm25Row(index: Bm25Index, queries: readonly TestbedQuery[], qrels: Qrels, depth: number, extra?: Record<string, string>): RowEval {
  const run: Run = new Map();
  for (const q of queries) run.set(q.id, index.search(extra ? `${q.query} ${extra[q.id] ?? ""}` : q.query, { k: depth }));
  const scored = scoreRun(run, qrels, queries);
  return extra ? { ...scored, reasoning: Object.fromEntries(queries.map((q) => [q.id, { text: extra[q.id] ?? "", tokens: 0 }])) } : scored;
}

export interface DenseModelOptions {
  instruction: string;
  maxDocLength: number;
  maxReasoningTokens: number;
  depth: number;
  queryBatchSize: number;
  quiet: boolean;
}

/** A T1 checkpoint with its corpus index in memory: evaluate any number of query modes against it. */
export class DenseModelEval {
  private constructor(
    readonly backend: NativeBackend,
    private readonly docIds: string[],
    private readonly docVectors: Float32Array[],
    private readonly o: DenseModelOptions,
  ) {}

  static async open(modelDir: string, corpus: readonly Document[], kernels: Kernels, o: DenseModelOptions, label: string): Promise<DenseModelEval> {
    const backend = await NativeBackend.open({ model: modelDir, kernels });
    const progress = new Progress(label, corpus.length, { unit: "docs", quiet: o.quiet });
    const vectors: Float32Array[] = [];
    const prefix = documentPrefix(o.instruction);
    for (let s = 0; s < corpus.length; s += 32) {
      const batch = corpus.slice(s, s + 32);
      vectors.push(...(await backend.embedDocuments(batch.map((d) => d.text), { instruction: prefix, maxLength: o.maxDocLength })).map((v, i) => l2normalize(v, `document "${batch[i]!.id}"`)));
      progress.tick(batch.length);
    }
    progress.finish();
    return new DenseModelEval(backend, corpus.map((d) => d.id), vectors, o);
  }

  /** Encodes the queries in `mode` (external: `reasoning[id]`), ranks the corpus by cosine, scores the run. */
  async row(queries: readonly TestbedQuery[], qrels: Qrels, mode: QueryMode, label: string, reasoning?: Record<string, string>): Promise<RowEval> {
    const progress = new Progress(`${label}`, queries.length, { unit: "queries", quiet: this.o.quiet });
    let done = 0;
    const enc = await encodeQueries(this.backend, queries.map((q) => ({ id: q.id, text: q.query, ...(reasoning ? { reasoning: reasoning[q.id] ?? "" } : {}) })), {
      mode, instruction: this.o.instruction, maxReasoningTokens: this.o.maxReasoningTokens, batchSize: this.o.queryBatchSize,
      onProgress: (n) => {
        progress.tick(n - done);
        done = n;
      },
    });
    progress.finish();
    const run: Run = new Map();
    for (const e of enc) run.set(e.id, this.rank(e.vector));
    const scored = scoreRun(run, qrels, queries);
    if (mode === "none") return scored;
    const tokens = mode === "external" ? await this.backend.countTokens(enc.map((e) => e.reasoning)) : enc.map((e) => e.reasoningTokens);
    return { ...scored, reasoning: Object.fromEntries(enc.map((e, i) => [e.id, { text: e.reasoning, tokens: tokens[i]! }])) };
  }

  /** The corpus ranked by cosine to a unit query vector: the best `k` (default: the run depth), best first. */
  rank(q: Float32Array, k = this.o.depth): { docid: string; score: number }[] {
    const top = new TopK(k);
    for (let r = 0; r < this.docVectors.length; r++) {
      const d = this.docVectors[r]!;
      let s = 0;
      for (let c = 0; c < d.length; c++) s += q[c]! * d[c]!;
      top.push(s, r);
    }
    const out: { docid: string; score: number }[] = [];
    for (let i = 0; i < top.size; i++) out.push({ docid: this.docIds[top.rows[i]!]!, score: top.scores[i]! });
    return out.sort((a, b) => b.score - a.score);
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
