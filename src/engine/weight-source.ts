/**
 * Where a model's config, weights and tokenizer come from. `loadModel` only sees a `Checkpoint`
 * with Hugging Face tensor names (`model.layers.0.self_attn.q_proj.weight`, ...) in f32, so any
 * format that can be mapped to those names plugs in: a safetensors directory (here) or a GGUF
 * file (`src/engine/gguf/weight-source.ts` exports `ggufWeightSource`).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { parseHfConfig, type ModelConfig } from "./config.js";
import { readSafetensors, type Tensor, type TensorMap } from "./safetensors.js";

export interface Checkpoint {
  config: ModelConfig;
  /** HF tensor names → f32 data allocated with the loader's `alloc`. For llama, q/k rows must be
   * in the HF rotate-half order (a GGUF source undoes llama.cpp's permutation). */
  tensors: TensorMap;
  /** tokenizer.json content, when the source has a tokenizer. */
  tokenizerJson?: Record<string, unknown>;
  /** tokenizer_config.json content (chat template, bos/eos, add_bos_token). */
  tokenizerConfig?: Record<string, unknown>;
  /** generation_config.json content (eos_token_id may list several stop ids). */
  generationConfig?: Record<string, unknown>;
  /** Human-readable origin for error messages. */
  source: string;
}

export interface LoadHooks {
  /** Called after each tensor is read; false drops it from `tensors` (the caller converted it,
   * e.g. to f16). Sources that ignore this hook are post-filtered by loadCheckpoint, so a tensor
   * kept (true) may be asked again: returning true must have no side effect. */
  keep?: (name: string, t: Tensor) => boolean;
}

export interface WeightSource {
  readonly name: string;
  canLoad(path: string): boolean;
  /** `alloc(n, name)` gives each tensor's f32 storage. */
  load(path: string, alloc: (n: number, name?: string) => Float32Array, hooks?: LoadHooks): Promise<Checkpoint>;
}

function readJsonIfPresent(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, { file: path });
  }
}

/** Newer transformers save the template as chat_template.jinja beside tokenizer_config.json. */
function withChatTemplateFile(dir: string, cfg: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const file = join(dir, "chat_template.jinja");
  if (!existsSync(file) || (cfg && typeof cfg.chat_template === "string")) return cfg;
  return { ...(cfg ?? {}), chat_template: readFileSync(file, "utf8") };
}

/** A Hugging Face model directory: config.json + model.safetensors (or shards) + tokenizer files. */
export const safetensorsDirSource: WeightSource = {
  name: "safetensors",
  canLoad: (path) => existsSync(join(path, "config.json")) && statSync(path).isDirectory(),
  async load(dir, alloc, hooks) {
    const cfgPath = join(dir, "config.json");
    const config = parseHfConfig(readJsonIfPresent(cfgPath), cfgPath);
    const tensors = await readSafetensors(dir, { alloc: (n, name) => alloc(n, name), keep: hooks?.keep });
    return {
      config,
      tensors,
      tokenizerJson: readJsonIfPresent(join(dir, "tokenizer.json")),
      tokenizerConfig: withChatTemplateFile(dir, readJsonIfPresent(join(dir, "tokenizer_config.json"))),
      generationConfig: readJsonIfPresent(join(dir, "generation_config.json")),
      source: dir,
    };
  },
};

const extraSources: WeightSource[] = [];

/** Adds a source tried before the built-in ones (e.g. a test or a new format). */
export function registerWeightSource(s: WeightSource): void {
  extraSources.unshift(s);
}

/** Picks the source for `path` and loads it. */
export async function loadCheckpoint(path: string, alloc: (n: number, name?: string) => Float32Array, hooks: LoadHooks = {}): Promise<Checkpoint> {
  const ck = await loadFromSource(path, alloc, hooks);
  // Enforce `keep` for sources that do not call it themselves (e.g. the GGUF reader).
  if (hooks.keep) for (const [name, t] of [...ck.tensors]) if (!hooks.keep(name, t)) ck.tensors.delete(name);
  return ck;
}

async function loadFromSource(path: string, alloc: (n: number, name?: string) => Float32Array, hooks: LoadHooks): Promise<Checkpoint> {
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `model not found: ${path}`);
  for (const s of extraSources) if (s.canLoad(path)) return s.load(path, alloc, hooks);
  if (path.toLowerCase().endsWith(".gguf")) {
    // Imported by URL so this file compiles before the GGUF module exists.
    const url = new URL("./gguf/weight-source.js", import.meta.url);
    let mod: { ggufWeightSource?: WeightSource };
    try {
      mod = (await import(url.href.endsWith(".js") && import.meta.url.endsWith(".ts") ? url.href.replace(/\.js$/, ".ts") : url.href)) as typeof mod;
    } catch (e) {
      throw new T1Error("UNSUPPORTED", `cannot load GGUF ${path}: the GGUF weight source is unavailable (${(e as Error).message})`);
    }
    if (!mod.ggufWeightSource) throw new T1Error("UNSUPPORTED", `cannot load GGUF ${path}: gguf/weight-source does not export ggufWeightSource`);
    return mod.ggufWeightSource.load(path, alloc, hooks);
  }
  if (safetensorsDirSource.canLoad(path)) return safetensorsDirSource.load(path, alloc, hooks);
  throw new T1Error("UNSUPPORTED", `${path} is neither a model directory with config.json nor a .gguf file`);
}

