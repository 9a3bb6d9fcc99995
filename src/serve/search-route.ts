/**
 * POST /v1/t1/search: T1 retrieval over an index served beside the model (`t1 serve --index IDX`).
 * Request  { query: string, k?: 10, mode?: "reason"|"none"|"external", reasoning?: string,
 *            hybrid?: "none"|"rrf"|"weighted", alpha?: 0.5, max_reasoning_tokens?: 256,
 *            snippet_chars?: 160 }
 * Response { reasoning, reasoning_tokens, cached, hits: [{ id, score, score_name, sources, snippet? }],
 *            timings_ms: { generate, embed, search } }
 */
import type { PipelineResult, PipelineSearchOptions, RetrievalPipeline } from "../retrieval/pipeline.js";
import { snippet } from "../retrieval/index/doc-store.js";
import { InputError } from "../util/errors.js";

export interface SearchRequest {
  query: string;
  reasoning?: string;
  options: PipelineSearchOptions;
  snippetChars: number;
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
  const mode = field<PipelineSearchOptions["mode"]>(body, "mode", (v) => v === "reason" || v === "none" || v === "external", `"reason", "none" or "external"`) ?? "reason";
  const reasoning = field<string>(body, "reasoning", (v) => typeof v === "string", "a string");
  if (mode === "external" && reasoning === undefined) throw new InputError(`/v1/t1/search: mode "external" needs "reasoning"`, { field: "reasoning" });
  const hybrid = field<PipelineSearchOptions["hybrid"]>(body, "hybrid", (v) => v === "none" || v === "rrf" || v === "weighted", `"none", "rrf" or "weighted"`) ?? "none";
  return {
    query,
    reasoning,
    snippetChars: field<number>(body, "snippet_chars", isInt(0), "a non-negative integer") ?? 160,
    options: {
      k: field<number>(body, "k", (v) => isInt(1)(v) && (v as number) <= 10_000, "an integer from 1 to 10000") ?? 10,
      mode,
      hybrid,
      alpha: field<number>(body, "alpha", (v) => typeof v === "number" && v >= 0 && v <= 1, "a number from 0 to 1"),
      maxReasoningTokens: field<number>(body, "max_reasoning_tokens", isInt(0), "a non-negative integer"),
      temperature: field<number>(body, "temperature", (v) => typeof v === "number" && v >= 0, "a non-negative number"),
      seed: field<number>(body, "seed", isInt(0), "a non-negative integer"),
    },
  };
}

export async function runSearch(pipeline: RetrievalPipeline, req: SearchRequest): Promise<unknown> {
  const [r] = (await pipeline.search([{ id: "query", text: req.query, reasoning: req.reasoning }], req.options)) as [PipelineResult];
  return {
    reasoning: r.reasoning,
    reasoning_tokens: r.reasoningTokens,
    cached: r.cached,
    hits: r.hits.map((h) => {
      const doc = req.snippetChars > 0 ? pipeline.document(h.id) : undefined;
      return { id: h.id, score: h.score, score_name: h.scoreName, sources: h.sources, ...(doc ? { snippet: snippet(doc.text, req.snippetChars) } : {}) };
    }),
    timings_ms: { generate: r.timings.generateMs, embed: r.timings.embedMs, search: r.timings.searchMs },
  };
}
