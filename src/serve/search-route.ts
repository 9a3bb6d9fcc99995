/**
 * POST /v1/t1/search: T1 retrieval over an index served beside the model (`t1 serve --index IDX`).
 * Request  { query: string, k?: 10, mode?: "reason"|"none"|"external"|"bm25", reasoning?: string,
 *            hybrid?: "none"|"rrf"|"weighted", alpha?: 0.5, max_reasoning_tokens?: (the model's),
 *            snippet_chars?: 160, query_id?: string }
 * Response { reasoning, reasoning_tokens, cached, hits: [{ id, score, score_name, sources, snippet?, judged? }],
 *            timings_ms: { generate, embed, search }, query_id?, judged_relevant? }
 *
 * mode "bm25" ranks with the index's BM25 alone (no model work), so a page can show T1, no
 * reasoning and BM25 side by side. With qrels (`t1 serve --qrels FILE`), hits of a judged query
 * (named by `query_id`, or found by its exact text in `--queries`) carry their relevance grade.
 *
 * The prompt is tokenised and the reasoning budget checked before the request queues (limits.ts).
 * Without `max_reasoning_tokens` the budget is the model's (`backend.format.maxReasoningTokens`:
 * its t1_format.json, else 256), lowered to the server's per-request cap and to the context.
 */
import type { Qrels } from "../data/types.js";
import type { PipelineResult, PipelineSearchOptions, RetrievalPipeline } from "../retrieval/pipeline.js";
import { snippet } from "../retrieval/index/doc-store.js";
import { queryUserMessage } from "../retrieval/encoders/instructions.js";
import { T1Error, InputError } from "../util/errors.js";
import type { TokenLimits } from "./limits.js";

export type SearchMode = NonNullable<PipelineSearchOptions["mode"]> | "bm25";

export interface SearchRequest {
  query: string;
  reasoning?: string;
  mode: SearchMode;
  options: PipelineSearchOptions;
  snippetChars: number;
  queryId?: string;
}

/** Relevance judgements shown beside hits, and the judged queries' texts (for the page's list). */
export interface Judgements {
  qrels: Qrels;
  /** Query text → id, from `--queries`; lets a typed query find its judgements. */
  idsByText: Map<string, string>;
}

function field<T>(body: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, expected: string): T | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!ok(v)) throw new InputError(`/v1/t1/search: "${name}" must be ${expected}, got ${JSON.stringify(v)}`, { field: name });
  return v as T;
}

const isInt = (min: number) => (v: unknown) => Number.isInteger(v) && (v as number) >= min;

/** Validates a request body; errors name the field. */
export function parseSearchRequest(body: Record<string, unknown>): SearchRequest {
  const query = field<string>(body, "query", (v) => typeof v === "string" && v.trim() !== "", "a non-empty string");
  if (query === undefined) throw new InputError(`/v1/t1/search: "query" is required`, { field: "query" });
  const mode = field<SearchMode>(body, "mode", (v) => v === "reason" || v === "none" || v === "external" || v === "bm25", `"reason", "none", "external" or "bm25"`) ?? "reason";
  const reasoning = field<string>(body, "reasoning", (v) => typeof v === "string", "a string");
  if (mode === "external" && reasoning === undefined) throw new InputError(`/v1/t1/search: mode "external" needs "reasoning"`, { field: "reasoning" });
  const hybrid = field<PipelineSearchOptions["hybrid"]>(body, "hybrid", (v) => v === "none" || v === "rrf" || v === "weighted", `"none", "rrf" or "weighted"`) ?? "none";
  return {
    query,
    reasoning,
    mode,
    snippetChars: field<number>(body, "snippet_chars", isInt(0), "a non-negative integer") ?? 160,
    queryId: field<string>(body, "query_id", (v) => typeof v === "string", "a string"),
    options: {
      k: field<number>(body, "k", (v) => isInt(1)(v) && (v as number) <= 10_000, "an integer from 1 to 10000") ?? 10,
      mode: mode === "bm25" ? "none" : mode,
      hybrid,
      alpha: field<number>(body, "alpha", (v) => typeof v === "number" && v >= 0 && v <= 1, "a number from 0 to 1"),
      maxReasoningTokens: field<number>(body, "max_reasoning_tokens", isInt(0), "a non-negative integer"),
      temperature: field<number>(body, "temperature", (v) => typeof v === "number" && v >= 0, "a non-negative number"),
      seed: field<number>(body, "seed", isInt(0), "a non-negative integer"),
    },
  };
}

