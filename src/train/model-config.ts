import { readFileSync } from "node:fs";
import { InputError, T1Error } from "../util/errors.js";
import { parseHfConfig, type ModelConfig } from "../engine/config.js";

/**
 * Training uses the engine's ModelConfig (one config for engine and training: the same parser, the
 * same RoPE scaling, the same config.json written back). What only inference supports is refused
 * here with the field's name.
 */
export type { ModelConfig } from "../engine/config.js";
export { toHfConfig } from "../engine/config.js";

/**
 * Checks that the training model implements `c` (what only inference supports is refused with the
 * field's name) and returns it unchanged. `file` names the config in errors.
 */
export function checkTrainable(c: ModelConfig, file = "config.json"): ModelConfig {
  if (c.oBias) throw new T1Error("UNSUPPORTED", `${file}: attention_bias on o_proj (llama) is not supported by the training model`);
  if (c.qkNorm !== (c.arch === "qwen3")) throw new T1Error("UNSUPPORTED", `${file}: q/k norm ${c.qkNorm ? "on" : "off"} for ${c.arch} is not supported by the training model`);
  return c;
}

/**
 * Parses config.json text with the engine's parser (so training accepts exactly the configs the
 * engine loads) and refuses what only inference supports (an o_proj bias).
 */
export function parseTrainModelConfig(text: string, file = "config.json"): ModelConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`config is not valid JSON: ${(e as Error).message}`, { file });
  }
  return checkTrainable(parseHfConfig(raw, file), file);
}

/** Reads and checks a config.json for training (see parseTrainModelConfig). */
export function readTrainModelConfig(path: string): ModelConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new T1Error("NOT_FOUND", `cannot read model config ${path}: ${(e as Error).message}`);
  }
  return parseTrainModelConfig(text, path);
}

/** Parameter names and shapes in Hugging Face order (embedding, layers, final norm, lm_head). */
export function parameterShapes(c: ModelConfig): [string, number[]][] {
  const C = c.hiddenSize, D = c.headDim, F = c.intermediateSize;
  const out: [string, number[]][] = [["model.embed_tokens.weight", [c.vocabSize, C]]];
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}.`;
    out.push([p + "input_layernorm.weight", [C]]);
    out.push([p + "self_attn.q_proj.weight", [c.heads * D, C]]);
    out.push([p + "self_attn.k_proj.weight", [c.kvHeads * D, C]]);
    out.push([p + "self_attn.v_proj.weight", [c.kvHeads * D, C]]);
    if (c.qkvBias) {
      out.push([p + "self_attn.q_proj.bias", [c.heads * D]]);
      out.push([p + "self_attn.k_proj.bias", [c.kvHeads * D]]);
      out.push([p + "self_attn.v_proj.bias", [c.kvHeads * D]]);
    }
    if (c.qkNorm) {
      out.push([p + "self_attn.q_norm.weight", [D]]);
      out.push([p + "self_attn.k_norm.weight", [D]]);
    }
    out.push([p + "self_attn.o_proj.weight", [C, c.heads * D]]);
    out.push([p + "post_attention_layernorm.weight", [C]]);
    out.push([p + "mlp.gate_proj.weight", [F, C]]);
    out.push([p + "mlp.up_proj.weight", [F, C]]);
    out.push([p + "mlp.down_proj.weight", [C, F]]);
  }
  out.push(["model.norm.weight", [C]]);
  if (!c.tieEmbeddings) out.push(["lm_head.weight", [c.vocabSize, C]]);
  return out;
}
