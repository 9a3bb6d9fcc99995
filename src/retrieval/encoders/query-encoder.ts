/**
 * The query side of T1 over any backend: chat prompt (instruction + query) → reasoning →
 * `<emb_token>`, in three modes: the model reasons ("reason", T1), no reasoning ("none", the plain
 * embedder / stage-1 ablation) and caller-supplied reasoning ("external", e.g. BRIGHT's GPT-4
 * reasoning, tokenised apart from the prompt exactly as training does). Vectors come out
 * L2-normalised. Unset options come from the model's T1 format settings (`backend.format`).
 */
import type { T1Backend } from "../../backends/types.js";
import { queryMessages } from "../../data/t1-format/index.js";
import { InputError } from "../../util/errors.js";
import { ReasoningCache, type ReasoningKey } from "./reasoning-cache.js";
import { l2normalize } from "./normalize.js";

export type QueryMode = "reason" | "none" | "external";

export interface QueryInput {
  id: string;
  text: string;
  /** The reasoning to use in "external" mode. */
  reasoning?: string;
}

export interface QueryEncodeOptions {
  /** Default "reason". "none" skips generation (fast, weaker on reasoning-heavy tasks). */
  mode?: QueryMode;
  /** Task instruction put before the query in the user turn. Default: the model's saved `instruction` ("" without t1_format.json). */
  instruction?: string;
  /** Reasoning budget in tokens. Default: the model's saved budget (256 without t1_format.json): longer reasoning helps hard queries and costs latency linearly. */
  maxReasoningTokens?: number;
  /** Qwen3's enable_thinking for the query prompt. Default: the backend's (its options, then t1_format.json, then the template's default). */
  enableThinking?: boolean;
  /** Default 0 (greedy, reproducible). > 0 samples with `seed`. */
  temperature?: number;
  /** Nucleus sampling mass. Default 1 (off). */
  topP?: number;
  /** Top-k sampling. Default 0 (off). */
  topK?: number;
  /** Sampling seed. Default 0. */
  seed?: number;
  /** Queries per backend call. Default 8: larger batches raise throughput and the latency of each call. */
  batchSize?: number;
  /** Reuse and store generated reasoning here. Default: none (always generate). */
  cache?: ReasoningCache;
  /** Streaming of reasoning pieces, e.g. for `t1 search --show-reasoning`. */
  onToken?: (queryIndex: number, piece: string) => void;
  /** Called after each batch with the number of queries finished. */
  onProgress?: (done: number) => void;
  /** Stops generation (e.g. the HTTP client went away): the call rejects. */
  signal?: AbortSignal;
}

export interface EncodedQuery {
  id: string;
  /** The reasoning the vector was read after ("" in mode "none"). */
  reasoning: string;
  reasoningTokens: number;
  vector: Float32Array;
  /** True when the reasoning (and vector) came from the cache. */
  cached: boolean;
  timings: { generateMs: number; embedMs: number };
}

export async function encodeQueries(backend: T1Backend, queries: readonly QueryInput[], opts: QueryEncodeOptions = {}): Promise<EncodedQuery[]> {
  const mode = opts.mode ?? "reason";
  const instruction = opts.instruction ?? backend.format.instruction;
  const batchSize = opts.batchSize ?? 8;
  const gen = {
    maxTokens: opts.maxReasoningTokens ?? backend.format.maxReasoningTokens,
    temperature: opts.temperature ?? 0,
    topP: opts.topP ?? 1,
    topK: opts.topK ?? 0,
    seed: opts.seed ?? 0,
  };
  if (!Number.isInteger(gen.maxTokens) || gen.maxTokens < 1) throw new InputError(`maxReasoningTokens must be a positive integer, got ${gen.maxTokens}`);
  const out: EncodedQuery[] = new Array(queries.length);
  for (let start = 0; start < queries.length; start += batchSize) {
    const batch = queries.slice(start, start + batchSize);
    const prompts = batch.map((q) => backend.chatMessagesPrompt(queryMessages(instruction, q.text), { enableThinking: opts.enableThinking }));
    if (mode === "none" || mode === "external") {
      const parts = batch.map((q, i) => {
        if (mode === "none") return [prompts[i]];
        if (typeof q.reasoning !== "string") throw new InputError(`query "${q.id}" has no reasoning (mode "external" needs one per query)`);
        return [prompts[i], q.reasoning];
      });
      const t0 = performance.now();
      const vecs = await backend.embedParts(parts);
      const ms = (performance.now() - t0) / batch.length;
      batch.forEach((q, i) => {
        out[start + i] = {
          id: q.id,
          reasoning: mode === "external" ? q.reasoning! : "",
          reasoningTokens: 0,
          vector: l2normalize(vecs[i], `query "${q.id}"`),
          cached: false,
          timings: { generateMs: 0, embedMs: ms },
        };
      });
    } else if (mode === "reason") {
      const keys: ReasoningKey[] = prompts.map((prompt) => ({ model: backend.modelId, prompt, ...gen }));
      const todo: number[] = [];
      batch.forEach((q, i) => {
        const hit = opts.cache?.get(keys[i]);
        if (hit?.vector && hit.vector.length === backend.dims) {
          out[start + i] = {
            id: q.id,
            reasoning: hit.text,
            reasoningTokens: hit.tokens,
            vector: l2normalize(hit.vector, `query "${q.id}"`),
            cached: true,
            timings: { generateMs: 0, embedMs: 0 },
          };
          if (opts.onToken) opts.onToken(start + i, hit.text);
        } else todo.push(i);
      });
      if (todo.length) {
        const results = await backend.generateAndEmbed(
          todo.map((i) => prompts[i]),
          { ...gen, signal: opts.signal, onToken: opts.onToken ? (j, piece) => opts.onToken!(start + todo[j], piece) : undefined },
        );
        todo.forEach((i, j) => {
          const r = results[j];
          out[start + i] = {
            id: batch[i].id,
            reasoning: r.text,
            reasoningTokens: r.tokens,
            vector: l2normalize(r.vector, `query "${batch[i].id}"`),
            cached: false,
            timings: { generateMs: r.timings.generateMs, embedMs: r.timings.embedMs },
          };
        });
        opts.cache?.putMany(
          todo.map((i, j) => ({
            key: keys[i],
            value: { text: results[j].text, tokens: results[j].tokens, finishReason: results[j].finishReason, vector: results[j].vector },
          })),
        );
      }
    } else {
      throw new InputError(`unknown query mode "${String(mode)}" (expected reason, none or external)`);
    }
    opts.onProgress?.(Math.min(start + batchSize, queries.length));
  }
  return out;
}
