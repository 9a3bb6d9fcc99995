/** Options shared by `t1 search` and `t1 run`: how queries are encoded and how lists are fused. */
import { bool, optNum, optStr, type OptionSpec, type OptionValues } from "../cli/command.js";
import { InputError } from "../util/errors.js";
import { parseBackendKind } from "../backends/open.js";
import type { OpenPipelineOptions, PipelineSearchOptions } from "./pipeline.js";
import type { QueryMode } from "./encoders/query-encoder.js";
import type { OpenBackendOptions } from "../backends/open.js";

/** How a backend renders T1 inputs; defaults come from the model's t1_format.json. */
export const FORMAT_OPTIONS: Record<string, OptionSpec> = {
  "chat-template": { type: "string", description: "Jinja chat template file used instead of the model's (required for models without one)", arg: "FILE" },
  "enable-thinking": { type: "boolean", description: "Pass enable_thinking=true to the chat template (default: the model's t1_format.json, else the template's default)" },
  "no-thinking": { type: "boolean", description: "Pass enable_thinking=false (Qwen3: an empty <think></think> block)" },
};

/** The backend options of FORMAT_OPTIONS. */
export function backendFormatOptions(v: OptionValues): Pick<OpenBackendOptions, "chatTemplateFile" | "format"> {
  if (bool(v, "enable-thinking") && bool(v, "no-thinking")) throw new InputError("--enable-thinking and --no-thinking exclude each other");
  const enableThinking = bool(v, "enable-thinking") ? true : bool(v, "no-thinking") ? false : undefined;
  return { chatTemplateFile: optStr(v, "chat-template"), format: enableThinking === undefined ? undefined : { enableThinking } };
}

export const QUERY_OPTIONS: Record<string, OptionSpec> = {
  mode: { type: "string", description: "reason (model writes reasoning, T1) | none (plain embedding) | external (--reasoning file)", default: "reason", arg: "MODE" },
  "max-reasoning-tokens": { type: "number", integer: true, min: 1, description: "Reasoning budget in tokens (default: the model's t1_format.json, else 256)", arg: "N" },
  temperature: { type: "number", min: 0, description: "0 = greedy; > 0 samples", default: 0, arg: "T" },
  seed: { type: "number", integer: true, description: "Sampling seed", default: 0, arg: "N" },
  instruction: { type: "string", description: "Query instruction (default: the one recorded at indexing)", arg: "TEXT" },
  hybrid: { type: "boolean", description: "Fuse the dense ranking with BM25 (see --fusion)" },
  fusion: { type: "string", description: "rrf (reciprocal rank, k=60) | weighted (alpha * min-max dense + (1 - alpha) * bm25)", default: "rrf", arg: "METHOD" },
  alpha: { type: "number", min: 0, max: 1, description: "Dense weight in weighted fusion", default: 0.5, arg: "A" },
  "no-cache": { type: "boolean", description: "Do not read or write the reasoning cache" },
  backend: { type: "string", description: "Override the backend recorded in the index", arg: "KIND" },
  model: { type: "string", description: "Override the model path recorded in the index", arg: "M" },
  "model-id": { type: "string", description: "Model identity to check against the index (e.g. the GGUF of the same weights)", arg: "ID" },
  url: { type: "string", description: "Server URL for --backend remote", arg: "URL" },
  threads: { type: "number", integer: true, min: 1, description: "CPU threads", arg: "N" },
  "expansion-search": { type: "number", integer: true, min: 1, description: "HNSW indexes: candidate list size (higher = better recall, slower)", arg: "N" },
  "no-gpu": { type: "boolean", description: "llamacpp: stay on the CPU" },
  ...FORMAT_OPTIONS,
};

export function pipelineOpenOptions(v: OptionValues): OpenPipelineOptions {
  const b = optStr(v, "backend");
  return {
    backend: b ? parseBackendKind(b) : undefined,
    model: optStr(v, "model"),
    modelId: optStr(v, "model-id"),
    url: optStr(v, "url"),
    threads: optNum(v, "threads"),
    gpu: !bool(v, "no-gpu"),
    expansionSearch: optNum(v, "expansion-search"),
    ...backendFormatOptions(v),
  };
}

export function pipelineSearchOptions(v: OptionValues, k: number): PipelineSearchOptions {
  const mode = optStr(v, "mode") ?? "reason";
  if (!["reason", "none", "external"].includes(mode)) throw new InputError(`--mode must be reason, none or external, got "${mode}"`);
  const fusion = optStr(v, "fusion") ?? "rrf";
  if (!["rrf", "weighted"].includes(fusion)) throw new InputError(`--fusion must be rrf or weighted, got "${fusion}"`);
  const hybrid = bool(v, "hybrid") ? fusion : "none";
  return {
    k,
    mode: mode as QueryMode,
    maxReasoningTokens: optNum(v, "max-reasoning-tokens"),
    temperature: optNum(v, "temperature"),
    seed: optNum(v, "seed"),
    instruction: optStr(v, "instruction"),
    hybrid: hybrid as PipelineSearchOptions["hybrid"],
    alpha: optNum(v, "alpha"),
    cache: bool(v, "no-cache") ? false : undefined,
  };
}
