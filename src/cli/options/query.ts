/** The query-encoding option group shared by `t1 search` and `t1 run`: how queries are encoded and how lists are fused. */
import type { OpenPipelineOptions, PipelineSearchOptions } from "../../retrieval/pipeline.js";
import type { Values } from "../command.js";
import { BACKEND_OVERRIDE_OPTIONS } from "./backend.js";
import { backendFormatOptions, FORMAT_OPTIONS } from "./format.js";

/** Reasoning budget: at least one token (mode none is how to skip reasoning). */
export const MAX_REASONING_TOKENS = { type: "number", integer: true, min: 1, description: "Reasoning budget in tokens (--mode none skips reasoning) (default: the model's t1_format.json, else 256)" } as const;

export const QUERY_OPTIONS = {
  mode: { type: "string", choices: ["reason", "none", "external"], description: "reason (model writes reasoning, T1) | none (plain embedding) | external (reasoning you supply with --reasoning)", default: "reason" },
  "max-reasoning-tokens": MAX_REASONING_TOKENS,
  temperature: { type: "number", min: 0, description: "0 = greedy; > 0 samples", default: 0 },
  seed: { type: "number", integer: true, description: "Sampling seed", default: 0 },
  instruction: { type: "string", description: "Query instruction (default: the one recorded at indexing)", arg: "TEXT" },
  hybrid: { type: "boolean", description: "Fuse the dense ranking with BM25 (see --fusion)" },
  fusion: { type: "string", choices: ["rrf", "weighted"], description: "rrf (reciprocal rank, k=60) | weighted (alpha * min-max dense + (1 - alpha) * bm25)", default: "rrf" },
  alpha: { type: "number", min: 0, max: 1, description: "Dense weight in weighted fusion", default: 0.5 },
  "no-cache": { type: "boolean", description: "Do not read or write the reasoning cache" },
  "expansion-search": { type: "number", integer: true, min: 1, description: "HNSW indexes: candidate list size (higher = better recall, slower)" },
  ...BACKEND_OVERRIDE_OPTIONS,
  ...FORMAT_OPTIONS,
} as const;

/** The parsed values of the group (backend overrides and format included), typed from its specs. */
export type QueryValues = Values<typeof QUERY_OPTIONS>;

export function pipelineOpenOptions(v: QueryValues): OpenPipelineOptions {
  return {
    backend: v.backend,
    model: v.model,
    modelId: v["model-id"],
    url: v.url,
    threads: v.threads,
    gpu: !v["no-gpu"],
    expansionSearch: v["expansion-search"],
    ...backendFormatOptions(v),
  };
}

export function pipelineSearchOptions(v: QueryValues, k: number): PipelineSearchOptions {
  return {
    k,
    mode: v.mode,
    maxReasoningTokens: v["max-reasoning-tokens"],
    temperature: v.temperature,
    seed: v.seed,
    instruction: v.instruction,
    hybrid: v.hybrid ? v.fusion : "none",
    alpha: v.alpha,
    cache: v["no-cache"] ? false : undefined,
  };
}
