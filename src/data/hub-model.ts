import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { downloadHubFiles, type HubOptions } from "./hub.js";

/** The files a causal LM needs to load in t1's engine, beside its weights. */
const REQUIRED_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json"] as const;
/** Files worth having when the repo has them (eos ids, the chat template of newer transformers). */
const OPTIONAL_FILES = ["generation_config.json", "chat_template.jinja"] as const;

export interface HubModelRequest extends HubOptions {
  /** Model repo, "owner/name" (e.g. "Qwen/Qwen3-0.6B"). */
  repo: string;
  /** Local folder that receives the files. Default: `defaultCacheDir("models", repo)`. */
  dir?: string;
  /** More repo paths to fetch, e.g. a README or a GGUF file. Default none. */
  extraFiles?: string[];
}

export interface HubModelResult {
  dir: string;
  /** Local paths of every file downloaded (or already present). */
  files: string[];
  /** Weight files: one model.safetensors, or the shards named by model.safetensors.index.json. */
  weights: string[];
}

/** t1's download cache: `$XDG_CACHE_HOME/t1/<kind>/<repo>`, else `~/.cache/t1/<kind>/<repo>`. */
export function defaultCacheDir(kind: "models" | "datasets", repo: string): string {
  const base = process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, "t1") : join(homedir(), ".cache", "t1");
  return join(base, kind, ...repo.split("/"));
}

/** Downloads `file` when the repo has it; undefined on a 404 (other errors propagate). */
async function optionalFile(req: HubModelRequest, dir: string, file: string): Promise<string | undefined> {
  try {
    const [p] = await downloadHubFiles({ ...req, repoType: "model", files: [file], dir });
    return p;
  } catch (e) {
    if (e instanceof T1Error && e.code === "NOT_FOUND") return undefined;
    throw e;
  }
}

/** The distinct shard paths of a safetensors index, in first-use order; errors name the file. */
export function shardsOfIndex(indexPath: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(indexPath, "utf8"));
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message})`, { file: indexPath });
  }
  const map = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new InputError(`expected an object "weight_map" {tensor name: shard file}`, { file: indexPath, field: "weight_map" });
  }
  const shards = new Set<string>();
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== "string" || !shard.endsWith(".safetensors")) {
      throw new InputError(`weight_map["${tensor}"] must name a .safetensors file, got ${JSON.stringify(shard)}`, { file: indexPath, field: `weight_map.${tensor}` });
    }
    shards.add(shard);
  }
  if (shards.size === 0) throw new InputError(`weight_map is empty`, { file: indexPath, field: "weight_map" });
  return [...shards];
}

/**
 * Downloads a Hugging Face model repo in the layout `loadModel` reads: config, tokenizer files,
 * generation config and chat template when present, and the safetensors weights (the sharded
 * index and every shard it names, or the single model.safetensors). Each file resumes after an
 * interruption and is checked against the Hub's checksum (see downloadUrl); rerunning skips files
 * already there, so an interrupted download is finished by running it again.
 */
export async function downloadHubModel(req: HubModelRequest): Promise<HubModelResult> {
  const dir = req.dir ?? defaultCacheDir("models", req.repo);
  const files: string[] = [];
  files.push(...(await downloadHubFiles({ ...req, repoType: "model", files: [REQUIRED_FILES[0]], dir })));
  for (const f of [...REQUIRED_FILES.slice(1), ...OPTIONAL_FILES]) {
    const p = await optionalFile(req, dir, f);
    if (p) files.push(p);
    else if ((REQUIRED_FILES as readonly string[]).includes(f)) {
      throw new T1Error("NOT_FOUND", `${req.repo} has no ${f}: t1 needs a Hugging Face tokenizer (tokenizer.json and tokenizer_config.json) beside the weights`);
    }
  }
  let weights: string[];
  const index = await optionalFile(req, dir, "model.safetensors.index.json");
  if (index) {
    files.push(index);
    weights = await downloadHubFiles({ ...req, repoType: "model", files: shardsOfIndex(index), dir });
  } else {
    const single = await optionalFile(req, dir, "model.safetensors");
    if (!single) throw new T1Error("NOT_FOUND", `${req.repo} has neither model.safetensors nor model.safetensors.index.json (t1 loads safetensors checkpoints; for GGUF pass the file with extraFiles)`);
    weights = [single];
  }
  files.push(...weights);
  if (req.extraFiles?.length) files.push(...(await downloadHubFiles({ ...req, repoType: "model", files: req.extraFiles, dir })));
  return { dir, files, weights };
}