/**
 * Checks the query against the token limits and fixes the reasoning budget, before any model
 * work. Returns the request as it will run.
 */
export async function checkSearchRequest(pipeline: RetrievalPipeline, limits: TokenLimits, req: SearchRequest): Promise<SearchRequest> {
  limits.checkChars("the query", [req.query + (req.reasoning ?? "")]);
  if (req.mode === "bm25") {
    if (!pipeline.bm25) throw new T1Error("NOT_FOUND", `${pipeline.index.dir} has no BM25 index; rebuild with \`t1 index\` without --skip-bm25`);
    return req;
  }
  const b = pipeline.backend;
  const instruction = req.options.instruction ?? pipeline.meta.queryInstruction ?? "";
  const prompt = b.chatPrompt(queryUserMessage(instruction, req.query)) + (req.mode === "external" ? (req.reasoning ?? "") : "");
  const [tokens] = await b.countTokens([prompt]);
  if (req.mode !== "reason") {
    limits.checkInputs("the query with its prompt", [tokens!], 1);
    // Nothing is generated, so nothing is cached: skip reading the reasoning cache file.
    return { ...req, options: { ...req.options, cache: false } };
  }
  const requested = req.options.maxReasoningTokens;
  if (requested === 0) throw new InputError(`"max_reasoning_tokens" must be at least 1 (use "mode": "none" for no reasoning)`);
  // Unset: the model's budget (t1_format.json, else DEFAULT_T1_FORMAT's), as t1 search uses it;
  // budget() lowers it to the server's --max-tokens-per-request and to what fits the context.
  const maxReasoningTokens = limits.budget("max_reasoning_tokens", requested, b.format.maxReasoningTokens, [tokens!], 1);
  return { ...req, options: { ...req.options, maxReasoningTokens } };
}

/** Runs a checked request. `signal` aborts generation (client gone, timeout). */
export async function runSearch(pipeline: RetrievalPipeline, req: SearchRequest, signal?: AbortSignal, judgements?: Judgements): Promise<unknown> {
  const queryId = req.queryId ?? judgements?.idsByText.get(req.query.trim());
  const judged = queryId !== undefined ? judgements?.qrels.get(queryId) : undefined;
  // A pipeline result, except that the score may also be BM25's.
  let r: Omit<PipelineResult, "hits"> & { hits: { id: string; score: number; scoreName: string; sources: Record<string, number> }[] };
  if (req.mode === "bm25") {
    const t0 = performance.now();
    const hits = pipeline.bm25!.search(req.query, { k: req.options.k ?? 10 });
    r = {
      id: "query",
      reasoning: "",
      reasoningTokens: 0,
      cached: false,
      hits: hits.map((h) => ({ id: h.docid, score: h.score, scoreName: "bm25", sources: { bm25: h.score } })),
      timings: { generateMs: 0, embedMs: 0, searchMs: performance.now() - t0 },
    };
  } else {
    [r] = (await pipeline.search([{ id: "query", text: req.query, reasoning: req.reasoning }], { ...req.options, ...(signal ? { signal } : {}) })) as [PipelineResult];
  }
  return {
    reasoning: r.reasoning,
    reasoning_tokens: r.reasoningTokens,
    cached: r.cached,
    hits: r.hits.map((h) => {
      const doc = req.snippetChars > 0 ? pipeline.document(h.id) : undefined;
      const grade = judged?.get(h.id);
      return {
        id: h.id,
        score: h.score,
        score_name: h.scoreName,
        sources: h.sources,
        ...(doc ? { snippet: snippet(doc.text, req.snippetChars) } : {}),
        ...(grade !== undefined ? { judged: grade } : {}),
      };
    }),
    timings_ms: { generate: r.timings.generateMs, embed: r.timings.embedMs, search: r.timings.searchMs },
    ...(judged ? { query_id: queryId, judged_relevant: [...judged.values()].filter((g) => g > 0).length } : {}),
  };
}
