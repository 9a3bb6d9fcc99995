/**
 * Hugging Face ↔ llama.cpp tensor names, and the q/k row permutation of the llama architecture.
 *
 * Why the permutation: llama.cpp's llama architecture applies RoPE to interleaved pairs (x0,x1),
 * (x2,x3)…; HF llama checkpoints store q/k projection rows reordered for rotate-half RoPE, where
 * pairs are (x_i, x_{i+d/2}). qwen2/qwen3 use NEOX (rotate-half) RoPE in llama.cpp: no reordering.
 */
import { InputError } from "../../util/errors.js";

const LAYER_PARTS: Array<[hf: string, gguf: string]> = [
  ["input_layernorm.weight", "attn_norm.weight"],
  ["self_attn.q_proj.weight", "attn_q.weight"],
  ["self_attn.q_proj.bias", "attn_q.bias"],
  ["self_attn.k_proj.weight", "attn_k.weight"],
  ["self_attn.k_proj.bias", "attn_k.bias"],
  ["self_attn.v_proj.weight", "attn_v.weight"],
  ["self_attn.v_proj.bias", "attn_v.bias"],
  ["self_attn.o_proj.weight", "attn_output.weight"],
  ["self_attn.o_proj.bias", "attn_output.bias"],
  ["self_attn.q_norm.weight", "attn_q_norm.weight"],
  ["self_attn.k_norm.weight", "attn_k_norm.weight"],
  ["post_attention_layernorm.weight", "ffn_norm.weight"],
  ["mlp.gate_proj.weight", "ffn_gate.weight"],
  ["mlp.up_proj.weight", "ffn_up.weight"],
  ["mlp.down_proj.weight", "ffn_down.weight"],
];

const GLOBAL: Array<[hf: string, gguf: string]> = [
  ["model.embed_tokens.weight", "token_embd.weight"],
  ["model.norm.weight", "output_norm.weight"],
  ["lm_head.weight", "output.weight"],
];

const hfToGgufLayer = new Map(LAYER_PARTS);
const ggufToHfLayer = new Map(LAYER_PARTS.map(([a, b]) => [b, a]));
const hfToGgufGlobal = new Map(GLOBAL);
const ggufToHfGlobal = new Map(GLOBAL.map(([a, b]) => [b, a]));

/** The llama.cpp name of an HF tensor, or undefined for tensors llama.cpp does not use (e.g. rotary inv_freq). */
export function hfToGgufName(name: string): string | undefined {
  const g = hfToGgufGlobal.get(name);
  if (g) return g;
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  if (!m) return undefined;
  const part = hfToGgufLayer.get(m[2]!);
  return part ? `blk.${m[1]}.${part}` : undefined;
}

/** The HF name of a llama.cpp tensor; throws for names t1 does not know. */
export function ggufToHfName(name: string, file?: string): string {
  const g = ggufToHfGlobal.get(name);
  if (g) return g;
  const m = /^blk\.(\d+)\.(.+)$/.exec(name);
  const part = m ? ggufToHfLayer.get(m[2]!) : undefined;
  if (!m || !part) throw new InputError(`unknown tensor "${name}" (t1 reads llama, qwen2 and qwen3 GGUF models)`, { file });
  return `model.layers.${m[1]}.${part}`;
}

/**
 * Reorders rows of a q or k projection (rows = nHeads·headDim, each of `cols` values) from HF's
 * rotate-half layout to llama.cpp's interleaved layout: within each head, HF row j·(d/2)+i becomes
 * row 2i+j. Works for weights (cols = hidden) and biases (cols = 1).
 */
export function permuteRowsHfToGguf(data: Float32Array, nHeads: number, cols: number): Float32Array {
  return permute(data, nHeads, cols, false);
}

/** The inverse of permuteRowsHfToGguf: llama.cpp interleaved layout back to HF rotate-half. */
export function permuteRowsGgufToHf(data: Float32Array, nHeads: number, cols: number): Float32Array {
  return permute(data, nHeads, cols, true);
}

function permute(data: Float32Array, nHeads: number, cols: number, inverse: boolean): Float32Array {
  const rows = data.length / cols;
  const headDim = rows / nHeads;
  if (!Number.isInteger(rows) || !Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new InputError(`cannot permute q/k rows: ${data.length} values are not ${nHeads} heads × an even head size × ${cols}`);
  }
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const hfRow = h * headDim + j * half + i;
        const ggRow = h * headDim + 2 * i + j;
        const [from, to] = inverse ? [ggRow, hfRow] : [hfRow, ggRow];
        out.set(data.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}
