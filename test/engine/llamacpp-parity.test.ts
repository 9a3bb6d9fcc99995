/**
 * Our engine vs llama.cpp on tiny random Qwen3 / Qwen2 / Llama models and on f16 / q8_0 exports
 * (see llamacpp-helpers.ts for the protocol and tolerances).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel, type TinyModelOptions } from "../../src/engine/tiny-model.js";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { loadModel } from "../../src/engine/model.js";
import { createKernels } from "../../src/engine/kernels/index.js";
import { needShared } from "../helpers/shared.js";
import { cosine, loadLlamaCpp } from "./gguf-helpers.js";
import { llamaLastHidden, parity } from "./llamacpp-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-llamacpp-"));
const kernels = createKernels({ threads: 1 });
after(() => {
  kernels.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** head_dim (24) != hidden / heads (16), as in real Qwen3; GQA 4:2. llama.cpp's qwen2 graph
 * assumes head_dim = hidden / heads (true of every real Qwen2), so qwen2 keeps 16. */
function tiny(arch: TinyModelOptions["arch"]): TinyModelOptions {
  return { arch, seed: 7, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: arch === "qwen2" ? 16 : 24, intermediateSize: 96, tieEmbeddings: arch !== "qwen2" };
}

test("tiny Qwen3 (head_dim != hidden/heads, q/k norms): greedy tokens and <emb_token> state match llama.cpp", async (t) => {
  await parity(t, { dir, kernels, model: tiny("qwen3"), steps: 32, promptText: "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n<think>\n" });
});

test("tiny Qwen2 (q/k/v biases, untied head): greedy tokens and last hidden state match llama.cpp", async (t) => {
  await parity(t, { dir, kernels, model: tiny("qwen2"), steps: 32, promptText: "<|im_start|>user\nExplain BM25 in one line.<|im_end|>\n<|im_start|>assistant\n" });
});

test("tiny Llama (q/k rows permuted for llama.cpp's interleaved RoPE): greedy tokens and last hidden state match llama.cpp", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  await parity(t, { dir, kernels, model: tiny("llama"), steps: 32, promptText: "Once upon a time, a little fox" });
});

test("f16, bf16, q8_0 and q4_0 exports: our engine (dequantising the GGUF) and llama.cpp agree on the same quantised weights", async (t) => {
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const mdir = join(dir, "qwen3-quant");
  const info = createTinyModel(mdir, { arch: "qwen3", seed: 9, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 32, intermediateSize: 128 });
  const full = await loadModel(mdir, { kernels });
  const ids = [...full.encode("<|im_start|>user\nquantised weights<|im_end|>\n"), info.specialIds["<emb_token>"]!];
  const exact = (await full.embed([ids]))[0]!;
  // llama.cpp multiplies q8_0/q4_0 weights with q8_0-quantised activations, so it differs more there;
  // still far closer to our dequantised model (q4_0: ~0.99996) than either is to the f32 one (~0.988).
  for (const [type, minCos] of [[GgmlType.F16, 0.99999], [GgmlType.BF16, 0.9999], [GgmlType.Q8_0, 0.9995], [GgmlType.Q4_0, 0.9995]] as const) {
    const gguf = join(dir, `qwen3-${type}.gguf`);
    await convertHfToGguf(mdir, gguf, { type });
    const ours = (await (await loadModel(gguf, { kernels })).embed([ids]))[0]!;
    const theirs = await llamaLastHidden(ll.llama, gguf, ids);
    const cos = cosine(ours, theirs);
    t.diagnostic(`${GgmlType[type]}: ours vs llama.cpp cosine ${cos.toFixed(7)}; ours vs f32 weights ${cosine(ours, exact).toFixed(7)}`);
    assert.ok(cos >= minCos, `${GgmlType[type]}: cosine ${cos} < ${minCos}`);
  }
});
